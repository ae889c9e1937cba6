// Package platform is what a runtime hands the sales capabilities: the ports (store, mailer,
// bus, workflow engine, clock), the org file, and the credentials HTTP routes verify requests
// with. Both runtimes build one Deps — local/server in-process, functions/internal/lambdaenv
// on Lambda — and each capability's New takes from it only what that capability uses.
package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/webhook"
	"github.com/dealflow/dealflow/shared/workflow"
	"github.com/dealflow/dealflow/shared/workhours"
)

// Deps are what a runtime provides. A nil port means the runtime has none (e.g. a Lambda that
// sends no mail); the capabilities that need it are not wired into such a runtime.
type Deps struct {
	Store  store.Store
	Org    *domain.Org
	Clock  clock.Clock
	Mailer notify.Mailer
	// Slack posts to a Slack incoming webhook when the org configures one; nil = no Slack.
	Slack notify.Slack
	Log   *slog.Logger
	// Publisher puts events on the bus (EventBridge or the local bus).
	Publisher events.Publisher
	// Workflow starts executions and completes waiting tasks (Step Functions or the local engine).
	Workflow workflow.Engine
	// Available reports whether a rep is working at t (working hours, holidays); nil = always.
	Available func(rep *domain.Rep, t time.Time) bool
	// Ledger keeps pool counters in memory when this process is the only one routing against the
	// store (the local runtime). nil = read the store at each pick (Lambdas).
	Ledger *routing.Ledger

	// LeadSecrets verify Dealflow-Signature on signed API routes (several while rotating).
	LeadSecrets []string
	// HubSpot verifies X-HubSpot-Signature on the HubSpot webhook.
	HubSpot webhook.HubSpotVerifier
	// CRM reads what a HubSpot webhook does not carry; nil = use only what the webhook sent.
	CRM CRM
	// LinkKey signs accept/decline, snooze and preference links; nil = emails carry no links.
	LinkKey []byte
	// PublicURL is the scheme://host the API is reached at, for links and signed URIs.
	PublicURL string
	// PhoneE164 formats phone numbers as E.164 (shared/phone.E164) where leads are taken in;
	// nil keeps them as sent. Only those runtimes link the phone metadata (its initialiser
	// costs ~20 ms of every cold start that links it).
	PhoneE164 func(raw, region string) (string, bool)
}

// CRM reads what a HubSpot webhook does not carry (a contact's properties). It is a port: the
// HubSpot API client on AWS, a fake in tests.
type CRM interface {
	Contact(ctx context.Context, contactID int64) (map[string]string, error)
}

// Logger is d.Log, or the default logger when none is set.
func (d *Deps) Logger() *slog.Logger {
	if d != nil && d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

// Router is the routing engine over the org file, the store's counters and rep availability.
func (d *Deps) Router() *routing.Router {
	return &routing.Router{Org: d.Org, Counters: d.Store, Available: d.Available, Ledger: d.Ledger}
}

// From is the sender of every email: the org's email_from or a local default.
func From(org *domain.Org) string {
	if org != nil && org.Settings.EmailFrom != "" {
		return org.Settings.EmailFrom
	}
	return "dealflow <noreply@dealflow.local>"
}

// Errors are named for the retry/catch decisions they drive: Step Functions sees the Go type
// name as the error name (aws-lambda-go lambda/errors.go), e.g. "ErrStoreUnavailable".

// ErrStoreUnavailable: the store failed in a way that may pass; the workflow retries it.
type ErrStoreUnavailable struct{ Op string }

func (e ErrStoreUnavailable) Error() string { return "store unavailable: " + e.Op }

// ErrBadInput: the task input is malformed; a bug in the workflow, never retried.
type ErrBadInput struct{ Reason string }

func (e ErrBadInput) Error() string { return "bad input: " + e.Reason }

// ErrLeadNotFound: the lead does not exist; retrying will not help.
type ErrLeadNotFound struct{ ID string }

func (e ErrLeadNotFound) Error() string { return fmt.Sprintf("lead %s not found", e.ID) }

// ErrRepNotFound: the rep is not in the org file (the file changed under a running workflow).
type ErrRepNotFound struct{ ID string }

func (e ErrRepNotFound) Error() string { return fmt.Sprintf("rep %s is not in the org file", e.ID) }

// RepCalendar is a rep of the org file with their working calendar (time zone, hours, holidays).
func RepCalendar(org *domain.Org, id string) (*domain.Rep, *workhours.Calendar, error) {
	rep, ok := org.Rep(id)
	if !ok {
		return nil, nil, ErrRepNotFound{ID: id}
	}
	cal, err := workhours.ForRep(org, *rep)
	if err != nil {
		return nil, nil, ErrBadInput{Reason: err.Error()}
	}
	return rep, cal, nil
}

// LoadLead reads a lead for a workflow task, naming the failure for the workflow's Retry/Catch:
// ErrBadInput without an id, ErrLeadNotFound when it is gone, ErrStoreUnavailable otherwise.
func LoadLead(ctx context.Context, st store.Store, log *slog.Logger, id string) (domain.Lead, error) {
	if id == "" {
		return domain.Lead{}, ErrBadInput{"leadId is required"}
	}
	l, err := st.GetLead(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return l, ErrLeadNotFound{ID: id}
	}
	if err != nil {
		log.Error("get lead failed", "lead_id", id, "error", err.Error())
		return l, ErrStoreUnavailable{Op: "get lead"}
	}
	return l, nil
}
