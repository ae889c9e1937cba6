package reminder_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/apptest"
	"github.com/dealflow/dealflow/shared/deal"
	"github.com/dealflow/dealflow/shared/deal/reminder"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify"
)

// remindersFixture runs every capability over the sample org (reminders sweep deals created
// through the deal capability and are snoozed over HTTP).
type remindersFixture struct {
	*apptest.App
}

func newRemindersFixture(t *testing.T) *remindersFixture {
	t.Helper()
	return &remindersFixture{apptest.New(t, apptest.SampleOrg(t), time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))} // a Monday
}

func (f *remindersFixture) deal(t *testing.T, in deal.DealInput) domain.Deal {
	t.Helper()
	d, _, err := f.Caps.Deals.CreateDeal(context.Background(), in, "")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *remindersFixture) mails(t *testing.T, to string) []notify.StoredMessage {
	t.Helper()
	ms, err := f.Outbox.List(context.Background(), to, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func (f *remindersFixture) sweep(t *testing.T, rep string) reminder.ReminderSweep {
	t.Helper()
	res, err := f.Caps.Reminders.SweepReminders(context.Background(), reminder.RepRef{RepID: rep})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// setBerlin moves the fake clock to a wall-clock time in Berlin.
func (f *remindersFixture) setBerlin(t *testing.T, s string) {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	f.Clock.Set(v)
}

func TestRemindersOneMessagePerRunOnlyInWorkingHours(t *testing.T) {
	f := newRemindersFixture(t)
	ctx := context.Background()
	f.setBerlin(t, "2026-11-02 10:00") // Monday
	closeDate := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	a := f.deal(t, deal.DealInput{Name: "Alpha", OwnerID: "max-hoffmann", NextStep: "call back"})
	b := f.deal(t, deal.DealInput{Name: "Beta", OwnerID: "max-hoffmann", Stage: "demo", Amount: "1000", NextStep: ""})
	f.deal(t, deal.DealInput{Name: "Gamma", OwnerID: "max-hoffmann", NextStep: "demo", CloseDate: &closeDate})
	f.deal(t, deal.DealInput{Name: "Other AE", OwnerID: "olivia-brown", Stage: "demo"})

	steps := []struct {
		at        string
		before    func()
		want      reminder.ReminderSweep
		wantMails int // messages to Max so far
	}{
		// Beta has no next step: due at once, sent at once.
		{"2026-11-02 10:00", nil, reminder.ReminderSweep{Created: 1, Sent: 1}, 1},
		// Same week: nothing twice.
		{"2026-11-02 11:00", nil, reminder.ReminderSweep{}, 1},
		// Gamma's close date passed at midnight; held until Max's working day starts.
		{"2026-11-04 06:00", nil, reminder.ReminderSweep{Created: 1, Held: true}, 1},
		{"2026-11-04 09:00", nil, reminder.ReminderSweep{Sent: 1}, 2},
		// Beta: no activity for 3 business days (stale-late).
		{"2026-11-05 10:00", nil, reminder.ReminderSweep{Created: 1, Sent: 1}, 3},
		// Saturday: Alpha and Gamma are 4 business days idle; nothing is due.
		{"2026-11-07 10:00", nil, reminder.ReminderSweep{}, 3},
		// Monday before hours: a new week. Beta (no next step, stale) and Gamma's close date come
		// due again, each ignored once: held.
		{"2026-11-09 07:00", nil, reminder.ReminderSweep{Created: 3, Held: true}, 3},
		// Max calls Beta's customer at 08:00: Beta's stale reminder resolves; ONE message lists
		// the other two at 09:00.
		{"2026-11-09 09:00", func() {
			if _, _, err := f.Caps.Deals.LogActivity(ctx, deal.ActivityInput{Type: "call", RepID: "max-hoffmann", DealID: b.ID}, ""); err != nil {
				t.Fatal(err)
			}
		}, reminder.ReminderSweep{Resolved: 1, Sent: 2}, 4},
	}
	for _, s := range steps {
		f.setBerlin(t, s.at)
		if s.before != nil {
			s.before()
		}
		res := f.sweep(t, "max-hoffmann")
		res.RepID, res.MessageID = "", ""
		if res != s.want {
			t.Fatalf("%s: sweep %+v, want %+v", s.at, res, s.want)
		}
		if got := len(f.mails(t, "max.hoffmann@")); got != s.wantMails {
			t.Fatalf("%s: %d messages to Max, want %d", s.at, got, s.wantMails)
		}
	}
	last := f.mails(t, "max.hoffmann@")[0].Message
	for _, name := range []string{"Beta", "Gamma"} {
		if !strings.Contains(last.Text, name) {
			t.Errorf("the Monday message lacks %s:\n%s", name, last.Text)
		}
	}
	if strings.Contains(last.Text, "Alpha") || strings.Count(last.Text, "• ") != 2 || strings.Contains(last.Text, "keine Aktivität") {
		t.Errorf("the Monday message lists exactly the 2 follow-ups still due:\n%s", last.Text)
	}
	_ = a
	_ = b
	// Every message went out inside Max's working hours, one per run, listing its reminders.
	loc, _ := time.LoadLocation("Europe/Berlin")
	for _, m := range f.mails(t, "max.hoffmann@") {
		local := m.SentAt.In(loc)
		if local.Weekday() == time.Saturday || local.Weekday() == time.Sunday || local.Hour() < 9 || local.Hour() >= 17 {
			t.Errorf("message %q sent at %s, outside working hours", m.Message.Subject, local)
		}
		if !strings.HasPrefix(m.Message.Subject, "Follow-ups fällig") && !strings.HasPrefix(m.Message.Subject, "Fällige Follow-ups") {
			t.Errorf("Max reads German: %q", m.Message.Subject)
		}
	}
	if len(f.mails(t, "olivia.brown@")) != 0 {
		t.Error("another AE's deals reached Max's run")
	}
}

func TestRemindersEscalateAfterIgnoredAndSnoozeHolds(t *testing.T) {
	f := newRemindersFixture(t)
	// apptest.New signs snooze links with apptest.LinkKey.
	ctx := context.Background()
	f.setBerlin(t, "2026-11-02 10:00")
	stale := f.deal(t, deal.DealInput{Name: "Stale Corp", OwnerID: "max-hoffmann", NextStep: "follow up"})
	// stale-early: 5 business days; escalate_after 2. Weekly runs every Monday at 10:00.
	weeks := []struct {
		at        string
		escalated int
		cc        bool
	}{
		{"2026-11-09 10:00", 0, false},
		{"2026-11-16 10:00", 0, false}, // ignored once
		{"2026-11-23 10:00", 1, true},  // ignored twice: Katrin is copied
	}
	for _, w := range weeks {
		f.setBerlin(t, w.at)
		res := f.sweep(t, "max-hoffmann")
		if res.Sent != 1 || res.Escalated != w.escalated {
			t.Fatalf("%s: %+v", w.at, res)
		}
		last := f.mails(t, "max.hoffmann@")[0].Message
		if hasCC := len(last.Cc) == 1 && last.Cc[0] == "katrin.mueller@northwind.example"; hasCC != w.cc {
			t.Fatalf("%s: cc %v", w.at, last.Cc)
		}
	}
	// The last message carries signed snooze links; the GET page changes nothing, the POST snoozes.
	text := f.mails(t, "max.hoffmann@")[0].Message.Text
	i := strings.Index(text, "https://dealflow.northwind.example/v1/reminders/")
	if i < 0 {
		t.Fatalf("no snooze link in:\n%s", text)
	}
	link := strings.Fields(text[i:])[0]
	u, _ := url.Parse(link)
	if u.Query().Get("for") != "1d" {
		t.Fatalf("first link is the 1 day snooze: %s", link)
	}
	u.RawQuery = strings.Replace(u.RawQuery, "for=1d", "for=1w", 1) // a tampered link
	local := f.Srv.URL + u.RequestURI()
	res, _ := http.Post(local, "application/x-www-form-urlencoded", nil)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("tampered link: %d", res.StatusCode)
	}
	for _, l := range strings.Fields(text) {
		if strings.Contains(l, "for=1w") {
			u, _ = url.Parse(l)
		}
	}
	local = f.Srv.URL + u.RequestURI()
	page, _ := http.Get(local)
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	remID := strings.Split(u.Path, "/")[3]
	if r, _ := f.Store.GetReminder(ctx, remID); page.StatusCode != 200 || !strings.Contains(string(body), "<form method=\"post\"") || r.Status != domain.ReminderEscalated {
		t.Fatalf("GET page: %d status %s\n%s", page.StatusCode, r.Status, body)
	}
	post, _ := http.Post(local, "application/x-www-form-urlencoded", nil)
	post.Body.Close()
	r, _ := f.Store.GetReminder(ctx, remID)
	if post.StatusCode != 200 || r.Status != domain.ReminderSnoozed || !r.SnoozedUntil.Equal(f.Clock.Now().Add(7*24*time.Hour)) {
		t.Fatalf("POST snooze: %d %+v", post.StatusCode, r)
	}
	// Next Monday falls inside the week-long snooze started Monday 10:00: no new reminder.
	f.setBerlin(t, "2026-11-30 09:00")
	if res := f.sweep(t, "max-hoffmann"); res.Created != 0 || res.Sent != 0 {
		t.Fatalf("during the snooze: %+v", res)
	}
	// At 10:00 the snooze ends, in a new week: this week's reminder replaces the snoozed one and
	// goes out once, still escalated (the count carries over).
	f.setBerlin(t, "2026-11-30 10:00")
	if res := f.sweep(t, "max-hoffmann"); res.Created != 1 || res.Sent != 1 || res.Escalated != 1 {
		t.Fatalf("after the snooze: %+v", res)
	}
	if r, _ := f.Store.GetReminder(ctx, remID); r.Status != domain.ReminderResolved {
		t.Fatalf("the snoozed reminder is superseded: %+v", r)
	}
	// Same week, later: it was just sent, so no new one for this period.
	f.setBerlin(t, "2026-12-01 10:00")
	if res := f.sweep(t, "max-hoffmann"); res.Created != 0 || res.Sent != 0 {
		t.Fatalf("the day after: %+v", res)
	}
	_ = stale
}

func TestRemindersHeldWhileAwayGoOutOnceOnReturn(t *testing.T) {
	f := newRemindersFixture(t)
	// Anna is on leave from Mon 16 Nov to Fri 4 Dec; her deal goes stale on 9 Nov.
	f.setBerlin(t, "2026-11-02 10:00")
	f.deal(t, deal.DealInput{Name: "Waiting GmbH", OwnerID: "anna-weber", NextStep: "demo"})
	f.setBerlin(t, "2026-11-09 10:00")
	if res := f.sweep(t, "anna-weber"); res.Sent != 1 {
		t.Fatalf("before the leave: %+v", res)
	}
	for _, day := range []string{"2026-11-16 10:00", "2026-11-23 10:00", "2026-11-30 10:00", "2026-12-04 16:00"} {
		f.setBerlin(t, day)
		if res := f.sweep(t, "anna-weber"); res.Sent != 0 || (res.Created > 0 && !res.Held) {
			t.Fatalf("%s, on leave: %+v", day, res)
		}
	}
	f.setBerlin(t, "2026-12-07 09:00")
	res := f.sweep(t, "anna-weber")
	if res.Sent != 1 || len(f.mails(t, "anna.weber@")) != 2 {
		t.Fatalf("back from leave: one follow-up in one message, got %+v", res)
	}
	f.setBerlin(t, "2026-12-08 09:00")
	if res := f.sweep(t, "anna-weber"); res.Sent != 0 || res.Created != 0 {
		t.Fatalf("the next day, same week: %+v", res)
	}
}

func TestHandoffNotAcceptedIsRemindedDaily(t *testing.T) {
	f := newRemindersFixture(t)
	ctx := context.Background()
	f.setBerlin(t, "2026-11-02 10:00")
	requested := f.Clock.Now()
	h := domain.Handoff{ID: "h1", LeadID: "lead_1", SDRID: "jonas-becker", AEID: "max-hoffmann", Status: domain.HandoffRequested,
		RequestedAt: requested, SLADueAt: requested.Add(4 * time.Hour), UpdatedAt: requested}
	if _, err := f.Store.CreateHandoff(ctx, h); err != nil {
		t.Fatal(err)
	}
	// handoff-not-accepted: period day, escalate_after 1.
	steps := []struct {
		at             string
		sent, escalate int
	}{
		{"2026-11-02 13:00", 0, 0}, // SLA not yet over
		{"2026-11-02 14:00", 1, 0}, // due at 14:00
		{"2026-11-02 16:00", 0, 0}, // once a day
		{"2026-11-03 09:00", 1, 1}, // next day, ignored once: the manager is copied
	}
	for _, s := range steps {
		f.setBerlin(t, s.at)
		res := f.sweep(t, "max-hoffmann")
		if res.Sent != s.sent || res.Escalated != s.escalate {
			t.Fatalf("%s: %+v", s.at, res)
		}
	}
	last := f.mails(t, "max.hoffmann@")[0].Message
	if !strings.Contains(last.Text, "Übergabe lead_1") || len(last.Cc) != 1 {
		t.Fatalf("handoff reminder:\n%s\ncc %v", last.Text, last.Cc)
	}
	// Accepted: nothing more.
	if _, err := f.Store.UpdateHandoff(ctx, "h1", func(h domain.Handoff) (domain.Handoff, error) {
		h.Status = domain.HandoffAccepted
		return h, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.setBerlin(t, "2026-11-04 09:00")
	if res := f.sweep(t, "max-hoffmann"); res.Sent != 0 || res.Created != 0 {
		t.Fatalf("after accepting: %+v", res)
	}
}
