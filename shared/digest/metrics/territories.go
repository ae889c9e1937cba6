package metrics

import (
	"github.com/dealflow/dealflow/shared/domain"
)

// TerritoryReport is one territory's period: the deals of the reps who cover it (org file
// reps[].territory), for managers whose team spans several territories.
type TerritoryReport struct {
	ID   string   `json:"id"`
	Name string   `json:"name"`
	Reps []string `json:"reps"`
	// OpenDeals, OpenPipeline and Weighted: the period-end snapshot.
	OpenDeals    int    `json:"openDeals"`
	OpenPipeline Amount `json:"openPipeline"`
	Weighted     Amount `json:"weighted"`
	Won          int    `json:"won"`
	Lost         int    `json:"lost"`
	WonAmount    Amount `json:"wonAmount"`
	// WinRate, AvgDealSize and CycleDays as for a team (docs/METRICS.md "The metrics").
	WinRate     Maybe[float64]      `json:"winRate"`
	AvgDealSize Maybe[domain.Money] `json:"avgDealSize"`
	CycleDays   Maybe[float64]      `json:"cycleDays"`
	// Quota is the territory reps' attainment in the quota period; Coverage = their open
	// pipeline closing in the quota period ÷ their remaining quota.
	Quota    Attainment     `json:"quota"`
	Coverage Maybe[float64] `json:"coverage"`
	// Load: per rep their open deals and the accounts of those deals; the averages per rep.
	Load            []RepLoad `json:"load"`
	OpenDealsPerRep float64   `json:"openDealsPerRep"`
	AccountsPerRep  float64   `json:"accountsPerRep"`
}

// RepLoad is what one rep carries at the end of the period.
type RepLoad struct {
	RepID     string `json:"repId"`
	OpenDeals int    `json:"openDeals"`
	// Accounts counts the distinct accounts of their open deals.
	Accounts int `json:"accounts"`
}

// territories reports each territory covered by one of the report's rows, in org file order.
func (c *calc) territories() []TerritoryReport {
	out := []TerritoryReport{}
	for i := range c.in.Org.Territories {
		t := &c.in.Org.Territories[i]
		var reps []string
		for _, id := range c.rows {
			if rep, ok := c.in.Org.Rep(id); ok && rep.Territory == t.ID {
				reps = append(reps, id)
			}
		}
		if len(reps) == 0 {
			continue
		}
		out = append(out, c.territory(t, reps))
	}
	return out
}

func (c *calc) territory(t *domain.Territory, reps []string) TerritoryReport {
	r := TerritoryReport{ID: t.ID, Name: t.Name, Reps: reps, Load: []RepLoad{}}
	who := map[string]bool{}
	var deals []*domain.Deal
	for _, id := range reps {
		who[id] = true
		deals = append(deals, c.byOwner[id]...)
	}
	s := c.summary(deals, who, c.in.Period)
	r.OpenDeals, r.OpenPipeline, r.Weighted = s.OpenDeals, s.OpenPipeline, s.Weighted
	r.Won, r.Lost, r.WonAmount = s.Won, s.Lost, s.WonAmount
	r.WinRate, r.AvgDealSize, r.CycleDays = s.WinRate, s.AvgDealSize, s.CycleDays
	r.Quota = c.attainmentFor(reps)
	r.Coverage = r.Quota.Coverage
	at := c.snapshotAt(c.in.Period)
	openDeals, accounts := 0, 0
	for _, id := range reps {
		l := RepLoad{RepID: id}
		acc := map[string]bool{}
		for _, d := range c.byOwner[id] {
			if st, ok := c.stateAt(d, at); ok && st.open {
				l.OpenDeals++
				if d.AccountID != "" {
					acc[d.AccountID] = true
				}
			}
		}
		l.Accounts = len(acc)
		openDeals += l.OpenDeals
		accounts += l.Accounts
		r.Load = append(r.Load, l)
	}
	r.OpenDealsPerRep = float64(openDeals) / float64(len(reps))
	r.AccountsPerRep = float64(accounts) / float64(len(reps))
	return r
}

// attainmentFor is the quota attainment of a group of reps, as for the team (quota()): their
// quotas summed, their won deals booked, their open deals closing in the quota period covering.
func (c *calc) attainmentFor(reps []string) Attainment {
	q := QuotaPeriod(c.in.Period)
	at := c.snapshotAt(c.in.Period)
	upTo := at
	if upTo.After(q.End) {
		upTo = q.End
	}
	from := upTo
	if from.Before(q.Start) {
		from = q.Start
	}
	a := Attainment{Quota: domain.Money{Currency: c.conv.to}, DaysLeft: calendarDays(from, q.End, q.Loc)}
	booked, cover := bag{}, bag{}
	for _, id := range reps {
		if rep, ok := c.in.Org.Rep(id); ok {
			if target, ok := repQuota(rep, q.Kind); ok {
				if conv, ok := c.conv.convert(target); ok {
					if num, den := proRate(rep.StartDate, q); num != den {
						conv = scaleMoney(conv, num, den)
						a.ProRated = true
					}
					a.HasQuota = true
					a.Quota.AmountMinor += conv.AmountMinor
				}
			}
		}
		for _, d := range c.byOwner[id] {
			if st := c.outcome(d); st.status == domain.DealWon && !st.closedAt.Before(q.Start) && st.closedAt.Before(upTo) {
				booked.add(d.Amount)
			}
			if st, ok := c.stateAt(d, at); ok && st.open {
				if day, ok := closeDay(d); ok && dayIn(day, q) {
					cover.add(d.Amount)
				}
			}
		}
	}
	c.finishAttainment(&a, booked, cover)
	return a
}
