package domain

import "time"

// ReminderStatus is the life of one follow-up reminder.
type ReminderStatus string

const (
	ReminderPending   ReminderStatus = "pending"   // due, not yet sent
	ReminderSnoozed   ReminderStatus = "snoozed"   // the rep asked to be reminded later
	ReminderSent      ReminderStatus = "sent"      // delivered, waiting for the rep to act
	ReminderResolved  ReminderStatus = "resolved"  // the cause went away (activity logged, stage moved)
	ReminderEscalated ReminderStatus = "escalated" // ignored too often; the manager was told
)

// Open reports whether the reminder may still need to be sent.
func (s ReminderStatus) Open() bool { return s == ReminderPending || s == ReminderSnoozed }

// Reminder is one follow-up owed by a rep on a deal because a policy fired in a period. The
// (deal, policy, period key) triple is unique, which is what keeps reminders from repeating.
type Reminder struct {
	ID           string         `json:"id"`
	DealID       string         `json:"dealId"`
	HandoffID    string         `json:"handoffId,omitempty"` // for "handoff not accepted"
	RepID        string         `json:"repId"`
	Policy       string         `json:"policy"`    // policy name from the org file
	PeriodKey    string         `json:"periodKey"` // e.g. "2026-W48" or "2026-11-26"
	Reason       string         `json:"reason,omitempty"`
	DueAt        time.Time      `json:"dueAt"`
	Status       ReminderStatus `json:"status"`
	SnoozedUntil *time.Time     `json:"snoozedUntil,omitempty"`
	SentAt       *time.Time     `json:"sentAt,omitempty"`
	IgnoredCount int            `json:"ignoredCount"`
	CreatedAt    time.Time      `json:"createdAt"`
	UpdatedAt    time.Time      `json:"updatedAt"`
	Version      int64          `json:"version"`
}

// NextDueAt is when the reminder should next go out: its due time, or the end of a snooze.
func (r Reminder) NextDueAt() time.Time {
	if r.Status == ReminderSnoozed && r.SnoozedUntil != nil && r.SnoozedUntil.After(r.DueAt) {
		return *r.SnoozedUntil
	}
	return r.DueAt
}
