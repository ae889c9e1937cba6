package domain

import "time"

// OnboardingStatus is the state of a customer's onboarding.
type OnboardingStatus string

const (
	OnboardingActive    OnboardingStatus = "active"
	OnboardingCompleted OnboardingStatus = "completed"
	OnboardingCancelled OnboardingStatus = "cancelled"
)

// OnboardingMilestone is one step of an onboarding plan with its due time.
type OnboardingMilestone struct {
	Key         string     `json:"key"` // stable id from the plan template, e.g. "kickoff"
	Name        string     `json:"name"`
	DueAt       time.Time  `json:"dueAt"`
	DoneAt      *time.Time `json:"doneAt,omitempty"`
	DoneBy      string     `json:"doneBy,omitempty"`
	RemindedAt  *time.Time `json:"remindedAt,omitempty"`
	EscalatedAt *time.Time `json:"escalatedAt,omitempty"`
}

// Onboarding is Customer Success taking over a won deal. There is at most one per deal.
type Onboarding struct {
	ID          string                `json:"id"`
	DealID      string                `json:"dealId"`
	AccountID   string                `json:"accountId,omitempty"`
	CSMID       string                `json:"csmId"`
	AEID        string                `json:"aeId,omitempty"`
	Plan        string                `json:"plan"` // plan template name from the org file
	HandoffNote string                `json:"handoffNote,omitempty"`
	Milestones  []OnboardingMilestone `json:"milestones"`
	Status      OnboardingStatus      `json:"status"`
	StartedAt   time.Time             `json:"startedAt"`
	CompletedAt *time.Time            `json:"completedAt,omitempty"`
	UpdatedAt   time.Time             `json:"updatedAt"`
	Version     int64                 `json:"version"`
}

// DigestRecord remembers that a manager's digest for a period went out, so a schedule firing
// twice or a retried workflow never sends a second one.
type DigestRecord struct {
	ManagerID string    `json:"managerId"`
	PeriodKey string    `json:"periodKey"` // e.g. "2026-W48"
	SentAt    time.Time `json:"sentAt"`
	MessageID string    `json:"messageId,omitempty"`
	Version   int64     `json:"version"`
}
