// Package policy is the reminder policies' verdict, pure: whether a policy of the org file fires
// for a deal (activity, close date, next step) or an open handoff at an instant, in the owning
// rep's business days. The reminder sweep (shared/deal/reminder) and the digest's "needs
// attention" (shared/digest/metrics) both ask it, so the two lists are the same.
package policy

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
