package reminder

import (
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/workhours"
)

func berlinCalendar(t *testing.T, holidays ...string) *workhours.Calendar {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	day := domain.DayHours{{Start: 9 * 60, End: 17 * 60}}
	week := domain.WorkingHours{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day, Sat: domain.DayHours{}, Sun: domain.DayHours{}}
	var off []domain.CalendarDate
	for _, h := range holidays {
		d, err := domain.ParseCalendarDate(h)
		if err != nil {
			t.Fatal(err)
		}
		off = append(off, d)
	}
	cal, err := workhours.New(loc, week, off)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func berlin(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

func TestEvaluate(t *testing.T) {
	cal := berlinCalendar(t, "2026-12-24", "2026-12-25")
	stale := domain.ReminderPolicy{ID: "stale", Stages: []string{"discovery"}, Trigger: domain.TriggerNoActivity, BusinessDays: 5}
	closePast := domain.ReminderPolicy{ID: "close", Trigger: domain.TriggerCloseDatePast}
	closeGrace := domain.ReminderPolicy{ID: "close-grace", Trigger: domain.TriggerCloseDatePast, BusinessDays: 2}
	noNext := domain.ReminderPolicy{ID: "next", Stages: []string{"demo"}, Trigger: domain.TriggerNoNextStep}
	handoff := domain.ReminderPolicy{ID: "handoff", Trigger: domain.TriggerHandoffNotAccepted}
	mon := berlin(t, "2026-11-02 10:00") // a Monday
	deal := func(stage string, mut func(*domain.Deal)) Subject {
		d := domain.Deal{ID: "d1", Pipeline: "new-business", Status: domain.DealOpen, CreatedAt: mon, NextStep: "demo"}
		_ = d.EnterStage(stage, mon)
		if mut != nil {
			mut(&d)
		}
		return Subject{Deal: &d}
	}
	tests := []struct {
		name  string
		p     domain.ReminderPolicy
		s     Subject
		now   string
		fires bool
		since string // expected Since when it fires
	}{
		{"no activity: 4 business days is not yet 5", stale, deal("discovery", nil), "2026-11-06 17:00", false, ""},
		{"no activity: weekend does not count", stale, deal("discovery", nil), "2026-11-08 23:00", false, ""},
		{"no activity: fires 5 business days after the last touch", stale, deal("discovery", nil), "2026-11-09 10:00", true, "2026-11-02 10:00"},
		{"no activity: a logged activity restarts the count", stale, deal("discovery", func(d *domain.Deal) {
			d.LastActivityAt = ptr(berlin(t, "2026-11-05 15:00"))
		}), "2026-11-11 10:00", false, ""},
		{"no activity: counted from the activity", stale, deal("discovery", func(d *domain.Deal) {
			d.LastActivityAt = ptr(berlin(t, "2026-11-05 15:00"))
		}), "2026-11-12 15:00", true, "2026-11-05 15:00"},
		{"no activity: holidays do not count", stale, deal("discovery", func(d *domain.Deal) {
			d.CreatedAt = berlin(t, "2026-12-21 10:00")
			d.StageHistory = nil
			_ = d.EnterStage("discovery", d.CreatedAt)
		}), "2026-12-29 10:00", false, ""},
		{"no activity: other stage not covered", stale, deal("demo", nil), "2026-12-01 10:00", false, ""},
		{"no activity: closed deal never reminded", stale, deal("discovery", func(d *domain.Deal) { d.Status = domain.DealWon }), "2026-12-01 10:00", false, ""},
		{"no activity: other pipeline not covered", domain.ReminderPolicy{ID: "x", Pipeline: "renewals", Trigger: domain.TriggerNoActivity, BusinessDays: 1},
			deal("discovery", nil), "2026-12-01 10:00", false, ""},
		{"close date: not past on the day itself", closePast, deal("demo", func(d *domain.Deal) {
			d.CloseDate = ptr(time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC))
		}), "2026-11-10 23:59", false, ""},
		{"close date: past from midnight after it, where the AE works", closePast, deal("demo", func(d *domain.Deal) {
			d.CloseDate = ptr(time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC))
		}), "2026-11-11 00:00", true, "2026-11-11 00:00"},
		{"close date: grace in business days", closeGrace, deal("demo", func(d *domain.Deal) {
			d.CloseDate = ptr(time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC)) // Friday
		}), "2026-11-16 12:00", false, ""},
		{"close date: grace over", closeGrace, deal("demo", func(d *domain.Deal) {
			d.CloseDate = ptr(time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC))
		}), "2026-11-17 00:00", true, "2026-11-14 00:00"},
		{"close date: none set", closePast, deal("demo", nil), "2027-01-01 00:00", false, ""},
		{"next step: present", noNext, deal("demo", nil), "2026-11-03 10:00", false, ""},
		{"next step: blank counts as missing", noNext, deal("demo", func(d *domain.Deal) { d.NextStep = "  " }), "2026-11-02 10:00", true, "2026-11-02 10:00"},
		{"handoff: open past SLA", handoff, Subject{Handoff: &domain.Handoff{ID: "h1", Status: domain.HandoffRequested, SLADueAt: mon}}, "2026-11-02 10:00", true, "2026-11-02 10:00"},
		{"handoff: before SLA", handoff, Subject{Handoff: &domain.Handoff{ID: "h1", Status: domain.HandoffRequested, SLADueAt: mon}}, "2026-11-02 09:59", false, ""},
		{"handoff: accepted", handoff, Subject{Handoff: &domain.Handoff{ID: "h1", Status: domain.HandoffAccepted, SLADueAt: mon}}, "2026-11-03 10:00", false, ""},
		{"handoff policy ignores deals", handoff, deal("demo", nil), "2026-12-01 10:00", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := Evaluate(tc.p, tc.s, cal, berlin(t, tc.now))
			if ok != tc.fires {
				t.Fatalf("fires = %v, want %v (%s)", ok, tc.fires, f.Reason)
			}
			if ok {
				if want := berlin(t, tc.since); !f.Since.Equal(want) {
					t.Errorf("since = %s, want %s", f.Since, want)
				}
				if f.Policy != tc.p.ID || f.Reason == "" {
					t.Errorf("finding = %+v", f)
				}
			}
		})
	}
}

func TestPeriods(t *testing.T) {
	loc, _ := time.LoadLocation("America/New_York")
	// Sunday 23:30 in New York is already Monday in UTC: the AE's zone decides the period.
	sun := time.Date(2026, 11, 30, 4, 30, 0, 0, time.UTC)
	tests := []struct {
		p        domain.ReminderPeriod
		key      string
		start    time.Time
		previous []string
	}{
		{domain.PeriodDay, "2026-11-29", time.Date(2026, 11, 29, 0, 0, 0, 0, loc), []string{"2026-11-28", "2026-11-27"}},
		{domain.PeriodWeek, "2026-W48", time.Date(2026, 11, 23, 0, 0, 0, 0, loc), []string{"2026-W47", "2026-W46"}},
		{"", "2026-W48", time.Date(2026, 11, 23, 0, 0, 0, 0, loc), []string{"2026-W47", "2026-W46"}},
		{domain.PeriodMonth, "2026-11", time.Date(2026, 11, 1, 0, 0, 0, 0, loc), []string{"2026-10", "2026-09"}},
	}
	for _, tc := range tests {
		t.Run(string(tc.p), func(t *testing.T) {
			if got := PeriodKey(tc.p, sun, loc); got != tc.key {
				t.Errorf("key = %s, want %s", got, tc.key)
			}
			if got := PeriodStart(tc.p, sun, loc); !got.Equal(tc.start) {
				t.Errorf("start = %s, want %s", got, tc.start)
			}
			got := PreviousPeriods(tc.p, sun, loc, 2)
			if len(got) != 2 || got[0] != tc.previous[0] || got[1] != tc.previous[1] {
				t.Errorf("previous = %v, want %v", got, tc.previous)
			}
		})
	}
	// ISO weeks cross years: 2027-01-01 is in 2026-W53.
	if got := PeriodKey(domain.PeriodWeek, time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), time.UTC); got != "2026-W53" {
		t.Errorf("ISO week across the year = %s", got)
	}
}

func TestDecide(t *testing.T) {
	periodStart := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	before := periodStart.Add(-48 * time.Hour)
	cause := Finding{Policy: "stale", Since: before.Add(-24 * time.Hour)}
	newCause := Finding{Policy: "stale", Since: before.Add(time.Hour)}
	tests := []struct {
		name    string
		latest  *domain.Reminder
		f       Finding
		create  bool
		ignored int
	}{
		{"first reminder", nil, cause, true, 0},
		{"earlier still pending", &domain.Reminder{Status: domain.ReminderPending}, cause, false, 0},
		{"earlier snoozed", &domain.Reminder{Status: domain.ReminderSnoozed, SnoozedUntil: ptr(periodStart.Add(time.Hour))}, cause, false, 0},
		{"re-sent after a snooze in this period", &domain.Reminder{Status: domain.ReminderSent, SentAt: ptr(periodStart.Add(time.Hour))}, cause, false, 0},
		{"sent last period, cause outlived it: ignored", &domain.Reminder{Status: domain.ReminderSent, SentAt: &before, IgnoredCount: 1}, cause, true, 2},
		{"escalated last period, still ignored", &domain.Reminder{Status: domain.ReminderEscalated, SentAt: &before, IgnoredCount: 2}, cause, true, 3},
		{"sent last period, the AE acted since: a new cause", &domain.Reminder{Status: domain.ReminderSent, SentAt: &before, IgnoredCount: 1}, newCause, true, 0},
		{"resolved: starts over", &domain.Reminder{Status: domain.ReminderResolved, IgnoredCount: 3}, cause, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.latest, tc.f, periodStart)
			if d.Create != tc.create || d.Ignored != tc.ignored {
				t.Fatalf("Decide = %+v, want create=%v ignored=%d", d, tc.create, tc.ignored)
			}
			if !d.Create && d.Why == "" {
				t.Error("a skipped creation must say why")
			}
		})
	}
}

func TestEscalatesAndSnoozes(t *testing.T) {
	p := domain.ReminderPolicy{EscalateAfter: 2}
	for ignored, want := range []bool{false, false, true, true} {
		if got := Escalates(p, ignored); got != want {
			t.Errorf("Escalates(after 2, %d) = %v", ignored, got)
		}
	}
	if Escalates(domain.ReminderPolicy{}, 10) {
		t.Error("escalate_after 0 never escalates")
	}
	for key, want := range map[string]time.Duration{"1d": 24 * time.Hour, "3d": 72 * time.Hour, "1w": 168 * time.Hour} {
		if got, ok := SnoozeDuration(key); !ok || got != want {
			t.Errorf("SnoozeDuration(%s) = %v %v", key, got, ok)
		}
	}
	if _, ok := SnoozeDuration("2y"); ok {
		t.Error("unknown snooze accepted")
	}
}
