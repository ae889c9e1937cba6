// Package events owns the event catalog (the EventBridge envelope and the detail types of the
// "dealflow" bus) and the on-disk formats of events/rules/*.json and events/schedules/*.json, which
// both the local runtime and the CDK stack read.
package events

import (
	"context"
	"encoding/json"
	"time"
)

const (
	// BusName is the custom bus every dealflow event goes to.
	BusName = "dealflow"
	// Source is the source of every event dealflow emits.
	Source = "dealflow"
)

// Detail types of the catalog (docs/EVENTS.md; the details are in details.go).
const (
	LeadReceived           = "Lead Received"
	LeadQualified          = "Lead Qualified"
	LeadDisqualified       = "Lead Disqualified"
	LeadRouted             = "Lead Routed"
	HandoffRequested       = "Handoff Requested"
	HandoffAccepted        = "Handoff Accepted"
	HandoffDeclined        = "Handoff Declined"
	HandoffExpired         = "Handoff Expired"
	DealCreated            = "Deal Created"
	DealStageChanged       = "Deal Stage Changed"
	DealClosedWon          = "Deal Closed Won"
	DealClosedLost         = "Deal Closed Lost"
	ActivityLogged         = "Activity Logged"
	ReminderDue            = "Reminder Due"
	ReminderSent           = "Reminder Sent"
	OnboardingStarted      = "Onboarding Started"
	OnboardingMilestoneDue = "Onboarding Milestone Due"
	OnboardingCompleted    = "Onboarding Completed"
	DigestSent             = "Digest Sent"
)

// Catalog lists every detail type, in the order docs/EVENTS.md gives them.
var Catalog = []string{
	LeadReceived, LeadQualified, LeadDisqualified, LeadRouted,
	HandoffRequested, HandoffAccepted, HandoffDeclined, HandoffExpired,
	DealCreated, DealStageChanged, DealClosedWon, DealClosedLost,
	ActivityLogged, ReminderDue, ReminderSent,
	OnboardingStarted, OnboardingMilestoneDue, OnboardingCompleted, DigestSent,
}

// Envelope is an event as EventBridge delivers it to targets.
// https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
type Envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       time.Time       `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// Entry is one PutEvents request entry (before the bus assigns id, time, account and region).
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html
type Entry struct {
	Source       string    `json:"Source"`
	DetailType   string    `json:"DetailType"`
	Detail       string    `json:"Detail"`
	Resources    []string  `json:"Resources,omitempty"`
	Time         time.Time `json:"Time,omitzero"`
	EventBusName string    `json:"EventBusName,omitempty"`
}

// Publisher is the events.Publisher port: EventBridge PutEvents on AWS, the local bus otherwise.
type Publisher interface {
	// Publish sends entries (at most 10 per call, as PutEvents allows) and returns their event ids.
	Publish(ctx context.Context, entries []Entry) ([]string, error)
}
