package lead

import (
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/qualify"
)

// ScoringModel turns the org file's scoring section into the qualify model. A lead from a
// domain of scoring.competitor_domains or of a listed competitor is disqualified as "competitor".
func ScoringModel(s domain.ScoringModel, competitors ...domain.Competitor) qualify.Model {
	m := qualify.Model{HalfLife: s.DecayHalfLife.Duration, MQL: s.Thresholds.MQL, SQL: s.Thresholds.SQL}
	for _, f := range s.Fit {
		m.Fit = append(m.Fit, qualify.FitRule{ID: f.ID, Points: f.Points, When: []qualify.Condition{condition(f.When)}})
	}
	for _, e := range s.Engagement {
		m.Engagement = append(m.Engagement, qualify.EngagementRule{ID: e.Activity, Activity: e.Activity, Points: e.Points, Max: e.Max})
	}
	rivals := append([]string(nil), s.CompetitorDomains...)
	for _, c := range competitors {
		rivals = append(rivals, c.Domains...)
	}
	if len(rivals) > 0 {
		m.Disqualify = append(m.Disqualify, qualify.DisqualifyRule{ID: "competitor", Reason: "competitor",
			When: []qualify.Condition{{Field: "domain", In: rivals}}})
	}
	for _, r := range s.Disqualify {
		m.Disqualify = append(m.Disqualify, qualify.DisqualifyRule{ID: r.ID, Reason: r.Reason, When: []qualify.Condition{condition(r.When)}})
	}
	return m
}

// condition maps the org file's one-operator condition onto qualify's.
func condition(c domain.Condition) qualify.Condition {
	field := map[string]string{"email_domain": "emailDomain"}[c.Field]
	if field == "" {
		field = c.Field
	}
	q := qualify.Condition{Field: field, In: c.In, NotIn: c.NotIn, Min: c.Gte, Max: c.Lte}
	if c.Equals != "" {
		q.In = append(q.In, c.Equals)
	}
	if c.Contains != "" {
		q.Contains = []string{c.Contains}
	}
	if c.Missing {
		f := false
		q.Exists = &f
	}
	if c.FreeMail {
		q = qualify.Condition{Field: "freeMail", In: []string{"true"}}
	}
	return q
}
