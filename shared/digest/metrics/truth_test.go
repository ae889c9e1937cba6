package metrics

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

var losAngeles, _ = time.LoadLocation("America/Los_Angeles")

// westDeal is an open deal of team t2 (Los Angeles, reports in USD).
func westDeal(id, owner string, amt domain.Money, created, closeDate string) domain.Deal {
	d := domain.Deal{ID: id, Name: "Deal " + id, TeamID: "t2", OwnerID: owner, Pipeline: "main", Status: domain.DealOpen,
		Amount: amt, CreatedAt: at(created), NextStep: "call", LastActivityAt: ptr(at(created))}
	_ = d.EnterStage("discovery", at(created))
	if closeDate != "" {
		cd := at(closeDate + "T00:00:00Z") // close dates are stored as midnight UTC
		d.CloseDate = &cd
	}
	return d
}

func westInput(t *testing.T, period Period, asOf time.Time, deals ...domain.Deal) Input {
	return Input{Org: loadOrg(t), TeamID: "t2", Members: []string{"ae3", "ae4"}, Period: period, AsOf: asOf, Deals: deals}
}

// A close date is a day where the owner works: in Los Angeles "2026-11-03" has not passed at
// 20:00 on Nov 3 (04:00Z on Nov 4), only once Nov 3 has ended there.
func TestCloseDatePastInOwnersZone(t *testing.T) {
	d := westDeal("w1", "ae3", usd(1000), "2026-10-20T17:00:00Z", "2026-11-03")
	week := PeriodAt(Week, at("2026-11-03T20:00:00Z"), losAngeles)
	for _, tc := range []struct {
		asOf string
		past bool
	}{
		{"2026-11-04T04:00:00Z", false}, // Nov 3, 20:00 in LA
		{"2026-11-04T07:59:00Z", false}, // Nov 3, 23:59 in LA
		{"2026-11-04T08:00:00Z", true},  // Nov 4, 00:00 in LA
	} {
		r := Compute(westInput(t, week, at(tc.asOf), d))
		past := false
		for _, s := range r.Stale {
			for _, x := range s.Reasons {
				past = past || x.Trigger == domain.TriggerCloseDatePast
			}
		}
		if past != tc.past {
			t.Errorf("at %s: close date past = %v, want %v", tc.asOf, past, tc.past)
		}
	}
}

// "Closing this week" in Los Angeles on Monday Nov 9 lists Monday's deal and not next Monday's.
func TestClosingThisWeekWestOfUTC(t *testing.T) {
	asOf := at("2026-11-09T16:00:00Z") // Mon Nov 9, 08:00 in LA
	r := Compute(westInput(t, LastComplete(Week, asOf, losAngeles), asOf,
		westDeal("mon", "ae3", usd(1000), "2026-10-20T17:00:00Z", "2026-11-09"),
		westDeal("sun", "ae3", usd(2000), "2026-10-20T17:00:00Z", "2026-11-15"),
		westDeal("next-mon", "ae3", usd(3000), "2026-10-20T17:00:00Z", "2026-11-16"),
		westDeal("last-sun", "ae3", usd(4000), "2026-10-20T17:00:00Z", "2026-11-08")))
	var got []string
	for _, d := range r.TopDeals {
		got = append(got, d.ID)
	}
	if strings.Join(got, ",") != "sun,mon" {
		t.Errorf("closing this week = %v, want [sun mon]", got)
	}
}

// Quarter coverage takes the deals whose close date is a day of the quarter: not January 1.
func TestCoverageByCalendarDay(t *testing.T) {
	asOf := at("2026-11-09T16:00:00Z")
	r := Compute(westInput(t, PeriodAt(Quarter, asOf, losAngeles), asOf,
		westDeal("dec31", "ae3", usd(10000), "2026-10-20T17:00:00Z", "2026-12-31"),
		westDeal("jan1", "ae3", usd(50000), "2026-10-20T17:00:00Z", "2027-01-01")))
	a := r.Quota.Reps[0]
	// 100,000 USD quota, nothing booked: coverage = 10,000 ÷ 100,000.
	wantMaybe(t, "coverage", a.Coverage, 0.1, true)
	if r.Currency != "USD" || a.Quota != money(10000000, "USD") {
		t.Errorf("team t2 reports in %s with quota %v, want USD and 100,000 USD", r.Currency, a.Quota)
	}
}

// Days left and pacing of a running quarter count from AsOf: on Nov 2 (Los Angeles) Q4 has 60
// days left (Nov 2–Dec 31), not 0.
func TestRunningPeriodCountsFromNow(t *testing.T) {
	asOf := at("2026-11-02T18:00:00Z")
	r := Compute(westInput(t, PeriodAt(Quarter, asOf, losAngeles), asOf))
	a := r.Quota.Reps[0]
	if a.DaysLeft != 60 {
		t.Errorf("days left = %d, want 60", a.DaysLeft)
	}
	// 100,000 USD ÷ 60 days = 1,666.67 USD a day.
	if a.Pacing != Some(money(166667, "USD")) {
		t.Errorf("pacing = %+v, want 1,666.67 USD/day", a.Pacing)
	}
	// A quarter that is over has no days left and no pacing.
	past := Compute(westInput(t, PeriodAt(Quarter, at("2026-08-01T00:00:00Z"), losAngeles), asOf))
	if p := past.Quota.Reps[0]; p.DaysLeft != 0 || p.Pacing.OK || p.Pacing.Why != WhyPeriodOver {
		t.Errorf("past quarter: days left %d, pacing %+v", p.DaysLeft, p.Pacing)
	}
}

// Period-end snapshots are as of that instant: a deal won in week 1 and reopened in week 2 was
// closed at the end of week 1 and open at the end of week 2; a deal closing exactly at the end
// of a week is still in that week's open pipeline.
func TestSnapshotsFollowStageHistory(t *testing.T) {
	wk := PeriodAt(Week, at("2026-11-18T12:00:00Z"), berlin) // 16–22 Nov
	prev := wk.Previous()
	reopened := domain.Deal{ID: "re", TeamID: "t1", OwnerID: "ae1", Pipeline: "main", Status: domain.DealOpen, Amount: eur(7000),
		CreatedAt: at("2026-11-02T09:00:00Z"), StageHistory: history("discovery@2026-11-02T09:00:00Z",
			"closed-won@2026-11-10T09:00:00Z", "proposal@2026-11-17T09:00:00Z")}
	reopened.Stage = "proposal"
	edge := closedDeal("edge", "ae2", domain.DealWon, eur(3000), "2026-11-03T09:00:00Z", prev.End.Format(time.RFC3339))
	edge.StageHistory = history("demo@2026-11-03T09:00:00Z", "closed-won@"+prev.End.Format(time.RFC3339))
	r := Compute(Input{Org: loadOrg(t), TeamID: "t1", Members: []string{"ae1", "ae2"}, Period: wk, AsOf: asOf,
		Deals: []domain.Deal{reopened, edge}})
	// End of the prior week: "re" was won (closed), "edge" still open (it closed at the instant the week ended).
	if r.Prior.OpenDeals != 1 || r.Prior.OpenPipeline.AmountMinor != 300000 {
		t.Errorf("prior snapshot = %d deals, %v; want only edge (3,000 EUR)", r.Prior.OpenDeals, r.Prior.OpenPipeline.Money)
	}
	// End of the week: "re" open again in proposal; "edge" won on Monday 00:00 of this week.
	if r.Team.OpenDeals != 1 || r.Team.OpenPipeline.AmountMinor != 700000 || r.PipelineByStage[2].Deals != 1 {
		t.Errorf("snapshot = %d deals, %v, by stage %+v; want re in proposal", r.Team.OpenDeals, r.Team.OpenPipeline.Money, r.PipelineByStage)
	}
	// "re" is open now: it counts as won in no period; "edge" was won in this week.
	if r.Prior.Won != 0 || r.Team.Won != 1 {
		t.Errorf("won prior/current = %d/%d, want 0/1", r.Prior.Won, r.Team.Won)
	}
}

// An AsOf in the past sees the deals as they were then: a deal won after AsOf is open at AsOf.
func TestAsOfInThePast(t *testing.T) {
	wk := PeriodAt(Week, at("2026-11-18T12:00:00Z"), berlin)
	later := closedDeal("later", "ae1", domain.DealWon, eur(5000), "2026-11-10T09:00:00Z", "2026-11-25T09:00:00Z")
	later.StageHistory = history("demo@2026-11-10T09:00:00Z", "closed-won@2026-11-25T09:00:00Z")
	r := Compute(Input{Org: loadOrg(t), TeamID: "t1", Members: []string{"ae1"}, Period: wk, AsOf: asOf, Deals: []domain.Deal{later}})
	if r.Team.Won != 0 || r.Team.OpenDeals != 1 || r.Quota.Team.Booked.AmountMinor != 0 {
		t.Errorf("as of %s: won %d, open %d, booked %v; want 0, 1, 0", asOf, r.Team.Won, r.Team.OpenDeals, r.Quota.Team.Booked)
	}
}

// Average deal size and velocity are n/a (not 0) when no won deal has a convertible amount, and
// an amount without a rate is never added to another currency.
func TestNoConvertibleWonDeal(t *testing.T) {
	wk := PeriodAt(Week, at("2026-11-18T12:00:00Z"), berlin)
	r := Compute(Input{Org: loadOrg(t), TeamID: "t1", Members: []string{"ae1"}, Period: wk, AsOf: asOf,
		Deals: []domain.Deal{closedDeal("g", "ae1", domain.DealWon, gbp(50000), "2026-11-10T09:00:00Z", "2026-11-18T09:00:00Z"),
			closedDeal("e", "ae1", domain.DealLost, eur(100), "2026-11-10T09:00:00Z", "2026-11-18T09:00:00Z")}})
	s := r.Team
	if s.AvgDealSize.OK || s.AvgDealSize.Why != WhyNoRate || s.Velocity.OK || s.Velocity.Why != WhyNoRate || s.WonWithoutRate != 1 {
		t.Errorf("avg %+v velocity %+v left out %d; want n/a (no rate) and 1 left out", s.AvgDealSize, s.Velocity, s.WonWithoutRate)
	}
	if s.WonAmount.AmountMinor != 0 || len(s.WonAmount.Unconverted) != 1 || s.WonAmount.Unconverted[0] != gbp(50000) {
		t.Errorf("won amount = %+v, want 0 EUR and 50,000 GBP apart", s.WonAmount)
	}
	b, _ := json.Marshal(s)
	if !strings.Contains(string(b), `"avgDealSize":null`) || !strings.Contains(string(b), `"velocity":null`) {
		t.Errorf("JSON %s: want avgDealSize and velocity null", b)
	}
}

// A deal stored without a currency is in the org currency: it counts in the average like the rest.
func TestDealWithoutCurrencyIsOrgCurrency(t *testing.T) {
	wk := PeriodAt(Week, at("2026-11-18T12:00:00Z"), berlin)
	r := Compute(Input{Org: loadOrg(t), TeamID: "t1", Members: []string{"ae1"}, Period: wk, AsOf: asOf,
		Deals: []domain.Deal{closedDeal("a", "ae1", domain.DealWon, domain.Money{AmountMinor: 400000}, "2026-11-10T09:00:00Z", "2026-11-18T09:00:00Z"),
			closedDeal("b", "ae1", domain.DealWon, eur(2000), "2026-11-10T09:00:00Z", "2026-11-18T09:00:00Z")}})
	if r.Team.WonAmount.Money != eur(6000) || r.Team.AvgDealSize != Some(eur(3000)) {
		t.Errorf("won %v avg %+v, want 6,000 and 3,000 EUR", r.Team.WonAmount.Money, r.Team.AvgDealSize)
	}
}

// The team's report currency converts with the org's rates (EUR org, USD at 0.9) and says which
// rates it used.
func TestTeamCurrencyAndRates(t *testing.T) {
	asOf := at("2026-11-09T16:00:00Z")
	won := closedDeal("w", "ae4", domain.DealWon, eur(9000), "2026-10-20T09:00:00Z", "2026-11-04T09:00:00Z")
	won.TeamID = "t2"
	r := Compute(westInput(t, LastComplete(Week, asOf, losAngeles), asOf, won))
	// 9,000 EUR ÷ 0.9 = 10,000 USD.
	if r.Team.WonAmount.Money != usd(10000) {
		t.Errorf("won = %v, want 10,000 USD", r.Team.WonAmount.Money)
	}
	if len(r.Rates) != 1 || r.Rates[0] != (RateUsed{From: "EUR", To: "USD", Rate: "1.11111111"}) {
		t.Errorf("rates = %+v, want EUR→USD 1.11111111", r.Rates)
	}
	// ae4's 45,000 EUR quota is 50,000 USD.
	for _, a := range r.Quota.Reps {
		if a.RepID == "ae4" && a.Quota != usd(50000) {
			t.Errorf("ae4 quota = %v, want 50,000 USD", a.Quota)
		}
	}
}

// New leads count every lead created in the team's territories, routed, unassigned or
// disqualified, and those routed to members.
func TestNewLeadsSplit(t *testing.T) {
	in := fixtureInput(t)
	in.TeamLeads = []domain.Lead{
		{ID: "l1", OwnerID: "sdr1", CreatedAt: at("2026-11-17T08:00:00Z"), RoutedAt: ptr(at("2026-11-17T08:00:05Z")), Status: domain.LeadRouted}, // also in Leads
		{ID: "q1", Queue: "overflow", CreatedAt: at("2026-11-18T08:00:00Z"), UpdatedAt: at("2026-11-18T08:00:00Z"), Status: domain.LeadQualified},
		{ID: "x1", CreatedAt: at("2026-11-19T08:00:00Z"), UpdatedAt: at("2026-11-19T08:01:00Z"), Status: domain.LeadDisqualified},
		{ID: "o1", OwnerID: "someone-else", CreatedAt: at("2026-11-20T08:00:00Z"), RoutedAt: ptr(at("2026-11-20T08:00:01Z")), Status: domain.LeadRouted},
		{ID: "late", CreatedAt: at("2026-11-23T08:00:00Z"), Status: domain.LeadNew}, // after AsOf
	}
	s := Compute(in).Team
	if s.NewLeads != 4 || s.NewRouted != 2 || s.NewUnassigned != 1 || s.NewDisqualified != 1 {
		t.Errorf("new leads %d = %d routed + %d unassigned + %d disqualified, want 4 = 2 + 1 + 1", s.NewLeads, s.NewRouted, s.NewUnassigned, s.NewDisqualified)
	}
	// Routed to members in the week: l1 and l2 (o1 went to someone outside the team).
	if s.RoutedLeads != 2 {
		t.Errorf("routed leads = %d, want 2", s.RoutedLeads)
	}
}

// The report survives the JSON between the workflow's compute and render steps, reasons included.
func TestReportJSONRoundTrip(t *testing.T) {
	in := fixtureInput(t)
	r := Compute(in)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	back.Period, back.Previous = r.Period, r.Previous // not in the JSON: the workflow input names them
	b2, _ := json.Marshal(back)
	if string(b) != string(b2) {
		t.Errorf("round trip differs:\n%s\n%s", b, b2)
	}
	if got, want := whys(back), whys(r); !reflect.DeepEqual(got, want) {
		t.Errorf("reasons after the round trip %v, want %v", got, want)
	}
}

// whys lists the reason of every n/a value of a report, in order.
func whys(r Report) []string {
	var out []string
	sum := func(s Summary) {
		out = append(out, s.WinRate.Why, s.AvgDealSize.Why, s.CycleDays.Why, s.Velocity.Why, s.Handoffs.Share.Why, s.Handoffs.MedianToAccept.Why)
	}
	sum(r.Team)
	sum(r.Prior)
	for _, row := range r.Reps {
		sum(row.Current)
		sum(row.Prior)
	}
	for _, a := range append(r.Quota.Reps, r.Quota.Team) {
		out = append(out, a.Attainment.Why, a.Pacing.Why, a.Coverage.Why)
	}
	for _, s := range r.Funnel {
		out = append(out, s.Next.Why, s.Cumulative.Why)
	}
	return out
}
