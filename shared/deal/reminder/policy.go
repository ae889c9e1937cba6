// Package reminders decides which follow-up reminders an AE owes: the org file's reminder
// policies evaluated against a deal (activity, close date, next step) or an open handoff, in the
// AE's business days; one reminder per subject, policy and period; whether a new reminder counts
// an earlier one as ignored; and when a reminder may go out (only inside the AE's working hours).
// Everything here is pure: the current time and the AE's calendar are arguments.
package reminder

import (
	"fmt"
	"time"

	"github.com/dealflow/dealflow/shared/deal/reminder/policy"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/workhours"
)

// The policies' verdict lives in package policy (pure, shared with the digest's "needs
// attention"); these names keep the sweep's callers unchanged.
type (
	Subject = policy.Subject
	Finding = policy.Finding
)

// HandoffKey is the subject key of a handoff reminder.
func HandoffKey(handoffID string) string { return policy.HandoffKey(handoffID) }

// Applies reports whether a deal policy covers the deal (policy.Applies).
func Applies(p domain.ReminderPolicy, d domain.Deal) bool { return policy.Applies(p, d) }

// Evaluate reports whether policy p fires for s at now (policy.Evaluate).
func Evaluate(p domain.ReminderPolicy, s Subject, cal *workhours.Calendar, now time.Time) (Finding, bool) {
	return policy.Evaluate(p, s, cal, now)
}

// LastTouch is the deal's last touch (policy.LastTouch).
func LastTouch(d domain.Deal) time.Time { return policy.LastTouch(d) }

// StageEnteredAt is when the deal entered its current stage (policy.StageEnteredAt).
func StageEnteredAt(d domain.Deal) time.Time { return policy.StageEnteredAt(d) }

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
