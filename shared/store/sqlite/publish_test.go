package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// fakeBus records what it publishes in a table of the store's file, inside the store's
// transaction, and what ran after the commit.
type fakeBus struct {
	refuse   string // detail type it refuses at Prepare
	failNext bool   // Write fails after writing a row
	mu       sync.Mutex
	after    []string
}

type fakeBatch struct {
	b       *fakeBus
	entries []events.Entry
}

func (f *fakeBus) PrepareOutbox(entries []events.Entry) (sqlite.OutboxBatch, error) {
	return fakeBatch{f, entries}, nil
}

func (b fakeBatch) Accepted(i int) bool { return b.entries[i].DetailType != b.b.refuse }

func (b fakeBatch) Write(ctx context.Context, tx *sql.Tx) (func(), error) {
	var types []string
	for i, e := range b.entries {
		if !b.Accepted(i) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO published (detail_type) VALUES (?)`, e.DetailType); err != nil {
			return nil, err
		}
		types = append(types, e.DetailType)
	}
	if b.b.failNext {
		return nil, errors.New("bus unavailable")
	}
	return func() {
		b.b.mu.Lock()
		b.b.after = append(b.b.after, types...)
		b.b.mu.Unlock()
	}, nil
}

func publishStore(t *testing.T) (*sqlite.Store, *fakeBus) {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "pub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.DB().Exec(`CREATE TABLE published (detail_type TEXT)`); err != nil {
		t.Fatal(err)
	}
	f := &fakeBus{refuse: "Refused"}
	s.SetPublisher(f)
	return s, f
}

func count(t *testing.T, s *sqlite.Store, q string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func lead(id string) domain.Lead {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	return domain.Lead{ID: id, Source: "api", Email: id + "@acme.example", CreatedAt: now, UpdatedAt: now}
}

// With a publisher, a write's outbox events are published in its own transaction (recorded as
// published, nothing left for the relay) and what the bus starts runs after the commit.
func TestWritesPublishTheirOutboxInTheirTransaction(t *testing.T) {
	ctx := context.Background()
	s, f := publishStore(t)
	if _, err := s.CreateLead(ctx, lead("l1"),
		store.OutboxEvent{ID: "e1", DetailType: "Lead Received", Detail: []byte(`{"leadId":"l1"}`)},
		store.OutboxEvent{ID: "e2", DetailType: "Refused", Detail: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM published WHERE detail_type = 'Lead Received'`); n != 1 {
		t.Fatalf("published %d Lead Received; want 1", n)
	}
	if len(f.after) != 1 || f.after[0] != "Lead Received" {
		t.Fatalf("after the commit ran for %v; want [Lead Received]", f.after)
	}
	pending, err := s.ListPendingOutbox(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 || pending[0].ID != "e2" {
		t.Fatalf("pending outbox %+v; want only the refused event e2, left for the relay", pending)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM store_outbox WHERE published_at IS NOT NULL`); n != 1 {
		t.Fatalf("%d outbox rows recorded as published; want 1", n)
	}

	// An event id already in the outbox is still refused as a duplicate, and nothing is published.
	if _, err := s.CreateLead(ctx, lead("l2"), store.OutboxEvent{ID: "e1", DetailType: "Lead Received", Detail: []byte(`{}`)}); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("duplicate event id: err %v", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM published`); n != 1 {
		t.Fatalf("%d events published after a refused write; want 1", n)
	}
	if len(f.after) != 1 {
		t.Fatalf("after ran for a rolled-back write: %v", f.after)
	}
}

// If the bus cannot write the events, their part of the transaction is undone, the write still
// succeeds, and the events wait for the relay: nothing accepted is lost.
func TestOutboxFallsBackToTheRelayWhenTheBusFails(t *testing.T) {
	ctx := context.Background()
	s, f := publishStore(t)
	f.failNext = true
	if _, err := s.CreateLead(ctx, lead("l1"), store.OutboxEvent{ID: "e1", DetailType: "Lead Received", Detail: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetLead(ctx, "l1"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM published`); n != 0 {
		t.Fatalf("the failed bus write left %d rows", n)
	}
	if len(f.after) != 0 {
		t.Fatalf("after ran: %v", f.after)
	}
	pending, err := s.ListPendingOutbox(ctx, 10)
	if err != nil || len(pending) != 1 || pending[0].ID != "e1" {
		t.Fatalf("pending %+v, %v; want e1 for the relay", pending, err)
	}
}

// The relay is woken only by writes that left events for it.
func TestOnPendingOutboxOnlyForEventsLeftPending(t *testing.T) {
	ctx := context.Background()
	s, _ := publishStore(t)
	wakes := 0
	s.OnPendingOutbox(func() { wakes++ })
	if _, err := s.CreateLead(ctx, lead("l1"), store.OutboxEvent{ID: "e1", DetailType: "Lead Received", Detail: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if wakes != 0 {
		t.Fatalf("woken %d times for a published event", wakes)
	}
	if _, err := s.CreateLead(ctx, lead("l2"), store.OutboxEvent{ID: "e2", DetailType: "Refused", Detail: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if wakes != 1 {
		t.Fatalf("woken %d times after an event was left pending; want 1", wakes)
	}
	s.SetPublisher(nil)
	if _, err := s.UpdateLead(ctx, "l1", func(l domain.Lead) (domain.Lead, error) { return l, nil },
		store.OutboxEvent{ID: "e3", DetailType: "Lead Routed", Detail: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if wakes != 2 {
		t.Fatalf("woken %d times without a publisher; want 2", wakes)
	}
}
