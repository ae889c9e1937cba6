// Package handlers holds one file per function: the event → domain → result logic behind each
// Lambda function and each in-process task of the local runtime. No AWS types below this line:
// functions/<name>/main.go and local/server only wire these to their triggers.
package handlers

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/qualify"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/workflow"
)

// Deps are what the handlers need; both runtimes build one.
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
	// relayMu keeps one relay at a time per process (the relay loop and the scheduled sweep), so
	// one process never publishes an outbox event twice.
	relayMu sync.Mutex
	// Ledger keeps pool counters in memory when this process is the only one routing against the
	// store (the local runtime). nil = read the store at each pick (Lambdas).
	Ledger *routing.Ledger
	// LinkKey signs links in emails sent by functions (reminder snooze links); the same key as
	// Secrets.LinkKey. nil = such emails carry no links.
	LinkKey []byte
}

func (d *Deps) router() *routing.Router {
	return &routing.Router{Org: d.Org, Counters: d.Store, Available: d.Available, Ledger: d.Ledger}
}

func (d *Deps) logger() *slog.Logger {
	if d.Log != nil {
		return d.Log
	}
	return slog.Default()
}

func (d *Deps) from() string {
	if d.Org.Settings.EmailFrom != "" {
		return d.Org.Settings.EmailFrom
	}
	return "dealflow <noreply@dealflow.local>"
}

// Errors are named for the retry/catch decisions they drive: Step Functions sees the Go type name
// as the error name (aws-lambda-go lambda/errors.go), e.g. "ErrLeadNotFound".

// ErrLeadNotFound: the lead does not exist; retrying will not help.
type ErrLeadNotFound struct{ ID string }

func (e ErrLeadNotFound) Error() string { return fmt.Sprintf("lead %s not found", e.ID) }

// ErrStoreUnavailable: the store failed in a way that may pass; the workflow retries it.
type ErrStoreUnavailable struct{ Op string }

func (e ErrStoreUnavailable) Error() string { return "store unavailable: " + e.Op }

// ErrBadInput: the task input is malformed; a bug in the workflow, never retried.
type ErrBadInput struct{ Reason string }

func (e ErrBadInput) Error() string { return "bad input: " + e.Reason }

// ScoringModel turns the org file's scoring section into the qualify model.
func ScoringModel(s domain.ScoringModel) qualify.Model {
	m := qualify.Model{HalfLife: s.DecayHalfLife.Duration, MQL: s.Thresholds.MQL, SQL: s.Thresholds.SQL}
	for _, f := range s.Fit {
		m.Fit = append(m.Fit, qualify.FitRule{ID: f.ID, Points: f.Points, When: []qualify.Condition{condition(f.When)}})
	}
	for _, e := range s.Engagement {
		m.Engagement = append(m.Engagement, qualify.EngagementRule{ID: e.Activity, Activity: e.Activity, Points: e.Points, Max: e.Max})
	}
	if len(s.CompetitorDomains) > 0 {
		m.Disqualify = append(m.Disqualify, qualify.DisqualifyRule{ID: "competitor", Reason: "competitor",
			When: []qualify.Condition{{Field: "domain", In: s.CompetitorDomains}}})
	}
	for _, r := range s.Disqualify {
		m.Disqualify = append(m.Disqualify, qualify.DisqualifyRule{ID: r.ID, Reason: r.Reason, When: []qualify.Condition{condition(r.When)}})
	}
	return m
}

// condition maps the org file's one-operator condition onto qualify's.
func condition(c domain.Condition) qualify.Condition {
	field := map[string]string{"email_domain": "emailDomain"}[c.Field]
	if field == "" {
		field = c.Field
	}
	q := qualify.Condition{Field: field, In: c.In, NotIn: c.NotIn, Min: c.Gte, Max: c.Lte}
	if c.Equals != "" {
		q.In = append(q.In, c.Equals)
	}
	if c.Contains != "" {
		q.Contains = []string{c.Contains}
	}
	if c.Missing {
		f := false
		q.Exists = &f
	}
	if c.FreeMail {
		q = qualify.Condition{Field: "freeMail", In: []string{"true"}}
	}
	return q
}

func trimJoin(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}
