package domain

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

func tp(t time.Time) *time.Time { return &t }

// TestJSONRoundTrip checks every entity survives JSON (how stores and events carry it) unchanged,
// and that the wire names are the lowerCamelCase ones the event catalog uses.
func TestJSONRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		value    any
		wireKeys []string // keys that must appear in the JSON
	}{
		{"lead", &Lead{ID: "l1", Source: "hubspot", ExternalID: "501", Email: "ada@acme.example", Name: "Ada", Company: "Acme",
			Domain: "acme.example", Country: "DE", Employees: 250, Score: 72, Grade: GradeSQL, Status: LeadRouted,
			ScoreExplanation: []ScoreLine{{Rule: "fit.country", Points: 10, Reason: "DACH"}},
			OwnerID:          "rep-anna", RoutingRule: "emea", RoutingExplanation: "rule emea → pool emea-ae", AccountID: "a1",
			MergedFrom: []string{"form:demo:9"}, Attributes: map[string]string{"utm": "x"}, CreatedAt: t0, UpdatedAt: t0, RoutedAt: tp(t0), Version: 3},
			[]string{"externalId", "scoreExplanation", "ownerId", "routingExplanation", "accountId", "mergedFrom", "createdAt", "routedAt", "version"}},
		{"account", &Account{ID: "a1", Domain: "acme.example", Name: "Acme", OwnerID: "rep-ben", CreatedAt: t0, UpdatedAt: t0, Version: 1},
			[]string{"ownerId", "domain"}},
		{"deal", &Deal{ID: "d1", Name: "Acme platform", Pipeline: "new", Stage: "proposal", Status: DealOpen,
			Amount: Money{AmountMinor: 1234567, Currency: "EUR"}, CloseDate: tp(time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)),
			NextStep: "send contract", OwnerID: "ae-1", TeamID: "t1", LeadID: "l1", SDRID: "sdr-1",
			SDRNotes:  QualificationNotes{Fields: map[string]string{"budget": "50k"}, Text: "keen"},
			CreatedAt: t0, UpdatedAt: t0, StageHistory: []StageEntry{{Stage: "discovery", EnteredAt: t0, ExitedAt: tp(t0.Add(time.Hour))}, {Stage: "proposal", EnteredAt: t0.Add(time.Hour)}},
			Version: 2},
			[]string{"amountMinor", "currency", "closeDate", "nextStep", "ownerId", "teamId", "sdrNotes", "stageHistory", "enteredAt", "exitedAt"}},
		{"activity", &Activity{ID: "x1", Type: ActivityProposalSent, RepID: "ae-1", DealID: "d1", At: t0, CreatedAt: t0, Version: 1},
			[]string{"repId", "dealId", `"proposal_sent"`}},
		{"handoff", &Handoff{ID: "h1", LeadID: "l1", SDRID: "sdr-1", AEID: "ae-1", Status: HandoffAccepted,
			Notes: QualificationNotes{Fields: map[string]string{"need": "routing"}}, RequestedAt: t0, SLADueAt: t0.Add(4 * time.Hour),
			AcceptedAt: tp(t0.Add(time.Hour)), AcceptedBy: "ae-1", DealID: "d1",
			Attempts: []HandoffAttempt{{AEID: "ae-1", AssignedAt: t0, SLADueAt: t0.Add(4 * time.Hour), Outcome: HandoffAccepted}}, UpdatedAt: t0, Version: 2},
			[]string{"sdrId", "aeId", "slaDueAt", "acceptedAt", "acceptedBy", "attempts"}},
		{"reminder", &Reminder{ID: "r1", DealID: "d1", RepID: "ae-1", Policy: "stale", PeriodKey: "2026-W49", DueAt: t0,
			Status: ReminderSnoozed, SnoozedUntil: tp(t0.Add(24 * time.Hour)), IgnoredCount: 2, CreatedAt: t0, UpdatedAt: t0, Version: 4},
			[]string{"periodKey", "dueAt", "snoozedUntil", "ignoredCount"}},
		{"onboarding", &Onboarding{ID: "o1", DealID: "d1", CSMID: "csm-1", Plan: "standard", Status: OnboardingActive, StartedAt: t0, UpdatedAt: t0,
			Milestones: []OnboardingMilestone{{Key: "kickoff", Name: "Kickoff", DueAt: t0.Add(72 * time.Hour), DoneAt: tp(t0.Add(70 * time.Hour))}}, Version: 1},
			[]string{"csmId", "milestones", "doneAt", "startedAt"}},
		{"digest", &DigestRecord{ManagerID: "mgr-1", PeriodKey: "2026-W49", SentAt: t0, MessageID: "<m1@dealflow>", Version: 1},
			[]string{"managerId", "periodKey", "sentAt", "messageId"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.value)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range tc.wireKeys {
				if !strings.Contains(string(b), k) {
					t.Errorf("JSON %s lacks %s", b, k)
				}
			}
			back := reflect.New(reflect.TypeOf(tc.value).Elem()).Interface()
			if err := json.Unmarshal(b, back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.value) {
				t.Errorf("round trip changed the value:\n got  %+v\n want %+v", back, tc.value)
			}
		})
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		amount, currency string
		want             Money
		decimal          string
		err              bool
	}{
		{"12345.67", "EUR", Money{1234567, "EUR"}, "12345.67", false},
		{"0.5", "usd", Money{50, "USD"}, "0.50", false},
		{"-3", "EUR", Money{-300, "EUR"}, "-3.00", false},
		{"1500", "JPY", Money{1500, "JPY"}, "1500", false},
		{"1.234", "KWD", Money{1234, "KWD"}, "1.234", false},
		{"0.05", "EUR", Money{5, "EUR"}, "0.05", false},
		{"1.234", "EUR", Money{}, "", true}, // more decimals than the currency has
		{"1.5", "JPY", Money{}, "", true},
		{"12,50", "EUR", Money{}, "", true},
		{"1.", "EUR", Money{}, "", true},
		{"", "EUR", Money{}, "", true},
		{"+5", "EUR", Money{}, "", true},
		{"10", "EURO", Money{}, "", true},
		{"99999999999999999999", "EUR", Money{}, "", true}, // overflows int64
	}
	for _, tc := range tests {
		t.Run(tc.amount+" "+tc.currency, func(t *testing.T) {
			got, err := ParseMoney(tc.amount, tc.currency)
			if tc.err {
				if err == nil {
					t.Fatalf("ParseMoney = %v, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseMoney = %v, %v; want %v", got, err, tc.want)
			}
			if got.Decimal() != tc.decimal {
				t.Errorf("Decimal = %q, want %q", got.Decimal(), tc.decimal)
			}
		})
	}
}

func TestMoneyAdd(t *testing.T) {
	sum, err := Money{1000, "EUR"}.Add(Money{250, "EUR"})
	if err != nil || sum != (Money{1250, "EUR"}) {
		t.Errorf("EUR+EUR = %v, %v", sum, err)
	}
	sum, err = Money{}.Add(Money{250, "USD"})
	if err != nil || sum != (Money{250, "USD"}) {
		t.Errorf("zero+USD = %v, %v", sum, err)
	}
	if _, err := (Money{1, "EUR"}).Add(Money{1, "USD"}); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("EUR+USD error = %v, want ErrCurrencyMismatch", err)
	}
}

func TestEnterStage(t *testing.T) {
	d := Deal{ID: "d1"}
	steps := []struct {
		stage string
		at    time.Duration
		err   bool
	}{
		{"discovery", 0, false},
		{"discovery", time.Hour, false}, // re-entering the current stage is a no-op
		{"proposal", 48 * time.Hour, false},
		{"negotiation", 24 * time.Hour, true}, // before the current stage was entered
		{"closed-won", 72 * time.Hour, false},
		{"", 80 * time.Hour, true},
	}
	for _, st := range steps {
		err := d.EnterStage(st.stage, t0.Add(st.at))
		if (err != nil) != st.err {
			t.Fatalf("EnterStage(%q, +%s) error = %v, want error %v", st.stage, st.at, err, st.err)
		}
	}
	if d.Stage != "closed-won" || len(d.StageHistory) != 3 {
		t.Fatalf("stage %q, history %+v", d.Stage, d.StageHistory)
	}
	in := d.TimeInStages(t0.Add(100 * time.Hour))
	want := map[string]time.Duration{"discovery": 48 * time.Hour, "proposal": 24 * time.Hour, "closed-won": 28 * time.Hour}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("TimeInStages = %v, want %v", in, want)
	}
	var total time.Duration
	for _, v := range in {
		total += v
	}
	if total != 100*time.Hour {
		t.Errorf("time in stages sums to %s, want the deal's age 100h", total)
	}
}

func TestReminderNextDueAt(t *testing.T) {
	tests := []struct {
		name string
		r    Reminder
		want time.Time
	}{
		{"pending", Reminder{DueAt: t0, Status: ReminderPending}, t0},
		{"snoozed later", Reminder{DueAt: t0, Status: ReminderSnoozed, SnoozedUntil: tp(t0.Add(time.Hour))}, t0.Add(time.Hour)},
		{"snooze ended before due", Reminder{DueAt: t0, Status: ReminderSnoozed, SnoozedUntil: tp(t0.Add(-time.Hour))}, t0},
		{"snooze time kept after waking", Reminder{DueAt: t0, Status: ReminderPending, SnoozedUntil: tp(t0.Add(time.Hour))}, t0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.NextDueAt(); !got.Equal(tc.want) {
				t.Errorf("NextDueAt = %s, want %s", got, tc.want)
			}
		})
	}
}
