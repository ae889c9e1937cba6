package metrics

import (
	"reflect"
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

// TestCommissionStatement: ae1's Q4 2026 under a plan of 10 %, 15 % above quota (90,000 EUR)
// and 20 % above 1.5 × quota, with a split deal, a tier crossed mid-quarter and a clawback.
func TestCommissionStatement(t *testing.T) {
	won := func(id string, amt domain.Money, closed string) domain.Deal {
		return closedDeal(id, "ae1", domain.DealWon, amt, "2026-05-01T09:00:00Z", closed)
	}
	k2 := won("k2", eur(60000), "2026-11-05T10:00:00Z")
	k2.Splits = []domain.DealSplit{{RepID: "ae1", Share: 50}, {RepID: "ae2", Share: 50}}
	k5 := won("k5", eur(10000), "2026-08-20T10:00:00Z")
	k5.ChurnedAt = ptr(at("2026-10-30T10:00:00Z")) // 71 days after closing
	k6 := won("k6", eur(10000), "2026-06-01T10:00:00Z")
	k6.ChurnedAt = ptr(at("2026-11-15T10:00:00Z")) // 167 days: too late for a clawback
	deals := []domain.Deal{
		won("k1", eur(50000), "2026-10-10T10:00:00Z"),
		k2,
		won("k3", eur(40000), "2026-11-20T10:00:00Z"),
		won("k4", usd(20000), "2026-12-01T10:00:00Z"),
		k5, k6,
		closedDeal("k7", "ae1", domain.DealLost, eur(99000), "2026-10-01T09:00:00Z", "2026-11-02T10:00:00Z"),
		closedDeal("k8", "ae2", domain.DealWon, eur(99000), "2026-10-01T09:00:00Z", "2026-11-10T10:00:00Z"),
	}
	q4, err := ParsePeriodKey("2026-Q4", berlin)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		cap         *domain.Money
		adjustments []int64
		total       int64
	}{
		// Earned 5,000 + 3,000 + 5,500 + 2,850 = 16,350 EUR; k5's 1,000 EUR (10 % in Q3) clawed back.
		{"uncapped", nil, []int64{-100000}, 1535000},
		// Capped at 15,000 EUR: 1,350 EUR above it, then the clawback.
		{"capped", &domain.Money{AmountMinor: 1500000, Currency: "EUR"}, []int64{-135000, -100000}, 1400000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			org := loadOrg(t)
			org.CommissionPlans = []domain.CommissionPlan{{ID: "ae", Role: domain.RoleAE, BaseRate: 0.10, ClawbackDays: 90, CapMoney: tc.cap,
				Tiers: []domain.CommissionTier{{Above: 1.0, Rate: 0.15}, {Above: 1.5, Rate: 0.20}}}}
			st, ok := Statement(org, "ae1", q4, deals, at("2026-12-31T12:00:00Z"))
			if !ok {
				t.Fatal("no plan for ae1")
			}
			type portion struct {
				credit int64
				rate   float64
			}
			type line struct {
				id         string
				credit     int64
				portions   []portion
				commission int64
			}
			var got []line
			for _, l := range st.Lines {
				gl := line{id: l.DealID, credit: l.Credit.AmountMinor, commission: l.Commission.AmountMinor}
				for _, p := range l.Portions {
					gl.portions = append(gl.portions, portion{p.Credit.AmountMinor, p.Rate})
				}
				got = append(got, gl)
			}
			want := []line{
				{"k1", 5000000, []portion{{5000000, 0.10}}, 500000},                  // booked 0 → 50,000
				{"k2", 3000000, []portion{{3000000, 0.10}}, 300000},                  // half of 60,000 (split) → 80,000
				{"k3", 4000000, []portion{{1000000, 0.10}, {3000000, 0.15}}, 550000}, // crosses quota 90,000 → 120,000
				{"k4", 1800000, []portion{{1500000, 0.15}, {300000, 0.20}}, 285000},  // 20,000 USD = 18,000 EUR, crosses 135,000
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("lines = %+v\nwant  %+v", got, want)
			}
			if st.Booked.AmountMinor != 13800000 || st.Earned.AmountMinor != 1635000 || st.Quota != Some(eur(90000)) {
				t.Errorf("booked %v earned %v quota %+v, want 138,000, 16,350, 90,000 EUR", st.Booked, st.Earned, st.Quota)
			}
			var adj []int64
			for _, a := range st.Adjustments {
				adj = append(adj, a.Amount.AmountMinor)
			}
			if !reflect.DeepEqual(adj, tc.adjustments) || st.Total.AmountMinor != tc.total {
				t.Errorf("adjustments %v total %d, want %v and %d", adj, st.Total.AmountMinor, tc.adjustments, tc.total)
			}
			if n := len(st.Adjustments); st.Adjustments[n-1].Kind != "clawback" || st.Adjustments[n-1].DealID != "k5" {
				t.Errorf("last adjustment = %+v, want k5's clawback", st.Adjustments[n-1])
			}
		})
	}
}
