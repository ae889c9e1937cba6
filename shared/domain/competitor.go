package domain

// Competitor is a rival the org file names, so that mentions of it in deals, activities and
// handoff notes can be found, and leads from its domains disqualified.
type Competitor struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Aliases are other ways people write the name ("MS Dynamics", "Dynamics 365").
	Aliases []string `yaml:"aliases" json:"aliases,omitempty"`
	// Domains are its email and web domains (lower case); a lead from one is disqualified like
	// one from scoring.competitor_domains.
	Domains []string `yaml:"domains" json:"domains,omitempty"`
}

// Competitor returns the competitor with the given id.
func (o *Org) Competitor(id string) (*Competitor, bool) {
	for i := range o.Competitors {
		if o.Competitors[i].ID == id {
			return &o.Competitors[i], true
		}
	}
	return nil, false
}
