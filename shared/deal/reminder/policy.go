// Package reminders decides which follow-up reminders an AE owes: the org file's reminder
// policies evaluated against a deal (activity, close date, next step) or an open handoff, in the
// AE's business days; one reminder per subject, policy and period; whether a new reminder counts
// an earlier one as ignored; and when a reminder may go out (only inside the AE's working hours).
// Everything here is pure: the current time and the AE's calendar are arguments.
package reminder

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/workhours"
)

// Subject is what a policy looks at: a deal, or (for handoff_not_accepted) an open handoff.
type Subject struct {
	Deal    *domain.Deal
	Handoff *domain.Handoff
}

// Key identifies the subject in the reminder's unique (DealID, Policy, PeriodKey) key: the deal
// id, or "handoff:<id>" for a handoff that has no deal yet.
func (s Subject) Key() string {
	if s.Deal != nil {
		return s.Deal.ID
	}
	if s.Handoff != nil {
		return HandoffKey(s.Handoff.ID)
	}
	return ""
}

// HandoffKey is the subject key of a handoff reminder.
func HandoffKey(handoffID string) string { return "handoff:" + handoffID }

// Finding is a policy that fires for a subject.
type Finding struct {
	Policy string
	// Since is when the cause began: the last touch for no_activity, the end of the close date
	// for close_date_past, the stage entry for no_next_step, the SLA due time for a handoff. A
	// reminder sent after Since that the cause outlived was ignored.
	Since time.Time
	// Reason is a plain English explanation for logs and the console; emails render their own
	// text from the trigger in the recipient's language.
	Reason string
}

// Applies reports whether a deal policy covers the deal: an open deal in the policy's pipeline
// (any when unset) and in one of its stages (any open stage when unset).
func Applies(p domain.ReminderPolicy, d domain.Deal) bool {
	if !d.IsOpen() {
		return false
	}
	if p.Pipeline != "" && p.Pipeline != d.Pipeline {
		return false
	}
	return len(p.Stages) == 0 || slices.Contains(p.Stages, d.Stage)
}

// Evaluate reports whether policy p fires for s at now, with cal the owning AE's calendar
// (business days skip their weekends, holidays and days out of office).
func Evaluate(p domain.ReminderPolicy, s Subject, cal *workhours.Calendar, now time.Time) (Finding, bool) {
	f := Finding{Policy: p.ID}
	var due time.Time
	switch p.Trigger {
	case domain.TriggerHandoffNotAccepted:
		h := s.Handoff
		if h == nil || !h.Status.Open() || h.SLADueAt.IsZero() {
			return f, false
		}
		f.Since = h.SLADueAt
		due = cal.AddBusinessDays(h.SLADueAt, p.BusinessDays)
		f.Reason = fmt.Sprintf("handoff not accepted; SLA was due %s", h.SLADueAt.UTC().Format(time.RFC3339))
	case domain.TriggerNoActivity, domain.TriggerCloseDatePast, domain.TriggerNoNextStep:
		if s.Deal == nil || !Applies(p, *s.Deal) {
			return f, false
		}
		d := s.Deal
		switch p.Trigger {
		case domain.TriggerNoActivity:
			f.Since = LastTouch(*d)
			due = cal.AddBusinessDays(f.Since, p.BusinessDays)
			f.Reason = fmt.Sprintf("no activity for %d business days (last touch %s)", p.BusinessDays, f.Since.UTC().Format(time.RFC3339))
		case domain.TriggerCloseDatePast:
			if d.CloseDate == nil {
				return f, false
			}
			// The close date is a calendar day; it is past once that day is over where the AE works.
			c := d.CloseDate.UTC()
			f.Since = time.Date(c.Year(), c.Month(), c.Day()+1, 0, 0, 0, 0, cal.Location())
			due = cal.AddBusinessDays(f.Since, p.BusinessDays)
			f.Reason = fmt.Sprintf("close date %s is in the past", c.Format(time.DateOnly))
		case domain.TriggerNoNextStep:
			if strings.TrimSpace(d.NextStep) != "" {
				return f, false
			}
			f.Since = StageEnteredAt(*d)
			due = cal.AddBusinessDays(f.Since, p.BusinessDays)
			f.Reason = fmt.Sprintf("no next step in stage %s", d.Stage)
		}
	default:
		return f, false
	}
	if due.IsZero() || now.Before(due) {
		return f, false
	}
	return f, true
}

// LastTouch is the latest of the deal's last activity, its entry into the current stage and its
// creation: moving a deal on is a touch too.
func LastTouch(d domain.Deal) time.Time {
	t := d.CreatedAt
	if e := StageEnteredAt(d); e.After(t) {
		t = e
	}
	if d.LastActivityAt != nil && d.LastActivityAt.After(t) {
		t = *d.LastActivityAt
	}
	return t
}

// StageEnteredAt is when the deal entered its current stage (its creation without a history).
func StageEnteredAt(d domain.Deal) time.Time {
	if n := len(d.StageHistory); n > 0 && d.StageHistory[n-1].Stage == d.Stage {
		return d.StageHistory[n-1].EnteredAt
	}
	return d.CreatedAt
}

// PeriodKey names the period containing t in loc: "2026-11-26" (day), "2026-W48" (ISO week),
// "2026-11" (month). An unset period means week, as the org file documents.
func PeriodKey(p domain.ReminderPeriod, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	switch p {
	case domain.PeriodDay:
		return t.Format(time.DateOnly)
	case domain.PeriodMonth:
		return t.Format("2006-01")
	default:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	}
}

// PeriodStart is the start of the period containing t in loc (local midnight; Monday for weeks).
func PeriodStart(p domain.ReminderPeriod, t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	switch p {
	case domain.PeriodDay:
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	case domain.PeriodMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	default:
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, loc)
	}
}

// PreviousPeriods returns the keys of the n periods before the one containing t, newest first:
// where the latest earlier reminder of a subject and policy is looked for.
func PreviousPeriods(p domain.ReminderPeriod, t time.Time, loc *time.Location, n int) []string {
	out := make([]string, 0, n)
	start := PeriodStart(p, t, loc)
	for range n {
		start = PeriodStart(p, start.Add(-time.Nanosecond), loc)
		out = append(out, PeriodKey(p, start, loc))
	}
	return out
}

// Lookback is how many earlier periods hold a reminder that may still matter: one that is
// snoozed (at most a week) or was sent in the current period.
func Lookback(p domain.ReminderPeriod) int {
	switch p {
	case domain.PeriodDay:
		return 8
	default:
		return 2
	}
}

// Decision says what to do about a policy that fires in the current period.
type Decision struct {
	Create bool
	// Ignored is how many reminders before this one the AE let pass while the cause lasted.
	Ignored int
	// Why explains a skipped creation.
	Why string
}

// Decide is the dedupe rule. latest is the newest earlier reminder for the same subject and
// policy (nil when none): while it is still owed (pending or snoozed), or went out during the
// current period (a snoozed one re-sent), no new reminder is created, so one cause reaches the AE
// at most once per period unless they asked to be reminded again. A new reminder counts latest as
// ignored when latest went out and the cause began before it did.
func Decide(latest *domain.Reminder, f Finding, periodStart time.Time) Decision {
	if latest == nil {
		return Decision{Create: true}
	}
	switch latest.Status {
	case domain.ReminderPending, domain.ReminderSnoozed:
		return Decision{Why: "an earlier reminder is still owed (" + string(latest.Status) + ")"}
	case domain.ReminderSent, domain.ReminderEscalated:
		if latest.SentAt != nil && !latest.SentAt.Before(periodStart) {
			return Decision{Why: "already reminded in this period"}
		}
		if latest.SentAt != nil && !f.Since.After(*latest.SentAt) {
			return Decision{Create: true, Ignored: latest.IgnoredCount + 1}
		}
	}
	return Decision{Create: true}
}

// Escalates reports whether a reminder with this many ignored predecessors copies the manager.
func Escalates(p domain.ReminderPolicy, ignored int) bool {
	return p.EscalateAfter > 0 && ignored >= p.EscalateAfter
}

// Snooze lengths offered in reminder emails.
var Snoozes = []struct {
	Key      string
	Duration time.Duration
}{
	{"1d", 24 * time.Hour},
	{"3d", 3 * 24 * time.Hour},
	{"1w", 7 * 24 * time.Hour},
}

// SnoozeDuration returns the length of a snooze key ("1d", "3d", "1w").
func SnoozeDuration(key string) (time.Duration, bool) {
	for _, s := range Snoozes {
		if s.Key == key {
			return s.Duration, true
		}
	}
	return 0, false
}

// Policy returns the org's policy by id.
func Policy(org *domain.Org, id string) (domain.ReminderPolicy, bool) {
	for _, p := range org.ReminderPolicies {
		if p.ID == id {
			return p, true
		}
	}
	return domain.ReminderPolicy{}, false
}
