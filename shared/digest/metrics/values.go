// Package metrics computes what a manager digest reports, per rep and per team, for a week, month
// or quarter in the manager's time zone, with the previous period for deltas. Definitions follow
// docs/METRICS.md (the ones managers know from HubSpot, Salesforce and Close); every function
// is pure: the caller loads the deals, activities, handoffs, leads and onboardings, this package
// only counts. A number that cannot be computed (a win rate with nothing closed) is a Maybe that
// is not OK, never 0 or NaN.
package metrics

import (
	"encoding/json"
	"math"
	"math/big"
	"sort"

	"github.com/dealflow/dealflow/shared/domain"
)

// Maybe is a value that may be "not available" (n/a): OK is false when the definition has no
// answer, e.g. a win rate when nothing closed. It marshals as the value or null.
type Maybe[T any] struct {
	V  T
	OK bool
}

// Some wraps an available value.
func Some[T any](v T) Maybe[T] { return Maybe[T]{V: v, OK: true} }

// NA is the "not available" value.
func NA[T any]() Maybe[T] { return Maybe[T]{} }

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
	m.OK = true
	return json.Unmarshal(b, &m.V)
}

// ratio is num/den, n/a when den is 0.
func ratio(num, den float64) Maybe[float64] {
	if den == 0 || math.IsNaN(num) || math.IsNaN(den) {
		return NA[float64]()
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
// rounding) instead of once per deal.
type bag map[string]int64

func (b bag) add(m domain.Money) {
	if m.Currency != "" {
		b[m.Currency] += m.AmountMinor
	}
}

// converter turns per-currency sums into an Amount in the report currency.
type converter struct {
	org *domain.Org
	to  string
}

func (c converter) convert(m domain.Money) (domain.Money, bool) {
	if m.Currency == c.to {
		return m, true
	}
	return c.org.ConvertMoney(m, c.to)
}

// amount resolves a bag; scale divides every sum (rounding half away from zero), e.g. by 100 for
// sums of amount × probability percent.
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

// average divides each currency's sum by that currency's count.
func (c converter) average(sum bag, count map[string]int) Maybe[Amount] {
	total, n := 0, 0
	for _, k := range count {
		total += k
	}
	if total == 0 {
		return NA[Amount]()
	}
	out := Amount{Money: domain.Money{Currency: c.to}}
	var convSum int64
	curs := make([]string, 0, len(sum))
	for cur := range sum {
		curs = append(curs, cur)
	}
	sort.Strings(curs)
	for _, cur := range curs {
		m := domain.Money{AmountMinor: sum[cur], Currency: cur}
		if conv, ok := c.convert(m); ok {
			convSum += conv.AmountMinor
			n += count[cur]
		} else {
			out.Unconverted = append(out.Unconverted, domain.Money{AmountMinor: divRound(sum[cur], int64(count[cur])), Currency: cur})
		}
	}
	if n > 0 {
		out.AmountMinor = divRound(convSum, int64(n))
	}
	return Some(out)
}
