package metrics
type TerritoryReport struct{}
func (c *calc) territories() []TerritoryReport { return nil }
