package metrics

import (
	"os"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/domain"
)

// loadOrg parses testdata/org.yaml: EUR org with USD at 0.9 EUR and no rate for GBP; team t1 =
// ae1 (90,000 EUR a quarter), ae2 (10,000 USD a month, started 2026-11-02), sdr1; pipeline
// discovery 10% → demo 40% → proposal 60% → closed-won.
func loadOrg(t testing.TB) *domain.Org {
	t.Helper()
	b, err := os.ReadFile("testdata/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	org, probs := config.Parse("testdata/org.yaml", b)
	if len(probs) > 0 {
		t.Fatalf("fixture org: %v", probs)
	}
	return org
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

func eur(major int64) domain.Money { return domain.Money{AmountMinor: major * 100, Currency: "EUR"} }
func usd(major int64) domain.Money { return domain.Money{AmountMinor: major * 100, Currency: "USD"} }
func gbp(major int64) domain.Money { return domain.Money{AmountMinor: major * 100, Currency: "GBP"} }

// history builds a stage history from "stage@RFC3339" steps.
func history(steps ...string) []domain.StageEntry {
	var out []domain.StageEntry
	for i, s := range steps {
		var stage, when string
		for j := len(s) - 1; j >= 0; j-- {
			if s[j] == '@' {
				stage, when = s[:j], s[j+1:]
				break
			}
		}
		out = append(out, domain.StageEntry{Stage: stage, EnteredAt: at(when)})
		if i > 0 {
			out[i-1].ExitedAt = ptr(at(when))
		}
	}
	return out
}

func closedDeal(id, owner string, status domain.DealStatus, amt domain.Money, created, closed string) domain.Deal {
	stage := "closed-won"
	if status == domain.DealLost {
		stage = "closed-lost"
	}
	return domain.Deal{ID: id, Name: "Deal " + id, TeamID: "t1", OwnerID: owner, Pipeline: "main", Stage: stage, Status: status,
		Amount: amt, CreatedAt: at(created), ClosedAt: ptr(at(closed)), UpdatedAt: at(closed)}
}

// The fixture week is Mon 2026-11-16 to Mon 2026-11-23 in Berlin (CET, UTC+1): [2026-11-15T23:00Z,
// 2026-11-22T23:00Z). The digest runs Monday 2026-11-23 08:00 Berlin (07:00Z).
var (
	berlin, _ = time.LoadLocation("Europe/Berlin")
	asOf      = at("2026-11-23T07:00:00Z")
	week      = PeriodAt(Week, at("2026-11-18T12:00:00Z"), berlin)
)

func fixtureDeals() []domain.Deal {
	d5 := domain.Deal{ID: "d5", Name: "Big proposal", TeamID: "t1", OwnerID: "ae1", Pipeline: "main", Stage: "proposal", Status: domain.DealOpen,
		Amount: eur(20000), CreatedAt: at("2026-11-16T09:00:00Z"), CloseDate: ptr(at("2026-11-25T00:00:00Z")),
		LastActivityAt: ptr(at("2026-11-20T10:00:00Z")),
		StageHistory:   history("discovery@2026-11-16T09:00:00Z", "demo@2026-11-17T09:00:00Z", "proposal@2026-11-18T09:00:00Z")}
	d6 := domain.Deal{ID: "d6", Name: "Forgotten", TeamID: "t1", OwnerID: "ae2", Pipeline: "main", Stage: "discovery", Status: domain.DealOpen,
		Amount: eur(1000), CreatedAt: at("2026-11-02T09:00:00Z"), CloseDate: ptr(at("2026-11-10T00:00:00Z")), NextStep: "call",
		StageHistory: history("discovery@2026-11-02T09:00:00Z")}
	d7 := domain.Deal{ID: "d7", Name: "US demo", TeamID: "t1", OwnerID: "ae1", Pipeline: "main", Stage: "demo", Status: domain.DealOpen,
		Amount: usd(8000), CreatedAt: at("2026-11-18T09:00:00Z"), CloseDate: ptr(at("2026-11-27T00:00:00Z")), NextStep: "send deck",
		LastActivityAt: ptr(at("2026-11-20T10:00:00Z")),
		StageHistory:   history("discovery@2026-11-18T09:00:00Z", "demo@2026-11-19T09:00:00Z")}
	// d10 was open at the end of the week (in discovery) and won on Monday morning before the digest.
	d10 := closedDeal("d10", "ae1", domain.DealWon, eur(4000), "2026-11-20T09:00:00Z", "2026-11-23T06:00:00Z")
	d10.CloseDate = ptr(at("2026-11-23T00:00:00Z"))
	d10.StageHistory = history("discovery@2026-11-20T09:00:00Z", "closed-won@2026-11-23T06:00:00Z")
	return []domain.Deal{
		closedDeal("d1", "ae1", domain.DealWon, eur(10000), "2026-11-06T10:00:00Z", "2026-11-17T10:00:00Z"), // cycle 11 days
		closedDeal("d2", "ae1", domain.DealWon, usd(5000), "2026-11-13T10:00:00Z", "2026-11-18T10:00:00Z"),  // 4,500 EUR, 5 days
		closedDeal("d3", "ae2", domain.DealLost, eur(3000), "2026-11-10T10:00:00Z", "2026-11-19T10:00:00Z"),
		closedDeal("d4", "ae2", domain.DealWon, gbp(2000), "2026-11-16T12:00:00Z", "2026-11-20T12:00:00Z"), // no GBP rate; 4 days
		d5, d6, d7,
		closedDeal("d8", "ae2", domain.DealWon, eur(6000), "2026-11-03T10:00:00Z", "2026-11-05T10:00:00Z"),  // earlier in Q4
		closedDeal("d9", "ae1", domain.DealLost, eur(1000), "2026-11-01T10:00:00Z", "2026-11-10T10:00:00Z"), // previous week
		d10,
		d5, // loaded twice (open and created in the week): counted once
	}
}

func fixtureInput(t testing.TB) Input {
	act := func(id, rep string, typ domain.ActivityType, when string) domain.Activity {
		return domain.Activity{ID: id, RepID: rep, Type: typ, At: at(when)}
	}
	attempt := func(ae, assigned, due, ended string, outcome domain.HandoffStatus) domain.HandoffAttempt {
		a := domain.HandoffAttempt{AEID: ae, AssignedAt: at(assigned), SLADueAt: at(due), Outcome: outcome}
		if ended != "" {
			a.EndedAt = ptr(at(ended))
		}
		return a
	}
	return Input{
		Org: loadOrg(t), TeamID: "t1", Members: []string{"ae1", "ae2", "sdr1"}, Period: week, AsOf: asOf,
		Deals: fixtureDeals(),
		Activities: []domain.Activity{
			act("a1", "ae1", domain.ActivityCall, "2026-11-17T10:00:00Z"),
			act("a2", "ae1", domain.ActivityEmail, "2026-11-18T10:00:00Z"),
			act("a3", "ae2", domain.ActivityCall, "2026-11-19T10:00:00Z"),
			act("a4", "sdr1", domain.ActivityEmail, "2026-11-20T10:00:00Z"),
			act("a5", "ae1", domain.ActivityMeeting, "2026-11-10T10:00:00Z"), // previous week
			act("a6", "outsider", domain.ActivityCall, "2026-11-17T10:00:00Z"),
		},
		Leads: []domain.Lead{
			{ID: "l1", OwnerID: "sdr1", CreatedAt: at("2026-11-17T08:00:00Z"), RoutedAt: ptr(at("2026-11-17T08:00:05Z")), Status: domain.LeadRouted},
			{ID: "l2", OwnerID: "ae1", CreatedAt: at("2026-11-12T08:00:00Z"), RoutedAt: ptr(at("2026-11-16T09:00:00Z")), Status: domain.LeadRouted},
			{ID: "l3", OwnerID: "outsider", CreatedAt: at("2026-11-18T08:00:00Z"), RoutedAt: ptr(at("2026-11-18T08:00:00Z")), Status: domain.LeadRouted},
		},
		Handoffs: []domain.Handoff{
			{ID: "h1", Attempts: []domain.HandoffAttempt{attempt("ae1", "2026-11-17T09:00:00Z", "2026-11-17T13:00:00Z", "2026-11-17T10:00:00Z", domain.HandoffAccepted)}},
			{ID: "h2", Attempts: []domain.HandoffAttempt{
				attempt("ae2", "2026-11-18T09:00:00Z", "2026-11-18T13:00:00Z", "2026-11-18T13:00:00Z", domain.HandoffExpired),
				attempt("ae1", "2026-11-18T13:00:00Z", "2026-11-18T17:00:00Z", "2026-11-19T08:00:00Z", domain.HandoffAccepted)}},
			{ID: "h3", Status: domain.HandoffRequested, Attempts: []domain.HandoffAttempt{attempt("ae2", "2026-11-20T09:00:00Z", "2026-11-20T13:00:00Z", "", "")}},
			{ID: "h4", Attempts: []domain.HandoffAttempt{attempt("ae1", "2026-11-19T09:00:00Z", "2026-11-19T13:00:00Z", "2026-11-19T09:30:00Z", domain.HandoffDeclined)}},
		},
		Onboardings: []domain.Onboarding{
			{ID: "o1", Status: domain.OnboardingActive, StartedAt: at("2026-11-17T09:00:00Z"), Milestones: []domain.OnboardingMilestone{
				{Key: "kickoff", DueAt: at("2026-11-20T09:00:00Z"), DoneAt: ptr(at("2026-11-19T09:00:00Z"))},
				{Key: "setup", DueAt: at("2026-11-21T09:00:00Z")}}},
			{ID: "o2", Status: domain.OnboardingCompleted, StartedAt: at("2026-10-01T09:00:00Z"), CompletedAt: ptr(at("2026-11-18T09:00:00Z"))},
			{ID: "o3", Status: domain.OnboardingActive, StartedAt: at("2026-10-05T09:00:00Z"), Milestones: []domain.OnboardingMilestone{
				{Key: "golive", DueAt: at("2026-12-01T09:00:00Z")}}},
		},
	}
}
