package metrics

import (
	"reflect"
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

// TestTerritories splits the fixture week's team into two territories: North (ae1 and sdr1) and
// South (ae2); West has no rep of the team and is left out.
func TestTerritories(t *testing.T) {
	in := fixtureInput(t)
	in.Org.Territories = []domain.Territory{{ID: "north", Name: "North"}, {ID: "west", Name: "West"}, {ID: "south", Name: "South"}}
	for id, terr := range map[string]string{"ae1": "north", "sdr1": "north", "ae2": "south"} {
		rep, _ := in.Org.Rep(id)
		rep.Territory = terr
	}
	account := map[string]string{"d5": "acc-a", "d7": "acc-a", "d10": "acc-b", "d6": "acc-c"}
	for i := range in.Deals {
		in.Deals[i].AccountID = account[in.Deals[i].ID]
	}
	got := Compute(in).Territories
	if len(got) != 2 || got[0].ID != "north" || got[1].ID != "south" {
		t.Fatalf("territories = %+v, want north and south", got)
	}
	n, s := got[0], got[1]

	// North = ae1's deals: won d1 10,000 EUR (11 days) and d2 5,000 USD = 4,500 EUR (5 days),
	// nothing lost → 100%, 14,500 EUR, average 7,250 EUR, cycle 8 days. Open at the end of the
	// week: d5 20,000 EUR (60%), d7 8,000 USD = 7,200 EUR (40% = 2,880 EUR), d10 4,000 EUR (10%)
	// → 3 deals, 31,200 EUR, weighted 15,280 EUR. Quota 90,000 EUR, booked 14,500 in Q4 up to
	// the snapshot; all three open deals close in Q4 → coverage 31,200 ÷ 75,500.
	if n.Won != 2 || n.Lost != 0 || n.WonAmount.Money != money(1450000, "EUR") || n.OpenDeals != 3 ||
		n.OpenPipeline.Money != money(3120000, "EUR") || n.Weighted.Money != money(1528000, "EUR") {
		t.Errorf("north = %+v", n)
	}
	wantMaybe(t, "north win rate", n.WinRate, 1, true)
	wantMaybe(t, "north cycle", n.CycleDays, 8, true)
	if n.AvgDealSize != Some(money(725000, "EUR")) {
		t.Errorf("north average = %+v, want 7,250 EUR", n.AvgDealSize)
	}
	if n.Quota.Quota != money(9000000, "EUR") || n.Quota.Booked.Money != money(1450000, "EUR") {
		t.Errorf("north quota = %+v", n.Quota)
	}
	wantMaybe(t, "north coverage", n.Coverage, 3120000.0/7550000, true)
	// Load: ae1 carries d5, d7 (both acc-a) and d10 (acc-b); sdr1 nothing → 1.5 deals and 1
	// account per rep.
	if want := []RepLoad{{"ae1", 3, 2}, {"sdr1", 0, 0}}; !reflect.DeepEqual(n.Load, want) || n.OpenDealsPerRep != 1.5 || n.AccountsPerRep != 1 {
		t.Errorf("north load = %+v (%v deals, %v accounts per rep), want %+v (1.5, 1)", n.Load, n.OpenDealsPerRep, n.AccountsPerRep, want)
	}

	// South = ae2: won d4 (2,000 GBP, no rate; 4 days), lost d3 → 50%, won amount 0 EUR + GBP
	// apart, average n/a (no rate). Open: d6 1,000 EUR (10% → 100 EUR). Quota 10,000 USD a month
	// = 27,000 EUR a quarter, pro-rated from 2026-11-02 (60 of 92 days) = 17,608.70 EUR; booked
	// d8 6,000 EUR → coverage 1,000 ÷ 11,608.70.
	if s.Won != 1 || s.Lost != 1 || s.WonAmount.AmountMinor != 0 || len(s.WonAmount.Unconverted) != 1 || s.OpenDeals != 1 ||
		s.OpenPipeline.Money != money(100000, "EUR") || s.Weighted.Money != money(10000, "EUR") {
		t.Errorf("south = %+v", s)
	}
	wantMaybe(t, "south win rate", s.WinRate, 0.5, true)
	wantMaybe(t, "south cycle", s.CycleDays, 4, true)
	if s.AvgDealSize.OK || s.AvgDealSize.Why != WhyNoRate {
		t.Errorf("south average = %+v, want n/a (no rate)", s.AvgDealSize)
	}
	if !s.Quota.ProRated || s.Quota.Quota != money(1760870, "EUR") || s.Quota.Booked.Money != money(600000, "EUR") {
		t.Errorf("south quota = %+v", s.Quota)
	}
	wantMaybe(t, "south coverage", s.Coverage, 100000.0/1160870, true)
	if want := []RepLoad{{"ae2", 1, 1}}; !reflect.DeepEqual(s.Load, want) {
		t.Errorf("south load = %+v, want %+v", s.Load, want)
	}
}
