package onboarding

import (
	"errors"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/workhours"
)

func calendar(t *testing.T, holidays ...string) *workhours.Calendar {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	day := domain.DayHours{{Start: 9 * 60, End: 12 * 60}, {Start: 13 * 60, End: 17 * 60}}
	week := domain.WorkingHours{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day, Sat: domain.DayHours{}, Sun: domain.DayHours{}}
	var off []domain.CalendarDate
	for _, h := range holidays {
		d, _ := domain.ParseCalendarDate(h)
		off = append(off, d)
	}
	c, err := workhours.New(loc, week, off)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

var standard = domain.OnboardingPlan{ID: "standard", Default: true, EscalateAfterBusinessDays: 2, Milestones: []domain.Milestone{
	{ID: "welcome", Name: "Welcome", OffsetBusinessDays: 0},
	{ID: "kickoff", Name: "Kickoff", OffsetBusinessDays: 3},
	{ID: "setup", Name: "Technical setup", OffsetBusinessDays: 10},
}}

func TestSelectPlan(t *testing.T) {
	org := &domain.Org{
		Segments: []domain.Segment{{ID: "smb", MinEmployees: 1, MaxEmployees: 199}, {ID: "enterprise", MinEmployees: 1000}},
		OnboardingPlans: []domain.OnboardingPlan{
			{ID: "light", Segments: []string{"smb"}},
			standard,
			{ID: "white-glove", Segments: []string{"enterprise"}},
		},
	}
	for _, tc := range []struct {
		employees int
		want      string
	}{{50, "light"}, {5000, "white-glove"}, {500, "standard"}, {0, "standard"}} {
		t.Run(tc.want, func(t *testing.T) {
			p, ok := SelectPlan(org, tc.employees)
			if !ok || p.ID != tc.want {
				t.Fatalf("SelectPlan(%d) = %s, want %s", tc.employees, p.ID, tc.want)
			}
		})
	}
	if _, ok := SelectPlan(&domain.Org{}, 10); ok {
		t.Error("an org without plans has none to select")
	}
}

func TestMilestonesUseTheCSMsBusinessDays(t *testing.T) {
	cal := calendar(t, "2026-12-24", "2026-12-25")
	tests := []struct {
		name string
		won  string
		dues []string
	}{
		{"won on a Tuesday morning", "2026-12-01 10:30", []string{"2026-12-01 10:30", "2026-12-04 10:30", "2026-12-15 10:30"}},
		{"won on Saturday: starts Monday 09:00", "2026-12-05 15:00", []string{"2026-12-07 09:00", "2026-12-10 09:00", "2026-12-21 09:00"}},
		{"won in the lunch break: starts 13:00", "2026-12-01 12:15", []string{"2026-12-01 13:00", "2026-12-04 13:00", "2026-12-15 13:00"}},
		{"holidays skipped", "2026-12-22 11:00", []string{"2026-12-22 11:00", "2026-12-29 11:00", "2027-01-07 11:00"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ms := Milestones(standard, cal, at(t, tc.won))
			if len(ms) != len(tc.dues) {
				t.Fatalf("%d milestones", len(ms))
			}
			for i, m := range ms {
				if want := at(t, tc.dues[i]); !m.DueAt.Equal(want) {
					t.Errorf("%s due %s, want %s", m.Key, m.DueAt.In(cal.Location()), want.In(cal.Location()))
				}
			}
		})
	}
}

func TestNext(t *testing.T) {
	cal := calendar(t)
	start := at(t, "2026-12-01 10:00")
	base := domain.Onboarding{ID: "o1", Status: domain.OnboardingActive, Milestones: Milestones(standard, cal, start)}
	mark := func(mut func(ms []domain.OnboardingMilestone)) domain.Onboarding {
		o := base
		o.Milestones = append([]domain.OnboardingMilestone(nil), base.Milestones...)
		mut(o.Milestones)
		return o
	}
	ts := func(s string) *time.Time { v := at(t, s); return &v }
	tests := []struct {
		name string
		o    domain.Onboarding
		plan domain.OnboardingPlan
		want Step
	}{
		{"first: remind at the welcome due time", base, standard, Step{ActionRemind, "welcome", at(t, "2026-12-01 10:00")}},
		{"welcome done early: kickoff next", mark(func(ms []domain.OnboardingMilestone) { ms[0].DoneAt = ts("2026-12-01 10:00") }), standard,
			Step{ActionRemind, "kickoff", at(t, "2026-12-04 10:00")}},
		{"welcome reminded: escalation 2 business days later comes before the kickoff", mark(func(ms []domain.OnboardingMilestone) { ms[0].RemindedAt = ts("2026-12-01 10:00") }), standard,
			Step{ActionEscalate, "welcome", at(t, "2026-12-03 10:00")}},
		{"welcome escalated: kickoff next", mark(func(ms []domain.OnboardingMilestone) {
			ms[0].RemindedAt, ms[0].EscalatedAt = ts("2026-12-01 10:00"), ts("2026-12-03 10:00")
		}), standard, Step{ActionRemind, "kickoff", at(t, "2026-12-04 10:00")}},
		{"no escalation in the plan", mark(func(ms []domain.OnboardingMilestone) {
			ms[0].RemindedAt = ts("2026-12-01 10:00")
		}), domain.OnboardingPlan{ID: "standard"}, Step{ActionRemind, "kickoff", at(t, "2026-12-04 10:00")}},
		{"everything escalated, something undone: stalled", mark(func(ms []domain.OnboardingMilestone) {
			for i := range ms {
				ms[i].RemindedAt, ms[i].EscalatedAt = ts("2026-12-01 10:00"), ts("2026-12-03 10:00")
			}
			ms[1].DoneAt = ts("2026-12-05 10:00")
		}), standard, Step{Action: ActionStalled}},
		{"all done", mark(func(ms []domain.OnboardingMilestone) {
			for i := range ms {
				ms[i].DoneAt = ts("2026-12-01 11:00")
			}
		}), standard, Step{Action: ActionDone}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Next(tc.o, tc.plan, cal)
			if got.Action != tc.want.Action || got.Milestone != tc.want.Milestone || !got.At.Equal(tc.want.At) {
				t.Fatalf("Next = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestComplete(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	o := domain.Onboarding{ID: "o1", Status: domain.OnboardingActive, Milestones: []domain.OnboardingMilestone{{Key: "a"}, {Key: "b"}}}
	o, done, err := Complete(o, "a", "felix", t0)
	if err != nil || done || o.Milestones[0].DoneAt == nil || o.Milestones[0].DoneBy != "felix" {
		t.Fatalf("first milestone: done=%v err=%v %+v", done, err, o.Milestones[0])
	}
	again, done, err := Complete(o, "a", "mia", t0.Add(time.Hour))
	if err != nil || done || !again.Milestones[0].DoneAt.Equal(t0) || again.Milestones[0].DoneBy != "felix" {
		t.Fatalf("completing twice must keep the first completion: %+v", again.Milestones[0])
	}
	o, done, err = Complete(o, "b", "felix", t0.Add(2*time.Hour))
	if err != nil || !done || o.Status != domain.OnboardingCompleted || !o.CompletedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("last milestone completes the onboarding: done=%v status=%s", done, o.Status)
	}
	if _, _, err := Complete(o, "zz", "felix", t0); !errors.Is(err, ErrUnknownMilestone) {
		t.Fatalf("unknown milestone: %v", err)
	}
}
