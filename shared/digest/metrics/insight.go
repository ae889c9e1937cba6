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

// explainInsight restores why the insight sections' n/a values are not available after the
// report went through JSON (Report.UnmarshalJSON), following the order they are decided in.
func explainInsight(r *Report) {
	for i := range r.Competitors.Competitors {
		explain(&r.Competitors.Competitors[i].WinRate, WhyNothingClosed)
	}
	am := &r.ActivityMeasures
	for _, m := range append([]*ActivityMeasures{&am.Team}, func() []*ActivityMeasures {
		var out []*ActivityMeasures
		for i := range am.Reps {
			out = append(out, &am.Reps[i])
		}
		return out
	}()...) {
		explain(&m.FollowUp.Share, WhyNoDeals)
		explain(&m.LeadResponse.Median, WhyNoneAnswered)
		explain(&m.HandoffResponse.Median, WhyNoneAnswered)
	}
	for i := range am.BeforeClose {
		explain(&am.BeforeClose[i].WonShare, WhyNothingWon)
		explain(&am.BeforeClose[i].LostShare, WhyNothingLost)
	}
	for i := range r.Territories {
		t := &r.Territories[i]
		explain(&t.WinRate, WhyNothingClosed)
		if t.Won == 0 {
			explain(&t.AvgDealSize, WhyNothingWon)
			explain(&t.CycleDays, WhyNothingWon)
		} else {
			explain(&t.AvgDealSize, WhyNoRate)
		}
		explainAttainment(&t.Quota)
		t.Coverage.Why = t.Quota.Coverage.Why
	}
	acc := &r.Forecast.Accuracy
	why := WhyNoCall
	if acc.NoRate {
		why = WhyNoRate
	}
	explain(&acc.Call, why)
	explain(&acc.Variance, why)
	explain(&acc.Accuracy, why)
	for i := range r.Commission.Statements {
		explain(&r.Commission.Statements[i].Quota, WhyNoQuota)
	}
}
