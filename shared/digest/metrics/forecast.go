package metrics

import (
	"sort"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// WhyNoCall: forecast accuracy when the manager submitted no call for the period.
const WhyNoCall = "no_call"

// ForecastReport is the forecast for the forecast period (the quota period: the reported month or
// quarter, or the quarter of a weekly digest) per rep and for the team, the manager's call for it,
// and how accurate the call for the period before was (docs/METRICS.md "Forecast").
type ForecastReport struct {
	Key  string         `json:"key"` // the forecast period, e.g. "2026-Q4"
	Team ForecastLine   `json:"team"`
	Reps []ForecastLine `json:"reps"`
	// Deals are the open deals of the snapshot closing in the forecast period, with their
	// category then.
	Deals []ForecastDeal `json:"deals"`
	// Call is the manager's latest call for the forecast period submitted before AsOf.
	Call *domain.ForecastCall `json:"call"`
	// Accuracy compares the call for the previous forecast period with what was won in it.
	Accuracy ForecastAccuracy `json:"accuracy"`
}

// ForecastLine is a rep's or the team's forecast. Amounts in the report currency.
type ForecastLine struct {
	RepID string `json:"repId,omitempty"`
	// Closed = won in the forecast period up to the snapshot (booked).
	Closed Amount `json:"closed"`
	// Commit = closed + open deals in commit; BestCase = commit + open deals in best case.
	Commit   Amount `json:"commit"`
	BestCase Amount `json:"bestCase"`
	// Pipeline = open deals in pipeline; Omitted = open deals left out of the forecast.
	Pipeline Amount `json:"pipeline"`
	Omitted  Amount `json:"omitted"`
	// Weighted = Σ amount × stage probability over the open deals not omitted.
	Weighted Amount `json:"weighted"`
	Deals    int    `json:"deals"` // open deals closing in the period, omitted ones included
}

// ForecastDeal is one open deal's place in the forecast.
type ForecastDeal struct {
	ID       string                  `json:"id"`
	OwnerID  string                  `json:"ownerId"`
	Stage    string                  `json:"stage"`
	Amount   domain.Money            `json:"amount"`
	Category domain.ForecastCategory `json:"category"`
	// Override: the owner or manager set the category (else it is the stage's default).
	Override bool `json:"override"`
}

// ForecastAccuracy: the previous forecast period's call against what was won in it.
type ForecastAccuracy struct {
	Key    string              `json:"key"`
	Call   Maybe[domain.Money] `json:"call"`
	Actual Amount              `json:"actual"`
	// Variance = actual − call; Accuracy = the smaller of the two ÷ the larger (1 = exact).
	Variance Maybe[domain.Money] `json:"variance"`
	Accuracy Maybe[float64]      `json:"accuracy"`
	// NoRate: the call is in a currency without a rate into the report currency.
	NoRate bool `json:"noRate,omitempty"`
}

// forecastCategoryAt is a deal's category at t, in the stage it was in then: the last override
// made before t, else the stage's default.
func (c *calc) forecastCategoryAt(d *domain.Deal, stage string, t time.Time) (domain.ForecastCategory, bool) {
	for i := len(d.ForecastHistory) - 1; i >= 0; i-- {
		if h := d.ForecastHistory[i]; h.At.Before(t) {
			if h.Category != "" {
				return h.Category, true
			}
			break
		}
	}
	if p, ok := c.in.Org.Pipeline(d.Pipeline); ok {
		if s, ok := p.Stage(stage); ok {
			return s.StageForecast(), false
		}
	}
	return domain.ForecastPipeline, false
}

func (c *calc) forecast() ForecastReport {
	q := QuotaPeriod(c.in.Period)
	at := c.snapshotAt(c.in.Period)
	upTo := at
	if upTo.After(q.End) {
		upTo = q.End
	}
	out := ForecastReport{Key: q.Key(), Reps: []ForecastLine{}, Deals: []ForecastDeal{}}
	line := func(deals []*domain.Deal, collect bool) ForecastLine {
		closed, commit, best, pipe, omitted, weighted := bag{}, bag{}, bag{}, bag{}, bag{}, bag{}
		var l ForecastLine
		for _, d := range deals {
			if st := c.outcome(d); st.status == domain.DealWon && !st.closedAt.Before(q.Start) && st.closedAt.Before(upTo) {
				closed.add(d.Amount)
			}
			st, ok := c.stateAt(d, at)
			if !ok || !st.open {
				continue
			}
			day, ok := closeDay(d)
			if !ok || !dayIn(day, q) {
				continue
			}
			cat, override := c.forecastCategoryAt(d, st.stage, at)
			l.Deals++
			switch cat {
			case domain.ForecastCommit:
				commit.add(d.Amount)
			case domain.ForecastBestCase:
				best.add(d.Amount)
			case domain.ForecastOmitted:
				omitted.add(d.Amount)
			default:
				pipe.add(d.Amount)
			}
			if cat != domain.ForecastOmitted {
				weighted.add(domain.Money{AmountMinor: d.Amount.AmountMinor * int64(c.probability(d.Pipeline, st.stage)), Currency: d.Amount.Currency})
			}
			if collect {
				out.Deals = append(out.Deals, ForecastDeal{ID: d.ID, OwnerID: d.OwnerID, Stage: st.stage, Amount: d.Amount, Category: cat, Override: override})
			}
		}
		l.Closed = c.conv.amount(closed, 1)
		// Commit and best case are running sums: closed, then commit, then best case, each
		// currency converted once.
		for cur, v := range closed {
			commit[cur] += v
		}
		for cur, v := range commit {
			best[cur] += v
		}
		l.Commit, l.BestCase = c.conv.amount(commit, 1), c.conv.amount(best, 1)
		l.Pipeline, l.Omitted, l.Weighted = c.conv.amount(pipe, 1), c.conv.amount(omitted, 1), c.conv.amount(weighted, 100)
		return l
	}
	out.Team = line(c.deals, true)
	sort.Slice(out.Deals, func(i, j int) bool { return out.Deals[i].ID < out.Deals[j].ID })
	for _, id := range c.rows {
		l := line(c.byOwner[id], false)
		l.RepID = id
		out.Reps = append(out.Reps, l)
	}
	out.Call = c.call(q.Key(), c.in.AsOf)

	prev := q.Previous()
	acc := ForecastAccuracy{Key: prev.Key(), Call: NA[domain.Money](WhyNoCall), Variance: NA[domain.Money](WhyNoCall), Accuracy: NA[float64](WhyNoCall)}
	won := bag{}
	for _, d := range c.deals {
		if st := c.outcome(d); st.status == domain.DealWon && prev.Contains(st.closedAt) {
			won.add(d.Amount)
		}
	}
	acc.Actual = c.conv.amount(won, 1)
	// Only a call made before the period ended is a forecast.
	until := prev.End
	if c.in.AsOf.Before(until) {
		until = c.in.AsOf
	}
	if call := c.call(prev.Key(), until); call != nil {
		if m, ok := c.conv.convert(call.Amount); ok {
			acc.Call = Some(m)
			acc.Variance = Some(domain.Money{AmountMinor: acc.Actual.AmountMinor - m.AmountMinor, Currency: m.Currency})
			lo, hi := acc.Actual.AmountMinor, m.AmountMinor
			if lo > hi {
				lo, hi = hi, lo
			}
			acc.Accuracy = ratio(float64(lo), float64(hi), WhyNoCall)
		} else {
			acc.Call, acc.Variance, acc.Accuracy = NA[domain.Money](WhyNoRate), NA[domain.Money](WhyNoRate), NA[float64](WhyNoRate)
			acc.NoRate = true
		}
	}
	out.Accuracy = acc
	return out
}

// call is the team's latest call for a forecast period submitted before t.
func (c *calc) call(key string, t time.Time) *domain.ForecastCall {
	var best *domain.ForecastCall
	for i := range c.in.ForecastCalls {
		fc := &c.in.ForecastCalls[i]
		if fc.PeriodKey != key || (c.in.TeamID != "" && fc.TeamID != c.in.TeamID) || !fc.SubmittedAt.Before(t) {
			continue
		}
		if best == nil || fc.SubmittedAt.After(best.SubmittedAt) {
			best = fc
		}
	}
	if best == nil {
		return nil
	}
	cp := *best
	return &cp
}
