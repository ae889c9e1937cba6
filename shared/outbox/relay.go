// Package outbox relays the events a write stored with it (the transactional outbox) to the bus:
// right after the write where the runtime can, and on a schedule as the safety net. Delivery is at
// least once; every consumer dedupes by the detail's id.
package outbox

import (
	"context"
	"fmt"
	"sync"
	"time"

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
	return d.Publish(ctx, pub, pending)
}

// publishConcurrency bounds the PutEvents calls of one Publish in flight.
const publishConcurrency = 16

// Publish sends evs — the events one write just stored (dynamo.Store.OnOutboxWritten) or a page
// of the pending index — and marks those whose batch was accepted. It reads nothing, so the
// writer's relay costs one PutEvents and one mark per write, whatever the volume.
func (d *Service) Publish(ctx context.Context, pub events.Publisher, pending []store.OutboxEvent) (int, error) {
	// PutEvents takes at most 10 entries: the batches go out side by side (EventBridge promises
	// no order between events anyway: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html),
	// then one call marks every event whose batch was accepted.
	type result struct {
		ids []string
		err error
	}
	results := make([]result, (len(pending)+9)/10)
	var wg sync.WaitGroup
	sem := make(chan struct{}, publishConcurrency)
	for i := 0; i < len(pending); i += 10 {
		batch := pending[i:min(i+10, len(pending))]
		wg.Add(1)
		sem <- struct{}{}
		go func(r *result) {
			defer func() { <-sem; wg.Done() }()
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

// SweepPage is how many pending events one sweep round lists (across every shard).
const SweepPage = 500

// SweepBudget bounds one sweep: it stops starting rounds after this long (or 5 s before the
// context's deadline, the Lambda's timeout), so it never runs into its timeout mid-mark; the next
// scheduled sweep continues where it stopped.
const SweepBudget = 40 * time.Second

// SweepOutbox publishes pending outbox events (the scheduled repair path behind the relay that
// runs right after each write), in rounds of SweepPage within SweepBudget.
func (d *Service) SweepOutbox(ctx context.Context) (SweepResult, error) {
	if d.Publisher == nil {
		return SweepResult{}, fmt.Errorf("sweep outbox: no event publisher configured")
	}
	stop := time.Now().Add(SweepBudget)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-5*time.Second).Before(stop) {
		stop = dl.Add(-5 * time.Second)
	}
	total := 0
	for {
		n, err := d.RelayOutbox(ctx, d.Publisher, SweepPage)
		total += n
		if err != nil || n < SweepPage || !time.Now().Before(stop) {
			return SweepResult{Published: total}, err
		}
	}
}
