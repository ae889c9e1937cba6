package domain

import (
	"fmt"
	"time"
)

// DealStatus says whether a deal is still being worked.
type DealStatus string

const (
	DealOpen DealStatus = "open"
	DealWon  DealStatus = "won"
	DealLost DealStatus = "lost"
)

// StageEntry is one stay of a deal in a stage; ExitedAt is nil for the current stage.
type StageEntry struct {
	Stage     string     `json:"stage"`
	EnteredAt time.Time  `json:"enteredAt"`
	ExitedAt  *time.Time `json:"exitedAt,omitempty"`
}

// QualificationNotes are what an SDR hands over: the fields the org file requires (BANT, MEDDIC)
// and free text.
type QualificationNotes struct {
	Fields map[string]string `json:"fields,omitempty"`
	Text   string            `json:"text,omitempty"`
}

// Deal is an opportunity in a pipeline.
type Deal struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Source     string     `json:"source,omitempty"`     // "handoff", "api", "hubspot"
	ExternalID string     `json:"externalId,omitempty"` // e.g. the HubSpot deal id
	Pipeline   string     `json:"pipeline"`
	Stage      string     `json:"stage"`
	Status     DealStatus `json:"status"`
	Amount     Money      `json:"amount"`
	// CloseDate is the expected (or, once closed, actual) close date at midnight UTC.
	CloseDate  *time.Time `json:"closeDate,omitempty"`
	NextStep   string     `json:"nextStep,omitempty"`
	LostReason string     `json:"lostReason,omitempty"`

	OwnerID   string             `json:"ownerId"` // the AE
	TeamID    string             `json:"teamId,omitempty"`
	AccountID string             `json:"accountId,omitempty"`
	LeadID    string             `json:"leadId,omitempty"`
	HandoffID string             `json:"handoffId,omitempty"`
	SDRID     string             `json:"sdrId,omitempty"`
	SDRNotes  QualificationNotes `json:"sdrNotes,omitzero"`

	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      time.Time  `json:"updatedAt"`
	ClosedAt       *time.Time `json:"closedAt,omitempty"`
	LastActivityAt *time.Time `json:"lastActivityAt,omitempty"`

	StageHistory []StageEntry `json:"stageHistory,omitempty"`

	// ForecastCategory overrides the stage's default forecast category ("" = the default);
	// ForecastHistory keeps every override with its note.
	ForecastCategory ForecastCategory `json:"forecastCategory,omitempty"`
	ForecastHistory  []ForecastChange `json:"forecastHistory,omitempty"`

	// Splits credit shares of the deal to several reps for commission (empty: all to the owner).
	Splits []DealSplit `json:"splits,omitempty"`
	// ChurnedAt is when the customer of a won deal churned (commission clawback).
	ChurnedAt *time.Time `json:"churnedAt,omitempty"`

	Version int64 `json:"version"`
}

// IsOpen reports whether the deal is neither won nor lost.
func (d Deal) IsOpen() bool { return d.Status == DealOpen || d.Status == "" }

// EnterStage moves the deal to stage at time at, closing the current stage entry so the history
// has no gaps. Entering the stage the deal is already in does nothing.
func (d *Deal) EnterStage(stage string, at time.Time) error {
	if stage == "" {
		return fmt.Errorf("deal %s: empty stage", d.ID)
	}
	if n := len(d.StageHistory); n > 0 {
		cur := &d.StageHistory[n-1]
		if cur.ExitedAt == nil && cur.Stage == stage {
			return nil
		}
		if at.Before(cur.EnteredAt) {
			return fmt.Errorf("deal %s: stage %q entered at %s, before the current stage %q was entered (%s)",
				d.ID, stage, at.Format(time.RFC3339), cur.Stage, cur.EnteredAt.Format(time.RFC3339))
		}
		if cur.ExitedAt == nil {
			exited := at
			cur.ExitedAt = &exited
		}
	}
	d.Stage = stage
	d.StageHistory = append(d.StageHistory, StageEntry{Stage: stage, EnteredAt: at})
	return nil
}

// TimeInStages sums the time spent in each stage up to now (the open entry counts until now).
func (d Deal) TimeInStages(now time.Time) map[string]time.Duration {
	out := make(map[string]time.Duration, len(d.StageHistory))
	for _, e := range d.StageHistory {
		end := now
		if e.ExitedAt != nil {
			end = *e.ExitedAt
		}
		out[e.Stage] += end.Sub(e.EnteredAt)
	}
	return out
}
