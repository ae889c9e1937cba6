package metrics

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// CommissionStatement is what one rep earned in a month or quarter under their plan
// (docs/METRICS.md "Commission"): each won deal credited to them, the rates applied, and the
// adjustments (cap, clawbacks).
type CommissionStatement struct {
	RepID     string `json:"repId"`
	PlanID    string `json:"planId"`
	PeriodKey string `json:"periodKey"`
	Currency  string `json:"currency"`
	// Quota is the rep's quota for the period in the plan currency (tiers need one).
	Quota       Maybe[domain.Money]    `json:"quota"`
	Booked      domain.Money           `json:"booked"` // Σ credits
	Lines       []CommissionLine       `json:"lines"`
	Earned      domain.Money           `json:"earned"` // Σ lines
	Adjustments []CommissionAdjustment `json:"adjustments"`
	Total       domain.Money           `json:"total"` // earned + adjustments
	// NoRate lists deals left out: their currency has no rate into the plan currency.
	NoRate []string `json:"noRate,omitempty"`
}

// CommissionLine is one won deal credited to the rep.
type CommissionLine struct {
	DealID   string       `json:"dealId"`
	Name     string       `json:"name"`
	ClosedAt time.Time    `json:"closedAt"`
	Amount   domain.Money `json:"amount"` // the deal's amount
	Share    int          `json:"share"`  // percent credited to the rep (split deals)
	Credit   domain.Money `json:"credit"` // amount × share, in the plan currency
	// Portions split the credit where it crosses a tier: each part at its rate.
	Portions   []CommissionPortion `json:"portions"`
	Rate       float64             `json:"rate"` // effective: commission ÷ credit
	Commission domain.Money        `json:"commission"`
}

// CommissionPortion is part of a credit paid at one rate.
type CommissionPortion struct {
	Credit     domain.Money `json:"credit"`
	Rate       float64      `json:"rate"`
	Commission domain.Money `json:"commission"`
}

// CommissionAdjustment changes a statement's total: "cap" (earned above the plan's cap) or
// "clawback" (a deal whose customer churned within the plan's clawback days).
type CommissionAdjustment struct {
	Kind   string       `json:"kind"`
	DealID string       `json:"dealId,omitempty"`
	Amount domain.Money `json:"amount"`
	Note   string       `json:"note"`
}

// CommissionReport is the statements of the report's reps for the quota period.
type CommissionReport struct {
	PeriodKey  string                `json:"periodKey"`
	Statements []CommissionStatement `json:"statements"`
}

var periodKeyRE = regexp.MustCompile(`^(\d{4})-(?:Q([1-4])|(0[1-9]|1[0-2]))$`)

// ParsePeriodKey reads a month ("2026-11") or quarter ("2026-Q4") key into the period in loc.
func ParsePeriodKey(key string, loc *time.Location) (Period, error) {
	m := periodKeyRE.FindStringSubmatch(key)
	if m == nil {
		return Period{}, fmt.Errorf("period %q: want a quarter (2026-Q4) or a month (2026-11)", key)
	}
	year, _ := strconv.Atoi(m[1])
	if m[2] != "" {
		q, _ := strconv.Atoi(m[2])
		return PeriodAt(Quarter, time.Date(year, time.Month(3*q-2), 1, 12, 0, 0, 0, loc), loc), nil
	}
	mon, _ := strconv.Atoi(m[3])
	return PeriodAt(Month, time.Date(year, time.Month(mon), 1, 12, 0, 0, 0, loc), loc), nil
}

// Statement computes a rep's commission statement for period p from deals (any set that holds
// the deals credited to the rep and closed in p, and for clawbacks those closed up to the plan's
// clawback days before p), each taken as of asOf. ok is false when no plan covers the rep.
func Statement(org *domain.Org, repID string, p Period, deals []domain.Deal, asOf time.Time) (CommissionStatement, bool) {
	c := newCalc(Input{Org: org, Period: p, AsOf: asOf, Deals: deals})
	return c.statement(repID, p, true)
}

// share is the percent of d credited to rep: the deal's split, else all of it to the owner.
func share(d *domain.Deal, rep string) int {
	if len(d.Splits) == 0 {
		if d.OwnerID == rep {
			return 100
		}
		return 0
	}
	for _, s := range d.Splits {
		if s.RepID == rep {
			return s.Share
		}
	}
	return 0
}

func (c *calc) statement(repID string, p Period, adjust bool) (CommissionStatement, bool) {
	rep, ok := c.in.Org.Rep(repID)
	if !ok {
		return CommissionStatement{}, false
	}
	plan, ok := c.in.Org.CommissionPlanFor(rep)
	if !ok {
		return CommissionStatement{}, false
	}
	cur := plan.Currency
	if cur == "" {
		cur = c.in.Org.Settings.Currency
	}
	conv := converter{org: c.in.Org, to: cur}
	zero := domain.Money{Currency: cur}
	st := CommissionStatement{RepID: repID, PlanID: plan.ID, PeriodKey: p.Key(), Currency: cur, Booked: zero, Earned: zero, Total: zero,
		Lines: []CommissionLine{}, Adjustments: []CommissionAdjustment{}, Quota: NA[domain.Money](WhyNoQuota)}
	if target, ok := repQuota(rep, p.Kind); ok {
		if q, ok := conv.convert(target); ok {
			if num, den := proRate(rep.StartDate, p); num != den {
				q = scaleMoney(q, num, den)
			}
			st.Quota = Some(q)
		}
	}
	// The rate at each booked amount: base up to the first tier, then each tier's rate.
	type step struct {
		from int64
		rate float64
	}
	steps := []step{{0, plan.BaseRate}}
	if st.Quota.OK {
		for _, t := range plan.Tiers {
			steps = append(steps, step{int64(math.Round(float64(st.Quota.V.AmountMinor) * t.Above)), t.Rate})
		}
	}
	type credit struct {
		d      *domain.Deal
		at     time.Time
		share  int
		amount int64
	}
	var credits []credit
	for _, d := range c.deals {
		sh := share(d, repID)
		o := c.outcome(d)
		if sh == 0 || o.status != domain.DealWon || !p.Contains(o.closedAt) {
			continue
		}
		m, ok := conv.convert(d.Amount)
		if !ok {
			st.NoRate = append(st.NoRate, d.ID)
			continue
		}
		credits = append(credits, credit{d, o.closedAt, sh, divRound(m.AmountMinor*int64(sh), 100)})
	}
	// Bookings accrue in the order deals closed: the deal that crosses a tier is split there.
	sort.Slice(credits, func(i, j int) bool {
		if !credits[i].at.Equal(credits[j].at) {
			return credits[i].at.Before(credits[j].at)
		}
		return credits[i].d.ID < credits[j].d.ID
	})
	booked := int64(0)
	for _, cr := range credits {
		l := CommissionLine{DealID: cr.d.ID, Name: cr.d.Name, ClosedAt: cr.at, Amount: cr.d.Amount, Share: cr.share,
			Credit: domain.Money{AmountMinor: cr.amount, Currency: cur}, Portions: []CommissionPortion{}}
		lo, hi := booked, booked+cr.amount
		var total int64
		for i, s := range steps {
			end := int64(math.MaxInt64)
			if i+1 < len(steps) {
				end = steps[i+1].from
			}
			a, b := max(lo, s.from), min(hi, end)
			if b <= a {
				continue
			}
			com := int64(math.Round(float64(b-a) * s.rate))
			total += com
			l.Portions = append(l.Portions, CommissionPortion{Credit: domain.Money{AmountMinor: b - a, Currency: cur}, Rate: s.rate,
				Commission: domain.Money{AmountMinor: com, Currency: cur}})
		}
		l.Commission = domain.Money{AmountMinor: total, Currency: cur}
		if cr.amount != 0 {
			l.Rate = float64(total) / float64(cr.amount)
		}
		booked = hi
		st.Earned.AmountMinor += total
		st.Lines = append(st.Lines, l)
	}
	st.Booked.AmountMinor = booked
	st.Total.AmountMinor = st.Earned.AmountMinor
	if !adjust {
		return st, true
	}
	if plan.CapMoney != nil && st.Earned.AmountMinor > plan.CapMoney.AmountMinor {
		over := st.Earned.AmountMinor - plan.CapMoney.AmountMinor
		st.Adjustments = append(st.Adjustments, CommissionAdjustment{Kind: "cap", Amount: domain.Money{AmountMinor: -over, Currency: cur},
			Note: "earned above the plan's cap of " + plan.Cap})
	}
	if plan.ClawbackDays > 0 {
		for _, d := range c.deals {
			o := c.outcome(d)
			churned, ok := d.Churned()
			if share(d, repID) == 0 || o.status != domain.DealWon || !ok || !p.Contains(churned) || !c.before(churned) ||
				churned.Sub(o.closedAt) > time.Duration(plan.ClawbackDays)*24*time.Hour {
				continue
			}
			// Take back what the deal earned in the statement of the period it closed in.
			earned, _ := c.statement(repID, PeriodAt(p.Kind, o.closedAt, p.Loc), false)
			for _, l := range earned.Lines {
				if l.DealID == d.ID {
					st.Adjustments = append(st.Adjustments, CommissionAdjustment{Kind: "clawback", DealID: d.ID,
						Amount: domain.Money{AmountMinor: -l.Commission.AmountMinor, Currency: cur},
						Note: fmt.Sprintf("churned %s, %d days after closing (clawback within %d)", churned.In(p.Loc).Format(time.DateOnly),
							int(churned.Sub(o.closedAt).Hours()/24), plan.ClawbackDays)})
				}
			}
		}
	}
	for _, a := range st.Adjustments {
		st.Total.AmountMinor += a.Amount.AmountMinor
	}
	return st, true
}

// commission is the report's statements: each row's rep with a plan, for the quota period.
func (c *calc) commission() CommissionReport {
	q := QuotaPeriod(c.in.Period)
	out := CommissionReport{PeriodKey: q.Key(), Statements: []CommissionStatement{}}
	for _, id := range c.rows {
		if st, ok := c.statement(id, q, true); ok {
			out.Statements = append(out.Statements, st)
		}
	}
	return out
}
