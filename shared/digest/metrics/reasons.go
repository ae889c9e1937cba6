package metrics

import (
	"encoding/json"
)

// UnmarshalJSON reads a report and restores why each n/a value is not available: the JSON
// carries n/a as null (the `digest preview --json` contract), and the manager-digest workflow
// passes the report from its compute step to its render step as JSON.
func (r *Report) UnmarshalJSON(b []byte) error {
	type plain Report
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	explainSummary(&r.Team)
	explainSummary(&r.Prior)
	for i := range r.Reps {
		explainSummary(&r.Reps[i].Current)
		explainSummary(&r.Reps[i].Prior)
	}
	for i := range r.Quota.Reps {
		explainAttainment(&r.Quota.Reps[i])
	}
	explainAttainment(&r.Quota.Team)
	for i := range r.Funnel {
		s := &r.Funnel[i]
		explain(&s.Cumulative, WhyNoDeals)
		if i == len(r.Funnel)-1 {
			explain(&s.Next, WhyLastStage)
		} else {
			explain(&s.Next, WhyNoDeals)
		}
	}
	for i := range r.Stale {
		explain(&r.Stale[i].Converted, WhyNoRate)
	}
	for i := range r.TopDeals {
		explain(&r.TopDeals[i].Converted, WhyNoRate)
	}
	explainInsight(r)
	return nil
}

// The reasons follow the order Compute decides them in (summary, finishAttainment).
func explainSummary(s *Summary) {
	explain(&s.WinRate, WhyNothingClosed)
	if s.Won == 0 {
		explain(&s.AvgDealSize, WhyNothingWon)
		explain(&s.CycleDays, WhyNothingWon)
	} else {
		explain(&s.AvgDealSize, WhyNoRate)
	}
	switch {
	case !s.WinRate.OK:
		explain(&s.Velocity, s.WinRate.Why)
	case !s.AvgDealSize.OK:
		explain(&s.Velocity, s.AvgDealSize.Why)
	case !s.CycleDays.OK:
		explain(&s.Velocity, s.CycleDays.Why)
	default:
		explain(&s.Velocity, WhyNoCycle)
	}
	explain(&s.Handoffs.Share, WhyNothingDecided)
	explain(&s.Handoffs.MedianToAccept, WhyNothingAccepted)
}

func explainAttainment(a *Attainment) {
	if !a.HasQuota || a.Quota.AmountMinor <= 0 {
		explain(&a.Attainment, WhyNoQuota)
		explain(&a.Pacing, WhyNoQuota)
		explain(&a.Coverage, WhyNoQuota)
		return
	}
	explain(&a.Attainment, WhyNoQuota)
	explain(&a.Pacing, WhyPeriodOver)
	explain(&a.Coverage, WhyQuotaMet)
}

func explain[T any](m *Maybe[T], why string) {
	if !m.OK {
		m.Why = why
	}
}
