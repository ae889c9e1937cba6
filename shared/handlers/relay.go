package handlers

import (
	"context"
	"fmt"

	"github.com/dealflow/dealflow/shared/events"
)

// RelayOutbox publishes events written to the store's outbox (together with the change that
// caused them) and marks them published. At least once: a crash between publishing and marking
// publishes again, and every consumer dedupes by the detail's id.
func (d *Deps) RelayOutbox(ctx context.Context, pub events.Publisher, max int) (int, error) {
	pending, err := d.Store.ListPendingOutbox(ctx, max)
	if err != nil {
		return 0, fmt.Errorf("relay outbox: list: %w", err)
	}
	sent := 0
	for i := 0; i < len(pending); i += 10 { // PutEvents takes at most 10 entries
		batch := pending[i:min(i+10, len(pending))]
		entries := make([]events.Entry, len(batch))
		ids := make([]string, len(batch))
		for j, e := range batch {
			entries[j] = events.Entry{Source: events.Source, DetailType: e.DetailType, Detail: string(e.Detail), Time: e.CreatedAt, EventBusName: events.BusName}
			ids[j] = e.ID
		}
		if _, err := pub.Publish(ctx, entries); err != nil {
			return sent, fmt.Errorf("relay outbox: publish: %w", err)
		}
		if err := d.Store.MarkOutboxPublished(ctx, ids...); err != nil {
			return sent, fmt.Errorf("relay outbox: mark published: %w", err)
		}
		sent += len(batch)
	}
	return sent, nil
}

// Functions maps every function name (as used in statemachines/ placeholders, events/ targets
// and functions/<name>) to its handler. Both runtimes take handlers from here.
func Functions(d *Deps) map[string]any {
	return map[string]any{
		"qualify-lead":  d.QualifyLead,
		"route-lead":    d.RouteLead,
		"notify-owner":  d.NotifyOwner,
		"lead-fallback": d.LeadFallback,
	}
}
