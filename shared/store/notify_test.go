package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

func TestAfterEventsRunsOnlyAfterCommittedWritesWithEvents(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "db"), sqlite.WithClock(clock.NewFake(time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	calls := 0
	s := store.AfterEvents(st, func(context.Context) { calls++ })
	ctx := context.Background()
	ev := store.OutboxEvent{DetailType: "Lead Received", Detail: []byte(`{}`)}
	if _, err := s.CreateLead(ctx, domain.Lead{ID: "l1", Email: "a@b.de"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateLead(ctx, domain.Lead{ID: "l2", Email: "c@d.de"}, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateLead(ctx, domain.Lead{ID: "l2", Email: "c@d.de"}, ev); err == nil {
		t.Fatal("a duplicate create must fail")
	}
	if _, err := s.UpdateLead(ctx, "l1", func(l domain.Lead) (domain.Lead, error) { return l, nil }, ev); err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Fatalf("hook ran %d times; want 2 (one per committed write that carried events)", calls)
	}
}
