package domain

import "time"

// HandoffStatus is where an SDR→AE handoff stands.
type HandoffStatus string

const (
	// HandoffRequested is the only open status: an AE has been asked and has not answered.
	HandoffRequested  HandoffStatus = "requested"
	HandoffAccepted   HandoffStatus = "accepted"
	HandoffDeclined   HandoffStatus = "declined"
	HandoffExpired    HandoffStatus = "expired"
	HandoffWithdrawn  HandoffStatus = "withdrawn"
	HandoffReassigned HandoffStatus = "reassigned"
)

// Open reports whether the handoff still waits for the AE to answer.
func (s HandoffStatus) Open() bool { return s == HandoffRequested }

// HandoffAttempt is one AE being asked; a handoff that is declined or expires gets a new attempt
// with the next AE.
type HandoffAttempt struct {
	AEID       string        `json:"aeId"`
	AssignedAt time.Time     `json:"assignedAt"`
	SLADueAt   time.Time     `json:"slaDueAt"`
	EndedAt    *time.Time    `json:"endedAt,omitempty"`
	Outcome    HandoffStatus `json:"outcome,omitempty"` // accepted, declined, expired, withdrawn
	Reason     string        `json:"reason,omitempty"`
	RemindedAt *time.Time    `json:"remindedAt,omitempty"`
	// TaskToken is the token of the workflow step waiting for this AE's answer. It stays
	// server-side: links in emails carry the handoff id and attempt, never the token.
	TaskToken string `json:"taskToken,omitempty"`
	// Counted lists the routing-ledger counters charged for this assignment, credited back when
	// the AE declines or lets it expire.
	Counted []string `json:"counted,omitempty"`
}

// Handoff is an SDR handing a qualified lead to an AE, who must accept within the SLA.
type Handoff struct {
	ID            string             `json:"id"`
	LeadID        string             `json:"leadId"`
	SDRID         string             `json:"sdrId"`
	AEID          string             `json:"aeId"` // the AE currently asked
	Notes         QualificationNotes `json:"notes,omitzero"`
	Status        HandoffStatus      `json:"status"`
	RequestedAt   time.Time          `json:"requestedAt"`
	SLADueAt      time.Time          `json:"slaDueAt"`
	AcceptedAt    *time.Time         `json:"acceptedAt,omitempty"`
	AcceptedBy    string             `json:"acceptedBy,omitempty"`
	DeclineReason string             `json:"declineReason,omitempty"`
	DealID        string             `json:"dealId,omitempty"` // the deal created on accept
	// OverrideReason is why the SDR handed off a disqualified lead anyway (override: true).
	OverrideReason string           `json:"overrideReason,omitempty"`
	Attempts       []HandoffAttempt `json:"attempts,omitempty"`
	UpdatedAt      time.Time        `json:"updatedAt"`
	Version        int64            `json:"version"`
}
