package handlers

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/webhook"
)

// RelayOutbox publishes events written to the store's outbox (together with the change that
// caused them) and marks them published. At least once: a crash between publishing and marking
// publishes again, and every consumer dedupes by the detail's id.
func (d *Deps) RelayOutbox(ctx context.Context, pub events.Publisher, max int) (int, error) {
	d.relayMu.Lock()
	defer d.relayMu.Unlock()
	pending, err := d.Store.ListPendingOutbox(ctx, max)
	if err != nil {
		return 0, fmt.Errorf("relay outbox: list: %w", err)
	}
	// PutEvents takes at most 10 entries: the batches go out side by side (EventBridge promises
	// no order between events anyway: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html),
	// then one write marks every event whose batch was accepted.
	type result struct {
		ids []string
		err error
	}
	results := make([]result, (len(pending)+9)/10)
	var wg sync.WaitGroup
	for i := 0; i < len(pending); i += 10 {
		batch := pending[i:min(i+10, len(pending))]
		wg.Add(1)
		go func(r *result) {
			defer wg.Done()
			entries := make([]events.Entry, len(batch))
			ids := make([]string, len(batch))
			for j, e := range batch {
				entries[j] = e.Entry()
				ids[j] = e.ID
			}
			if _, err := pub.Publish(ctx, entries); err != nil {
				r.err = err
				return
			}
			r.ids = ids
		}(&results[i/10])
	}
	wg.Wait()
	var published []string
	var firstErr error
	for _, r := range results {
		published = append(published, r.ids...)
		if r.err != nil && firstErr == nil {
			firstErr = r.err
		}
	}
	if len(published) > 0 {
		if err := d.Store.MarkOutboxPublished(ctx, published...); err != nil {
			return 0, fmt.Errorf("relay outbox: mark published: %w", err)
		}
	}
	if firstErr != nil {
		return len(published), fmt.Errorf("relay outbox: publish: %w", firstErr)
	}
	return len(published), nil
}

// SweepResult says how many outbox events a sweep published.
type SweepResult struct {
	Published int `json:"published"`
}

// SweepOutbox publishes every pending outbox event (the scheduled safety net behind the relay
// that runs right after each write).
func (d *Deps) SweepOutbox(ctx context.Context) (SweepResult, error) {
	if d.Publisher == nil {
		return SweepResult{}, fmt.Errorf("sweep outbox: no event publisher configured")
	}
	total := 0
	for {
		n, err := d.RelayOutbox(ctx, d.Publisher, 100)
		total += n
		if err != nil || n < 100 {
			return SweepResult{Published: total}, err
		}
	}
}

// The registry is spelled out in function bodies, with no init() and no package-level table, so
// a Lambda main that names only its own handler (functions/<name>/main.go) links only that
// handler: the linker drops every method nothing reachable refers to (infra/README.md "One
// bootstrap per function"). The local runtime and the tests use the whole registry.

// Functions maps every function name (as used in statemachines/ placeholders, events/ targets
// and functions/<name>) to its handler. The local runtime takes handlers from here; each Lambda
// main names the same method (functions/functions_test.go checks they agree).
func Functions(d *Deps) map[string]any {
	out := map[string]any{}
	for _, set := range []func(d *Deps) map[string]any{leadFunctions, digestFunctions, handoffFunctions, onboardingFunctions, reminderFunctions} {
		for name, fn := range set(d) {
			if _, dup := out[name]; dup {
				panic("handlers: function " + name + " registered twice")
			}
			out[name] = fn
		}
	}
	return out
}

// HTTPSets are the route sets of HTTPHandlers; a Lambda main passes the sets that hold its
// routes (functions/functions_test.go checks every route of the function is covered).
func HTTPSets() []func(d *Deps, s *Secrets) map[string]http.HandlerFunc {
	return []func(d *Deps, s *Secrets) map[string]http.HandlerFunc{IntakeHTTP, DealsHTTP, HandoffHTTP, OnboardingHTTP, SnoozeHTTP}
}

// Secrets are the credentials HTTP handlers verify requests with (from env or Secrets Manager).
type Secrets struct {
	LeadSecrets []string
	HubSpot     webhook.HubSpotVerifier
	// LinkKey signs accept/decline, snooze and preference links.
	LinkKey []byte
	CRM     CRM
	// PublicURL is the scheme://host the API is reached at, for links and signed URIs.
	PublicURL string
}

// HTTPHandlers returns every HTTP handler keyed by route pattern (httpapi.Route.MuxPattern).
func HTTPHandlers(d *Deps, s *Secrets) map[string]http.HandlerFunc {
	out := map[string]http.HandlerFunc{}
	for _, set := range HTTPSets() {
		for p, h := range set(d, s) {
			if _, dup := out[p]; dup {
				panic("handlers: route " + p + " registered twice")
			}
			out[p] = h
		}
	}
	return out
}

func leadFunctions(d *Deps) map[string]any {
	return map[string]any{
		"qualify-lead":  d.QualifyLead,
		"route-lead":    d.RouteLead,
		"notify-owner":  d.NotifyOwner,
		"lead-fallback": d.LeadFallback,
		"outbox-relay":  d.SweepOutbox,
	}
}

// IntakeHTTP are the intake routes (HTTPHandlers; the intake Lambda).
func IntakeHTTP(d *Deps, s *Secrets) map[string]http.HandlerFunc {
	in := &Intake{Deps: d, LeadSecrets: s.LeadSecrets, HubSpot: s.HubSpot, CRM: s.CRM, PublicURL: s.PublicURL}
	return in.Handlers()
}
