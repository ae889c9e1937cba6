package domain

import "time"

// ActivityType is the kind of sales touch a rep logged.
type ActivityType string

const (
	ActivityEmail        ActivityType = "email"
	ActivityCall         ActivityType = "call"
	ActivityMeeting      ActivityType = "meeting"
	ActivityNote         ActivityType = "note"
	ActivityProposalSent ActivityType = "proposal_sent"
)

// Valid reports whether t is one of the known activity types.
func (t ActivityType) Valid() bool {
	switch t {
	case ActivityEmail, ActivityCall, ActivityMeeting, ActivityNote, ActivityProposalSent:
		return true
	}
	return false
}

// Activity is one logged touch on a deal or a lead.
type Activity struct {
	ID        string       `json:"id"`
	Type      ActivityType `json:"type"`
	RepID     string       `json:"repId"`
	DealID    string       `json:"dealId,omitempty"`
	LeadID    string       `json:"leadId,omitempty"`
	At        time.Time    `json:"at"` // when it happened, not when it was logged
	Subject   string       `json:"subject,omitempty"`
	Notes     string       `json:"notes,omitempty"`
	CreatedAt time.Time    `json:"createdAt"`
	Version   int64        `json:"version"`
}

// MaxClockSkew is how far in the future a reported time (an activity's, a completion's) may be:
// clock drift between systems, not more.
const MaxClockSkew = 5 * time.Minute
