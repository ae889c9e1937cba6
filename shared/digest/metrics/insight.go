package metrics

import (
	"sort"

	"github.com/dealflow/dealflow/shared/domain"
)

// insight fills the sections managers use to judge AEs beyond the headline numbers: competitors,
// activity measures and territory performance (docs/METRICS.md "Competitors", "Activity
// measures", "Territories").
func (c *calc) insight(r *Report) {
	r.Competitors = c.competitors()
	r.ActivityMeasures = c.activityMeasures()
	r.Territories = c.territories()
	r.Forecast = c.forecast()
	r.Commission = c.commission()
}

// activities is every activity of the input (the members' window and the closed deals' whole
// history, DealActivities) once, as of AsOf, oldest first.
func (c *calc) activities() []domain.Activity {
	if c.acts != nil {
		return c.acts
	}
	seen := map[string]bool{}
	out := []domain.Activity{}
	for _, list := range [][]domain.Activity{c.in.Activities, c.in.DealActivities} {
		for _, a := range list {
			if a.ID != "" && seen[a.ID] || !c.before(a.At) {
				continue
			}
			seen[a.ID] = true
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	c.acts = out
	return out
}

// activitiesOf indexes activities by deal.
func (c *calc) activitiesByDeal() map[string][]domain.Activity {
	out := map[string][]domain.Activity{}
	for _, a := range c.activities() {
		if a.DealID != "" {
			out[a.DealID] = append(out[a.DealID], a)
		}
	}
	return out
}

// inScope is a deal the sections count: open in the period-end snapshot, or won or lost in the
// period (as of AsOf). open says which.
func (c *calc) inScope(d *domain.Deal) (open, closed bool, st dealState) {
	if s, ok := c.stateAt(d, c.snapshotAt(c.in.Period)); ok && s.open {
		return true, false, s
	}
	if s := c.outcome(d); !s.open && c.in.Period.Contains(s.closedAt) {
		return false, true, s
	}
	return false, false, dealState{}
}
