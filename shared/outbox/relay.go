// Package outbox relays the events a write stored with it (the transactional outbox) to the bus:
// right after the write where the runtime can, and on a schedule as the safety net. Delivery is at
// least once; every consumer dedupes by the detail's id.
package outbox

import (
	"context"
	"fmt"
	"sync"

	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
)

// RelayOutbox publishes events written to the store's outbox (together with the change that
// caused them) and marks them published. At least once: a crash between publishing and marking
// publishes again, and every consumer dedupes by the detail's id.
func (d *Service) RelayOutbox(ctx context.Context, pub events.Publisher, max int) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
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

// Service publishes pending outbox events.
type Service struct {
	Store     store.Store
	Publisher events.Publisher
	// mu keeps one relay at a time per process (the relay loop and the scheduled sweep), so one
	// process never publishes an outbox event twice.
	mu sync.Mutex
}

// New builds the outbox relay from what the runtime provides.
func New(d *platform.Deps) *Service { return &Service{Store: d.Store, Publisher: d.Publisher} }

// Functions is the scheduled sweep by function name.
func Functions(s *Service) map[string]any { return map[string]any{"outbox-relay": s.SweepOutbox} }

// SweepResult says how many outbox events a sweep published.
type SweepResult struct {
	Published int `json:"published"`
}

// SweepOutbox publishes every pending outbox event (the scheduled safety net behind the relay
// that runs right after each write).
func (d *Service) SweepOutbox(ctx context.Context) (SweepResult, error) {
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
