package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// flakyPublisher accepts every batch except those holding an entry whose detail names the
// failing lead, and records what it accepted.
type flakyPublisher struct {
	mu       sync.Mutex
	fail     string
	accepted map[string]int
}

func (p *flakyPublisher) Publish(_ context.Context, entries []events.Entry) ([]string, error) {
	if len(entries) > 10 {
		return nil, fmt.Errorf("PutEvents takes at most 10 entries, got %d", len(entries))
	}
	for _, e := range entries {
		var d struct{ LeadID string }
		_ = json.Unmarshal([]byte(e.Detail), &d)
		if d.LeadID == p.fail {
			return nil, errors.New("bus unavailable")
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]string, len(entries))
	for i, e := range entries {
		var d struct{ LeadID string }
		_ = json.Unmarshal([]byte(e.Detail), &d)
		p.accepted[d.LeadID]++
		ids[i] = d.LeadID
	}
	return ids, nil
}

// The relay sends its batches side by side; a batch the bus refuses stays pending for the next
// run while the others are marked published, and nothing is published twice.
func TestRelayOutboxMarksOnlyAcceptedBatches(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "dealflow.db"), sqlite.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 35 {
		id := fmt.Sprintf("lead-%02d", i)
		ev := store.OutboxEvent{DetailType: "Lead Received", Detail: json.RawMessage(fmt.Sprintf(`{"leadId":%q}`, id))}
		if _, err := st.CreateLead(ctx, domain.Lead{ID: id, Email: id + "@example.com", CreatedAt: clk.Now()}, ev); err != nil {
			t.Fatal(err)
		}
	}
	d := New(&platform.Deps{Store: st, Clock: clk})
	pub := &flakyPublisher{fail: "lead-12", accepted: map[string]int{}}
	n, err := d.RelayOutbox(ctx, pub, 100)
	if err == nil || n != 25 {
		t.Fatalf("first run: published %d, err %v; want 25 published (3 of 4 batches) and the bus error", n, err)
	}
	pending, _ := st.ListPendingOutbox(ctx, 100)
	if len(pending) != 10 {
		t.Fatalf("want the refused batch of 10 still pending, got %d", len(pending))
	}
	pub.fail = ""
	if n, err := d.RelayOutbox(ctx, pub, 100); err != nil || n != 10 {
		t.Fatalf("second run: published %d, err %v; want the 10 left", n, err)
	}
	for i := range 35 {
		if got := pub.accepted[fmt.Sprintf("lead-%02d", i)]; got != 1 {
			t.Errorf("lead-%02d published %d times, want once", i, got)
		}
	}
}
