package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/deal/reminder/policy"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/workhours"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func wantMaybe(t *testing.T, name string, got Maybe[float64], want float64, ok bool) {
	t.Helper()
	if got.OK != ok || (ok && !near(got.V, want)) {
		t.Errorf("%s = %+v, want %v (available %v)", name, got, want, ok)
	}
}

func money(minor int64, cur string) domain.Money {
	return domain.Money{AmountMinor: minor, Currency: cur}
}

// TestTeamSummary checks the team's week against numbers worked out by hand from fixture_test.go.
func TestTeamSummary(t *testing.T) {
	r := Compute(fixtureInput(t))
	s := r.Team
	// Closed in the week: d1 won, d2 won, d3 lost, d4 won (d9 closed the week before, d10 after).
	if s.Won != 3 || s.Lost != 1 {
		t.Fatalf("won/lost = %d/%d, want 3/1", s.Won, s.Lost)
	}
	// Win rate = 3 ÷ (3 + 1).
	wantMaybe(t, "win rate", s.WinRate, 0.75, true)
	// Won amount = 10,000 EUR + 5,000 USD × 0.9 = 14,500 EUR; 2,000 GBP has no rate.
	if want := (Amount{Money: money(1450000, "EUR"), Unconverted: []domain.Money{money(200000, "GBP")}}); !reflect.DeepEqual(s.WonAmount, want) {
		t.Errorf("won amount = %+v, want %+v", s.WonAmount, want)
	}
	// Average deal size = 14,500 EUR ÷ 2 converted deals = 7,250 EUR; the GBP deal (no rate) is
	// left out of it and counted apart, never added in.
	if want := Some(money(725000, "EUR")); s.AvgDealSize != want || s.WonWithoutRate != 1 {
		t.Errorf("average deal size = %+v (%d left out), want %+v (1 left out)", s.AvgDealSize, s.WonWithoutRate, want)
	}
	// Cycle = mean(11, 5, 4 days) = 20/3 days.
	wantMaybe(t, "cycle days", s.CycleDays, 20.0/3, true)
	// Open at the end of the week (2026-11-22T23:00Z): d5 proposal 20,000 EUR, d6 discovery 1,000 EUR,
	// d7 demo 8,000 USD = 7,200 EUR, d10 discovery 4,000 EUR (won only on Monday) → 4 deals, 32,200 EUR.
	if s.OpenDeals != 4 || s.OpenPipeline.Money != money(3220000, "EUR") {
		t.Errorf("open = %d deals, %v; want 4, 32,200 EUR", s.OpenDeals, s.OpenPipeline)
	}
	// Weighted = 20,000×60% + 1,000×10% + 4,000×10% = 12,500 EUR, + 8,000 USD×40% = 3,200 USD = 2,880 EUR → 15,380 EUR.
	if s.Weighted.Money != money(1538000, "EUR") {
		t.Errorf("weighted = %v, want 15,380 EUR", s.Weighted.Money)
	}
	// Velocity = 4 open × 7,250 EUR × 0.75 ÷ (20/3 days) = 3,262.50 EUR a day.
	if want := Some(money(326250, "EUR")); s.Velocity != want {
		t.Errorf("velocity = %+v, want %+v", s.Velocity, want)
	}
	// Activities of members in the week: ae1 call+email, ae2 call, sdr1 email (outsider and last week's meeting excluded).
	if want := map[domain.ActivityType]int{domain.ActivityCall: 2, domain.ActivityEmail: 2}; !reflect.DeepEqual(s.Activities, want) {
		t.Errorf("activities = %v, want %v", s.Activities, want)
	}
	// Leads: l1 created and routed in the week; l2 created the week before, routed Monday 09:00Z.
	if s.NewLeads != 1 || s.RoutedLeads != 2 {
		t.Errorf("leads new/routed = %d/%d, want 1/2", s.NewLeads, s.RoutedLeads)
	}
	// Handoff attempts decided: h1 ae1 in SLA; h2 ae2 expired, ae1 accepted 15h late; h3 ae2 still
	// waiting past its due time → 1 of 4 in SLA. h4 was declined. Waits to accept: 1h and 19h → median 10h.
	h := s.Handoffs
	if h.Decided != 4 || h.InSLA != 1 || h.Declined != 1 {
		t.Errorf("handoffs = %+v, want 4 decided, 1 in SLA, 1 declined", h)
	}
	wantMaybe(t, "handoff share", h.Share, 0.25, true)
	if h.MedianToAccept != Some(10*time.Hour) {
		t.Errorf("median to accept = %+v, want 10h", h.MedianToAccept)
	}
}

// TestPriorPeriod: the week before held only d9, lost.
func TestPriorPeriod(t *testing.T) {
	r := Compute(fixtureInput(t))
	p := r.Prior
	if r.Previous.Key() != "2026-W46" || r.PeriodKey != "2026-W47" {
		t.Errorf("periods %s / %s, want 2026-W47 after 2026-W46", r.PeriodKey, r.Previous.Key())
	}
	// 0 won of 1 closed: the win rate is a real 0%, not n/a.
	wantMaybe(t, "prior win rate", p.WinRate, 0, true)
	// Nothing won: no average deal size, no cycle, no velocity.
	if p.AvgDealSize.OK || p.CycleDays.OK || p.Velocity.OK {
		t.Errorf("prior average/cycle/velocity = %+v/%+v/%+v, want n/a", p.AvgDealSize, p.CycleDays, p.Velocity)
	}
	// Open at the end of the prior week (2026-11-15T23:00Z): only d6 (d1, d2, d3 were open too: created
	// before, closed after) → d1 10,000 + d2 4,500 + d3 3,000 + d6 1,000 = 18,500 EUR in 4 deals.
	if p.OpenDeals != 4 || p.OpenPipeline.Money != money(1850000, "EUR") {
		t.Errorf("prior open = %d, %v; want 4, 18,500 EUR", p.OpenDeals, p.OpenPipeline.Money)
	}
	if p.Activities[domain.ActivityMeeting] != 1 || p.NewLeads != 1 || p.RoutedLeads != 0 {
		t.Errorf("prior activities %v, leads %d/%d; want 1 meeting, 1 new, 0 routed", p.Activities, p.NewLeads, p.RoutedLeads)
	}
}

// TestNoClosedDeals: a rep with nothing closed has a win rate that is n/a, never 0 or NaN, and it
// marshals as null.
func TestNoClosedDeals(t *testing.T) {
	r := Compute(fixtureInput(t))
	var sdr RepSummary
	for _, row := range r.Reps {
		if row.RepID == "sdr1" {
			sdr = row
		}
	}
	if sdr.RepID == "" {
		t.Fatal("no row for sdr1")
	}
	if sdr.Current.WinRate.OK || sdr.Current.AvgDealSize.OK || sdr.Current.Velocity.OK {
		t.Errorf("sdr1 win rate %+v, avg %+v: want n/a", sdr.Current.WinRate, sdr.Current.AvgDealSize)
	}
	b, err := json.Marshal(sdr.Current)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"winRate":null`) || strings.Contains(string(b), "NaN") {
		t.Errorf("JSON %s: want winRate null and no NaN", b)
	}
	empty := Compute(Input{Org: loadOrg(t), TeamID: "t1", Period: week, AsOf: asOf})
	if empty.Team.WinRate.OK || empty.Team.CycleDays.OK || empty.Quota.Team.Attainment.OK {
		t.Errorf("empty team: %+v", empty.Team)
	}
}

func TestRepSummaries(t *testing.T) {
	r := Compute(fixtureInput(t))
	rows := map[string]RepSummary{}
	for _, row := range r.Reps {
		rows[row.RepID] = row
	}
	if got := len(r.Reps); got != 3 {
		t.Fatalf("%d rows, want ae1, ae2, sdr1", got)
	}
	// ae1: d1 and d2 won → 100%; ae2: d3 lost, d4 won → 50%.
	wantMaybe(t, "ae1 win rate", rows["ae1"].Current.WinRate, 1, true)
	wantMaybe(t, "ae2 win rate", rows["ae2"].Current.WinRate, 0.5, true)
	// ae1 handoffs: h1 in SLA, h2 late → 1/2; ae2: h2 expired, h3 overdue → 0/2, nothing accepted.
	wantMaybe(t, "ae1 handoff share", rows["ae1"].Current.Handoffs.Share, 0.5, true)
	wantMaybe(t, "ae2 handoff share", rows["ae2"].Current.Handoffs.Share, 0, true)
	if rows["ae2"].Current.Handoffs.MedianToAccept.OK {
		t.Error("ae2 accepted nothing: median to accept must be n/a")
	}
	// Stale: d5 (ae1, no next step in proposal) and d6 (ae2, idle since 2 Nov, close date past).
	if rows["ae1"].Stale != 1 || rows["ae2"].Stale != 1 || rows["sdr1"].Stale != 0 {
		t.Errorf("stale per rep = %d/%d/%d, want 1/1/0", rows["ae1"].Stale, rows["ae2"].Stale, rows["sdr1"].Stale)
	}
	if rows["ae1"].Name != "Anna <AE> & Co" || rows["ae1"].Role != domain.RoleAE {
		t.Errorf("ae1 row = %q %q", rows["ae1"].Name, rows["ae1"].Role)
	}
}

func TestFunnel(t *testing.T) {
	r := Compute(fixtureInput(t))
	// Cohort created in the week: d4 (won directly), d5 (→ proposal), d7 (→ demo), d10 (discovery, then won).
	// Reached: discovery 4, demo 4 (d4, d5, d7, d10: a won deal reached every stage), proposal 3, won 2.
	want := []struct {
		stage     string
		reached   int
		next, cum float64
		nextOK    bool
	}{
		{"discovery", 4, 1, 1, true},
		{"demo", 4, 0.75, 1, true},
		{"proposal", 3, 2.0 / 3, 0.75, true},
		{"closed-won", 2, 0, 0.5, false},
	}
	if len(r.Funnel) != len(want) {
		t.Fatalf("funnel %+v", r.Funnel)
	}
	for i, w := range want {
		t.Run(w.stage, func(t *testing.T) {
			got := r.Funnel[i]
			if got.Stage != w.stage || got.Reached != w.reached {
				t.Errorf("step %d = %s reached %d, want %s %d", i, got.Stage, got.Reached, w.stage, w.reached)
			}
			wantMaybe(t, "next", got.Next, w.next, w.nextOK)
			wantMaybe(t, "cumulative", got.Cumulative, w.cum, true)
		})
	}
}

func TestPipelineByStage(t *testing.T) {
	r := Compute(fixtureInput(t))
	// At the end of the week: discovery d6 1,000 + d10 4,000; demo d7 7,200 EUR; proposal d5 20,000.
	want := []struct {
		stage          string
		deals          int
		amount, weight int64
	}{
		{"discovery", 2, 500000, 50000},
		{"demo", 1, 720000, 288000},
		{"proposal", 1, 2000000, 1200000},
	}
	if len(r.PipelineByStage) != len(want) {
		t.Fatalf("pipeline by stage %+v", r.PipelineByStage)
	}
	var sum int64
	for i, w := range want {
		got := r.PipelineByStage[i]
		if got.Stage != w.stage || got.Deals != w.deals || got.Amount.AmountMinor != w.amount || got.Weighted.AmountMinor != w.weight {
			t.Errorf("stage %d = %+v, want %+v", i, got, w)
		}
		sum += got.Amount.AmountMinor
	}
	if sum != r.Team.OpenPipeline.AmountMinor {
		t.Errorf("stages sum to %d, open pipeline is %d", sum, r.Team.OpenPipeline.AmountMinor)
	}
}

func TestQuota(t *testing.T) {
	r := Compute(fixtureInput(t))
	q := r.Quota
	// A weekly digest measures the quarter to date: Q4 2026 = 92 days; 39 left after 22 Nov (23 Nov–31 Dec).
	if q.Key != "2026-Q4" {
		t.Fatalf("quota period %s, want 2026-Q4", q.Key)
	}
	reps := map[string]Attainment{}
	for _, a := range q.Reps {
		reps[a.RepID] = a
	}
	tests := []struct {
		rep              string
		quota, booked    int64
		proRated         bool
		attain, coverage float64
		pacing           int64
	}{
		// ae1: 90,000 EUR; booked d1 10,000 + d2 4,500 (d10 closed after the week) = 14,500 → 16.1%;
		// remaining 75,500 ÷ 39 days = 1,935.90 a day; cover: d5 20,000 + d7 7,200 + d10 4,000 = 31,200 ÷ 75,500.
		{"ae1", 9000000, 1450000, false, 14500.0 / 90000, 3120000.0 / 7550000, 193590},
		// ae2: 10,000 USD a month = 30,000 USD a quarter = 27,000 EUR, started 2 Nov: 60 of 92 days →
		// 17,608.70 EUR. Booked d8 6,000 EUR (d4's GBP cannot be converted) → 34.1%; remaining 11,608.70 ÷ 39
		// = 297.66 a day; cover: d6 1,000 EUR (close date 10 Nov, still in Q4).
		{"ae2", 1760870, 600000, true, 600000.0 / 1760870, 100000.0 / 1160870, 29766},
	}
	for _, tc := range tests {
		t.Run(tc.rep, func(t *testing.T) {
			a := reps[tc.rep]
			if !a.HasQuota || a.Quota != money(tc.quota, "EUR") || a.Booked.AmountMinor != tc.booked || a.ProRated != tc.proRated {
				t.Errorf("%s quota %v (pro-rated %v) booked %v; want %d (%v), %d", tc.rep, a.Quota, a.ProRated, a.Booked, tc.quota, tc.proRated, tc.booked)
			}
			wantMaybe(t, "attainment", a.Attainment, tc.attain, true)
			wantMaybe(t, "coverage", a.Coverage, tc.coverage, true)
			if a.DaysLeft != 39 || a.Pacing != Some(money(tc.pacing, "EUR")) {
				t.Errorf("days left %d pacing %+v, want 39, %d", a.DaysLeft, a.Pacing, tc.pacing)
			}
		})
	}
	if sdr := reps["sdr1"]; sdr.HasQuota || sdr.Attainment.OK || sdr.Pacing.OK {
		t.Errorf("sdr1 has no quota: %+v", sdr)
	}
	// Team: 9,000,000 + 1,760,870 = 10,760,870; booked 2,050,000 → 19.05%.
	if q.Team.Quota != money(10760870, "EUR") || q.Team.Booked.AmountMinor != 2050000 {
		t.Errorf("team quota %v booked %v", q.Team.Quota, q.Team.Booked)
	}
	wantMaybe(t, "team attainment", q.Team.Attainment, 2050000.0/10760870, true)
	if q.Team.Booked.Unconverted[0] != money(200000, "GBP") {
		t.Errorf("team booked unconverted = %v, want 2,000 GBP", q.Team.Booked.Unconverted)
	}
}

func TestStaleAndTopDeals(t *testing.T) {
	r := Compute(fixtureInput(t))
	// d5: proposal without next step (idle only since Fri 20 Nov: 3 business days end Wed 25 Nov).
	// d6: idle since 2 Nov (3 business days ended 5 Nov) and close date 10 Nov past. Largest first.
	if len(r.Stale) != 2 || r.Stale[0].ID != "d5" || r.Stale[1].ID != "d6" {
		t.Fatalf("stale = %+v, want d5, d6", r.Stale)
	}
	var got []string
	for _, s := range r.Stale {
		for _, x := range s.Reasons {
			got = append(got, s.ID+":"+x.Policy)
		}
	}
	if want := []string{"d5:no-next-step", "d6:stale", "d6:close-date-past"}; !reflect.DeepEqual(got, want) {
		t.Errorf("stale reasons %v, want %v", got, want)
	}
	// Closing in the week of the digest (23–29 Nov): d5 (20,000 EUR) then d7 (7,200 EUR); d10 is won.
	if len(r.TopDeals) != 2 || r.TopDeals[0].ID != "d5" || r.TopDeals[1].ID != "d7" || r.TopDeals[1].Converted != Some(money(720000, "EUR")) {
		t.Errorf("top deals = %+v", r.TopDeals)
	}
}

// A team with a big backlog gets the StaleListLimit largest stale deals listed and the rest
// counted with their converted total; per-rep counts still include every stale deal.
func TestStaleListIsCappedWithCounts(t *testing.T) {
	in := fixtureInput(t)
	for i := range 30 {
		d := in.Deals[5] // d6: idle since 2 Nov, close date past
		if d.ID != "d6" {
			t.Fatalf("fixture changed: %s", d.ID)
		}
		d.ID, d.Amount = fmt.Sprintf("idle%02d", i), eur(int64(500+i))
		if i%10 == 9 {
			d.Amount = gbp(100) // no GBP rate: counted, not summed
		}
		in.Deals = append(in.Deals, d)
	}
	r := Compute(in)
	// 32 stale deals: d5 (20,000), then idle28 (528), idle27 … down to d6 (1,000) sorted by converted amount.
	if len(r.Stale) != StaleListLimit || r.Stale[0].ID != "d5" || r.Stale[1].ID != "d6" {
		t.Fatalf("stale list = %d deals starting %v, want %d starting d5, d6", len(r.Stale), r.Stale[:2], StaleListLimit)
	}
	listed := map[string]bool{}
	for _, s := range r.Stale {
		listed[s.ID] = true
	}
	var wantTotal int64
	for i := range 30 {
		if id := fmt.Sprintf("idle%02d", i); !listed[id] && i%10 != 9 {
			wantTotal += int64(500+i) * 100
		}
	}
	if want := (StaleMore{Count: 32 - StaleListLimit, Total: money(wantTotal, "EUR")}); r.StaleMore != want {
		t.Errorf("stale more = %+v, want %+v", r.StaleMore, want)
	}
	rows := map[string]RepSummary{}
	for _, row := range r.Reps {
		rows[row.RepID] = row
	}
	if rows["ae1"].Stale != 1 || rows["ae2"].Stale != 31 {
		t.Errorf("stale per rep ae1/ae2 = %d/%d, want 1/31", rows["ae1"].Stale, rows["ae2"].Stale)
	}
}

func TestOnboardingStatus(t *testing.T) {
	r := Compute(fixtureInput(t))
	// o1 active, started in the week, "setup" overdue since 21 Nov; o2 completed in the week; o3 on time.
	want := OnboardingStatus{Active: 2, StartedInPeriod: 1, CompletedInPeriod: 1, OverdueMilestones: 1, OnboardingsLate: 1}
	if r.Onboarding != want {
		t.Errorf("onboarding = %+v, want %+v", r.Onboarding, want)
	}
}

func TestCurrencyReportedPerCurrencyWithoutRate(t *testing.T) {
	in := fixtureInput(t)
	in.Currency = "GBP" // no rate for GBP: only GBP amounts add up, the rest is listed per currency
	r := Compute(in)
	w := r.Team.WonAmount
	if w.Money != money(200000, "GBP") || len(w.Unconverted) != 2 || w.Unconverted[0] != money(1000000, "EUR") || w.Unconverted[1] != money(500000, "USD") {
		t.Errorf("won amount in GBP = %+v", w)
	}
}

// Needs attention is the reminders' list: a cause whose reminder the owner snoozed past AsOf is
// left out (d6 stays for its other cause), and one snoozed after AsOf (a past --at) still counts.
func TestStaleLeavesOutSnoozedCauses(t *testing.T) {
	in := fixtureInput(t)
	until := in.AsOf.Add(72 * time.Hour)
	in.Reminders = []domain.Reminder{
		{ID: "r1", DealID: "d6", RepID: "ae2", Policy: "stale", Status: domain.ReminderSnoozed, SnoozedUntil: &until, UpdatedAt: in.AsOf.Add(-time.Hour)},
		{ID: "r2", DealID: "d5", RepID: "ae1", Policy: "no-next-step", Status: domain.ReminderSnoozed, SnoozedUntil: &until, UpdatedAt: in.AsOf.Add(time.Hour)},
	}
	r := Compute(in)
	var got []string
	for _, s := range r.Stale {
		for _, x := range s.Reasons {
			got = append(got, s.ID+":"+x.Policy)
		}
	}
	if want := []string{"d5:no-next-step", "d6:close-date-past"}; !reflect.DeepEqual(got, want) {
		t.Errorf("needs attention with d6/stale snoozed: %v, want %v", got, want)
	}
	// Snoozing every cause of d6 takes it off the list and off its owner's count.
	in.Reminders = append(in.Reminders, domain.Reminder{ID: "r3", DealID: "d6", RepID: "ae2", Policy: "close-date-past",
		Status: domain.ReminderSnoozed, SnoozedUntil: &until, UpdatedAt: in.AsOf.Add(-time.Hour)})
	r = Compute(in)
	if len(r.Stale) != 1 || r.Stale[0].ID != "d5" {
		t.Errorf("needs attention with d6 fully snoozed = %+v, want only d5", r.Stale)
	}
}

// The digest asks the reminder policies themselves: for every open deal of the fixture, the
// causes listed are exactly the policies policy.Evaluate fires at AsOf in the owner's calendar.
func TestStaleIsThePolicyVerdict(t *testing.T) {
	in := fixtureInput(t)
	r := Compute(in)
	listed := map[string]bool{}
	for _, s := range r.Stale {
		for _, x := range s.Reasons {
			listed[s.ID+":"+x.Policy] = true
		}
	}
	for _, d := range in.Deals {
		if !d.IsOpen() || !d.CreatedAt.Before(in.AsOf) {
			continue
		}
		rep, ok := in.Org.Rep(d.OwnerID)
		if !ok {
			continue
		}
		cal, err := workhours.ForRep(in.Org, *rep)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range in.Org.ReminderPolicies {
			_, fires := policy.Evaluate(p, policy.Subject{Deal: &d}, cal, in.AsOf)
			if fires != listed[d.ID+":"+p.ID] {
				t.Errorf("%s/%s: policy fires %v, digest lists it %v", d.ID, p.ID, fires, listed[d.ID+":"+p.ID])
			}
		}
	}
}
