package events

import "time"

// Meta is carried by every detail: the event's own id and when the thing happened (which may be
// earlier than the envelope time, e.g. a HubSpot event delivered late).
type Meta struct {
	ID         string    `json:"id"`
	OccurredAt time.Time `json:"occurredAt"`
}

type LeadReceivedDetail struct {
	Meta
	LeadID     string `json:"leadId"`
	Source     string `json:"source"`
	ExternalID string `json:"externalId,omitempty"`
}

type LeadQualifiedDetail struct {
	Meta
	LeadID         string `json:"leadId"`
	Score          int    `json:"score"`
	Classification string `json:"classification"` // mql or sql
}

type LeadDisqualifiedDetail struct {
	Meta
	LeadID string `json:"leadId"`
	Reason string `json:"reason"`
}

type LeadRoutedDetail struct {
	Meta
	LeadID      string `json:"leadId"`
	OwnerID     string `json:"ownerId"`
	Rule        string `json:"rule"`
	Explanation string `json:"explanation"`
}

type HandoffRequestedDetail struct {
	Meta
	HandoffID string    `json:"handoffId"`
	LeadID    string    `json:"leadId"`
	SDRID     string    `json:"sdrId"`
	AEID      string    `json:"aeId"`
	SLADueAt  time.Time `json:"slaDueAt"`
}

type HandoffAcceptedDetail struct {
	Meta
	HandoffID string `json:"handoffId"`
	LeadID    string `json:"leadId"`
	AEID      string `json:"aeId"`
	DealID    string `json:"dealId"`
}

type HandoffDeclinedDetail struct {
	Meta
	HandoffID string `json:"handoffId"`
	LeadID    string `json:"leadId"`
	AEID      string `json:"aeId"`
	Reason    string `json:"reason"`
}

type HandoffExpiredDetail struct {
	Meta
	HandoffID    string `json:"handoffId"`
	LeadID       string `json:"leadId"`
	AEID         string `json:"aeId"`
	ReassignedTo string `json:"reassignedTo,omitempty"`
}

type DealCreatedDetail struct {
	Meta
	DealID   string `json:"dealId"`
	OwnerID  string `json:"ownerId"`
	Pipeline string `json:"pipeline"`
	Stage    string `json:"stage"`
	LeadID   string `json:"leadId,omitempty"`
}

type DealStageChangedDetail struct {
	Meta
	DealID    string `json:"dealId"`
	OwnerID   string `json:"ownerId"`
	Pipeline  string `json:"pipeline"`
	FromStage string `json:"fromStage"`
	ToStage   string `json:"toStage"`
}

// DealClosedDetail is the detail of both Deal Closed Won and Deal Closed Lost.
type DealClosedDetail struct {
	Meta
	DealID      string `json:"dealId"`
	OwnerID     string `json:"ownerId"`
	AmountMinor int64  `json:"amountMinor"`
	Currency    string `json:"currency"`
	LostReason  string `json:"lostReason,omitempty"`
}

type ActivityLoggedDetail struct {
	Meta
	ActivityID string `json:"activityId"`
	Type       string `json:"type"`
	RepID      string `json:"repId"`
	DealID     string `json:"dealId,omitempty"`
	LeadID     string `json:"leadId,omitempty"`
}

type ReminderDueDetail struct {
	Meta
	ReminderID string `json:"reminderId"`
	DealID     string `json:"dealId"`
	RepID      string `json:"repId"`
	Policy     string `json:"policy"`
}

type ReminderSentDetail struct {
	Meta
	RepID       string   `json:"repId"`
	ReminderIDs []string `json:"reminderIds"`
	MessageID   string   `json:"messageId"`
}

type OnboardingStartedDetail struct {
	Meta
	OnboardingID string `json:"onboardingId"`
	DealID       string `json:"dealId"`
	CSMID        string `json:"csmId"`
}

type OnboardingMilestoneDueDetail struct {
	Meta
	OnboardingID string    `json:"onboardingId"`
	Milestone    string    `json:"milestone"`
	CSMID        string    `json:"csmId"`
	DueAt        time.Time `json:"dueAt"`
}

type OnboardingCompletedDetail struct {
	Meta
	OnboardingID string `json:"onboardingId"`
	DealID       string `json:"dealId"`
	CSMID        string `json:"csmId"`
}

type DigestSentDetail struct {
	Meta
	DigestID  string `json:"digestId"`
	ManagerID string `json:"managerId"`
	Period    string `json:"period"`
	MessageID string `json:"messageId"`
}
