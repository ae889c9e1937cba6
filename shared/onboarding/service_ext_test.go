package onboarding_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/apptest"
	"github.com/dealflow/dealflow/shared/deal"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/onboarding"
)

// onboardingFixture runs every capability over the sample org (onboardings start on deals won
// through the deal capability; milestones are completed over HTTP).
type onboardingFixture struct {
	*apptest.App
}

func newOnboardingFixture(t *testing.T) *onboardingFixture {
	t.Helper()
	return &onboardingFixture{apptest.New(t, apptest.SampleOrg(t), time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))} // a Monday
}

func (f *onboardingFixture) deal(t *testing.T, in deal.DealInput) domain.Deal {
	t.Helper()
	d, _, err := f.Caps.Deals.CreateDeal(context.Background(), in, "")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *onboardingFixture) mails(t *testing.T, to string) []notify.StoredMessage {
	t.Helper()
	ms, err := f.Outbox.List(context.Background(), to, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// setBerlin moves the fake clock to a wall-clock time in Berlin.
func (f *onboardingFixture) setBerlin(t *testing.T, s string) {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Set(v)
}

// wonEvent returns the id of the newest Deal Closed Won event in the outbox.
func (f *onboardingFixture) wonEvent(t *testing.T, dealID string) string {
	t.Helper()
	evs, _ := f.Store.ListPendingOutbox(context.Background(), 1000)
	id := ""
	for _, e := range evs {
		var d events.DealClosedDetail
		if e.DetailType == events.DealClosedWon && json.Unmarshal(e.Detail, &d) == nil && d.DealID == dealID {
			id = d.ID
		}
	}
	if id == "" {
		t.Fatalf("no Deal Closed Won for %s", dealID)
	}
	return id
}

func TestOnboardingStartsOncePerDealWithTheHandoffNote(t *testing.T) {
	f := newOnboardingFixture(t)
	ctx := context.Background()
	f.setBerlin(t, "2026-11-02 10:00")
	dl := f.deal(t, deal.DealInput{Name: "Kunde AG", OwnerID: "max-hoffmann", Stage: "negotiation", Amount: "48000", NextStep: "SSO by January"})
	if _, _, err := f.Caps.Deals.LogActivity(ctx, deal.ActivityInput{Type: "proposal_sent", RepID: "max-hoffmann", DealID: dl.ID, Subject: "Proposal v2", Notes: "includes 2 training days"}, ""); err != nil {
		t.Fatal(err)
	}
	f.setBerlin(t, "2026-11-03 11:00")
	won := "closed-won"
	if _, err := f.Caps.Deals.UpdateDealFields(ctx, dl.ID, deal.DealPatch{Stage: &won}); err != nil {
		t.Fatal(err)
	}
	firstWin := f.wonEvent(t, dl.ID)
	started, err := f.Caps.Onboardings.StartOnboarding(ctx, onboarding.OnboardingStartInput{DealID: dl.ID, EventID: firstWin})
	if err != nil || !started.Started {
		t.Fatalf("start: %+v %v", started, err)
	}
	if again, err := f.Caps.Onboardings.StartOnboarding(ctx, onboarding.OnboardingStartInput{DealID: dl.ID, EventID: firstWin}); err != nil || !again.Started || again.CSMID != started.CSMID {
		t.Fatalf("a retry of the same event continues the same onboarding: %+v %v", again, err)
	}
	o, _ := f.Store.GetOnboarding(ctx, started.OnboardingID)
	if csm, _ := f.Deps.Org.Rep(o.CSMID); csm.Role != domain.RoleCSM || csm.Territory != "dach" {
		t.Fatalf("a DACH deal gets a DACH CSM, got %s", o.CSMID)
	}
	if len(o.Milestones) != 7 || o.Milestones[0].Key != "welcome" {
		t.Fatalf("plan from the org template: %+v", o.Milestones)
	}
	msgs := f.mails(t, "")
	var note string
	for _, m := range msgs {
		if m.Message.IdempotencyKey == "onboarding-handoff:"+o.ID {
			if note != "" {
				t.Fatal("two handoff notes")
			}
			note = m.Message.Text
			if len(m.Message.Cc) != 1 || m.Message.Cc[0] != "max.hoffmann@northwind.example" {
				t.Errorf("the AE is copied: %v", m.Message.Cc)
			}
		}
	}
	for _, want := range []string{"48.000,00", "Proposal v2 includes 2 training days", "SSO by January", "Kickoff call"} {
		if !strings.Contains(note, want) {
			t.Errorf("handoff note lacks %q:\n%s", want, note)
		}
	}
	// Reopened and won again: no second onboarding.
	f.Clock.Advance(24 * time.Hour)
	neg := "negotiation"
	if _, err := f.Caps.Deals.UpdateDealFields(ctx, dl.ID, deal.DealPatch{Stage: &neg}); err != nil {
		t.Fatal(err)
	}
	f.MarkPublished(t)
	f.Clock.Advance(24 * time.Hour)
	if _, err := f.Caps.Deals.UpdateDealFields(ctx, dl.ID, deal.DealPatch{Stage: &won}); err != nil {
		t.Fatal(err)
	}
	secondWin := f.wonEvent(t, dl.ID)
	if secondWin == firstWin {
		t.Fatal("a second win must be a distinct event")
	}
	if res, err := f.Caps.Onboardings.StartOnboarding(ctx, onboarding.OnboardingStartInput{DealID: dl.ID, EventID: secondWin}); err != nil || res.Started {
		t.Fatalf("second win started an onboarding: %+v %v", res, err)
	}
	// A lost deal starts nothing (the rule only fires on Closed Won; a stale event finds it lost).
	lostDeal := f.deal(t, deal.DealInput{Name: "Lost GmbH", OwnerID: "max-hoffmann", Stage: "closed-won"})
	lost, why := "closed-lost", "budget cut"
	ev := f.wonEvent(t, lostDeal.ID)
	if _, err := f.Caps.Deals.UpdateDealFields(ctx, lostDeal.ID, deal.DealPatch{Stage: &lost, LostReason: &why}); err != nil {
		t.Fatal(err)
	}
	if res, err := f.Caps.Onboardings.StartOnboarding(ctx, onboarding.OnboardingStartInput{DealID: lostDeal.ID, EventID: ev}); err != nil || res.Started {
		t.Fatalf("lost deal: %+v %v", res, err)
	}
}

func TestMilestoneRemindEscalateComplete(t *testing.T) {
	f := newOnboardingFixture(t)
	ctx := context.Background()
	f.setBerlin(t, "2026-11-03 11:00")
	dl := f.deal(t, deal.DealInput{Name: "Kunde AG", OwnerID: "olivia-brown", Stage: "closed-won"})
	res, err := f.Caps.Onboardings.StartOnboarding(ctx, onboarding.OnboardingStartInput{DealID: dl.ID, EventID: f.wonEvent(t, dl.ID)})
	if err != nil || res.CSMID != "noah-martinez" {
		t.Fatalf("NA deal → the NA CSM: %+v %v", res, err)
	}
	step := func() onboarding.Step {
		s, err := f.Caps.Onboardings.NextOnboardingStep(ctx, onboarding.OnboardingRef{OnboardingID: res.OnboardingID})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	check := func(s onboarding.Step) onboarding.MilestoneChecked {
		f.Clock.Set(s.At)
		out, err := f.Caps.Onboardings.CheckMilestone(ctx, onboarding.MilestoneCheck{OnboardingID: res.OnboardingID, Action: s.Action, Milestone: s.Milestone})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	s := step()
	if s.Action != onboarding.ActionRemind || s.Milestone != "welcome" {
		t.Fatalf("first step %+v", s)
	}
	if out := check(s); out.Notified != "noah-martinez" {
		t.Fatalf("welcome due and open: the CSM is reminded, got %+v", out)
	}
	s = step()
	if s.Action != onboarding.ActionEscalate || s.Milestone != "welcome" {
		t.Fatalf("then the escalation: %+v", s)
	}
	if out := check(s); out.Notified != "michael-johnson" {
		t.Fatalf("overdue: the manager is told, got %+v", out)
	}
	if out := check(s); out.Notified != "" {
		t.Fatalf("a retried check tells nobody twice: %+v", out)
	}
	// Kickoff is done before it falls due: no reminder.
	if _, err := f.Caps.Onboardings.CompleteMilestone(ctx, res.OnboardingID, "kickoff", "", f.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if s = step(); s.Milestone == "kickoff" {
		t.Fatalf("done milestone still scheduled: %+v", s)
	}
	o, _ := f.Store.GetOnboarding(ctx, res.OnboardingID)
	for _, m := range o.Milestones {
		if _, err := f.Caps.Onboardings.CompleteMilestone(ctx, o.ID, m.Key, "noah-martinez", f.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	o, _ = f.Store.GetOnboarding(ctx, res.OnboardingID)
	if o.Status != domain.OnboardingCompleted || step().Action != onboarding.ActionDone {
		t.Fatalf("all done: %s", o.Status)
	}
	completed := 0
	evs, _ := f.Store.ListPendingOutbox(ctx, 1000)
	for _, e := range evs {
		if e.DetailType == events.OnboardingCompleted {
			completed++
		}
	}
	if completed != 1 {
		t.Fatalf("%d Onboarding Completed events", completed)
	}
	// Completing again, or an unknown milestone, over HTTP.
	code, _ := f.Call(t, "POST", "/v1/onboardings/"+o.ID+"/milestones/welcome/complete", `{"by":"noah-martinez"}`)
	if code != 200 {
		t.Fatalf("complete again: %d", code)
	}
	if code, _ := f.Call(t, "POST", "/v1/onboardings/"+o.ID+"/milestones/nope/complete", `{}`); code != 404 {
		t.Fatalf("unknown milestone: %d", code)
	}
	mails := 0
	for _, m := range f.mails(t, "") {
		if strings.HasPrefix(m.Message.IdempotencyKey, "onboarding-escalate:") {
			mails++
		}
	}
	if mails != 1 {
		t.Fatalf("%d escalation mails", mails)
	}
}
