package metrics
type ActivityReport struct{}
func (c *calc) activityMeasures() ActivityReport { return ActivityReport{} }
