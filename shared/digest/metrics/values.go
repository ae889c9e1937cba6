// Package metrics computes what a manager digest reports, per rep and per team, for a week, month
// or quarter in the manager's time zone, with the previous period for deltas. Every metric is
// defined in docs/METRICS.md (the definitions managers know from HubSpot, Salesforce and Close).
// Every function is pure: the caller loads the deals, activities, handoffs, leads and onboardings
// (Input says which), this package only counts, as of Input.AsOf. A number that cannot be computed
// (a win rate with nothing closed) is a Maybe that is not OK, with the reason in Why, never 0 or
// NaN.
package metrics

import (
	"encoding/json"
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
)

// Maybe is a value that may be "not available" (n/a): OK is false when the definition has no
// answer, e.g. a win rate when nothing closed. It marshals as the value or null.
type Maybe[T any] struct {
	V  T
	OK bool
	// Why says why the value is not available (one of the Why* reasons), for the "–" a digest
	// shows in its place.
	Why string
}

// Reasons a value is not available; the digest shows them next to the "–"
// (message keys digest.na.<reason>).
const (
	WhyNothingClosed   = "nothing_closed"   // win rate: nothing won or lost in the period
	WhyNothingWon      = "nothing_won"      // average deal size, cycle, velocity: no won deal
	WhyNoRate          = "no_rate"          // average deal size, velocity: no won deal in a currency with a rate
	WhyNoCycle         = "no_cycle"         // velocity: cycle length is 0
	WhyNoQuota         = "no_quota"         // attainment, pacing, coverage: no quota for the period
	WhyPeriodOver      = "period_over"      // pacing: no days left in the quota period
	WhyQuotaMet        = "quota_met"        // coverage: nothing left to cover
	WhyNothingDecided  = "nothing_decided"  // handoff SLA: no handoff accepted, missed or expired
	WhyNothingAccepted = "nothing_accepted" // median time to accept: nothing accepted
	WhyNoDeals         = "no_deals"         // stage conversion: no deal reached the stage
	WhyLastStage       = "last_stage"       // stage conversion: the last stage has no next one
)

// Some wraps an available value.
func Some[T any](v T) Maybe[T] { return Maybe[T]{V: v, OK: true} }

// NA is the "not available" value, with the reason.
func NA[T any](why string) Maybe[T] { return Maybe[T]{Why: why} }

func (m Maybe[T]) MarshalJSON() ([]byte, error) {
	if !m.OK {
		return []byte("null"), nil
	}
	return json.Marshal(m.V)
}

func (m *Maybe[T]) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*m = Maybe[T]{}
		return nil
	}
	m.Why = ""
	m.OK = true
	return json.Unmarshal(b, &m.V)
}

// ratio is num/den, n/a (for the reason why) when den is 0.
func ratio(num, den float64, why string) Maybe[float64] {
	if den == 0 || math.IsNaN(num) || math.IsNaN(den) {
		return NA[float64](why)
	}
	return Some(num / den)
}

// Amount is a sum of money in the report currency. Amounts in currencies the org file has no rate
// for cannot be added in; they are reported per currency in Unconverted.
type Amount struct {
	domain.Money
	Unconverted []domain.Money `json:"unconverted,omitempty"`
}

// Major is the converted part in major units, for ratios and charts.
func (a Amount) Major() float64 {
	return float64(a.AmountMinor) / math.Pow10(domain.MinorUnits(a.Currency))
}

// bag sums money per currency, so that each currency is converted once (exactly, with one
// rounding) instead of once per deal. Amounts are normalised by calc (no empty currency).
type bag map[string]int64

func (b bag) add(m domain.Money) { b[m.Currency] += m.AmountMinor }

// converter turns per-currency sums into an Amount in the report currency with the org's rates,
// and remembers which rates it used (Report.Rates).
type converter struct {
	org  *domain.Org
	to   string
	used map[string]bool
}

func (c converter) convert(m domain.Money) (domain.Money, bool) {
	if m.Currency == c.to {
		return m, true
	}
	out, ok := c.org.ConvertMoney(m, c.to)
	if ok && c.used != nil {
		c.used[m.Currency] = true
	}
	return out, ok
}

// convertible reports whether amounts in cur can be converted into the report currency.
func (c converter) convertible(cur string) bool {
	_, ok := c.org.ConvertMoney(domain.Money{Currency: cur}, c.to)
	return ok
}

// rates lists the rates used, one per source currency, as exact decimals: units of the report
// currency per unit of From (the org file's rates, which hold for every date).
func (c converter) rates() []RateUsed {
	curs := make([]string, 0, len(c.used))
	for cur := range c.used {
		curs = append(curs, cur)
	}
	sort.Strings(curs)
	var out []RateUsed
	for _, cur := range curs {
		rate := func(x string) *big.Rat {
			if x == c.org.Settings.Currency {
				return big.NewRat(1, 1)
			}
			return c.org.Settings.CurrencyRates[x].Rat()
		}
		from, into := rate(cur), rate(c.to)
		if from == nil || into == nil {
			continue
		}
		r := new(big.Rat).Quo(from, into)
		out = append(out, RateUsed{From: cur, To: c.to, Rate: strings.TrimRight(strings.TrimRight(r.FloatString(8), "0"), ".")})
	}
	return out
}

// RateUsed is one exchange rate a report applied: 1 From = Rate To.
type RateUsed struct {
	From string `json:"from"`
	To   string `json:"to"`
	Rate string `json:"rate"`
}

// amount resolves a bag; scale divides every sum (rounding half away from zero), e.g. by 100 for
// sums of amount × probability percent. Currencies without a rate are listed apart, never added.
func (c converter) amount(b bag, scale int64) Amount {
	out := Amount{Money: domain.Money{Currency: c.to}}
	curs := make([]string, 0, len(b))
	for cur := range b {
		curs = append(curs, cur)
	}
	sort.Strings(curs)
	for _, cur := range curs {
		m := domain.Money{AmountMinor: divRound(b[cur], scale), Currency: cur}
		if conv, ok := c.convert(m); ok {
			out.AmountMinor += conv.AmountMinor
		} else {
			out.Unconverted = append(out.Unconverted, m)
		}
	}
	return out
}

// divRound divides rounding half away from zero.
func divRound(n, d int64) int64 {
	if d == 1 {
		return n
	}
	q, r := n/d, n%d
	if 2*abs64(r) >= abs64(d) {
		if (n < 0) != (d < 0) {
			q--
		} else {
			q++
		}
	}
	return q
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// scaleMoney multiplies m by num/den exactly and rounds half away from zero (pro-rated quotas).
func scaleMoney(m domain.Money, num, den int64) domain.Money {
	v := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(m.AmountMinor), big.NewInt(num)), big.NewInt(den))
	q, r := new(big.Int).QuoRem(v.Num(), v.Denom(), new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(v.Denom()) >= 0 {
		q.Add(q, big.NewInt(int64(v.Sign())))
	}
	return domain.Money{AmountMinor: q.Int64(), Currency: m.Currency}
}

// average is the converted sum over the deals in currencies with a rate divided by their count:
// n/a when no deal has a convertible amount (never 0). excluded counts the deals left out.
func (c converter) average(sum bag, count map[string]int) (avg Maybe[domain.Money], excluded int) {
	total := 0
	for _, k := range count {
		total += k
	}
	if total == 0 {
		return NA[domain.Money](WhyNothingWon), 0
	}
	curs := make([]string, 0, len(count))
	for cur := range count {
		curs = append(curs, cur)
	}
	sort.Strings(curs)
	var convSum int64
	n := 0
	for _, cur := range curs {
		if conv, ok := c.convert(domain.Money{AmountMinor: sum[cur], Currency: cur}); ok {
			convSum += conv.AmountMinor
			n += count[cur]
		} else {
			excluded += count[cur]
		}
	}
	if n == 0 {
		return NA[domain.Money](WhyNoRate), excluded
	}
	return Some(domain.Money{AmountMinor: divRound(convSum, int64(n)), Currency: c.to}), excluded
}
