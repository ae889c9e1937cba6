package dynamo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
	minidyn "github.com/truora/minidyn/aws-v2/client"
)

// Every committed write that stored events runs the hook — intake's CreateLeadClaiming included
// (a Lambda relays Lead Received with it instead of waiting for the sweeper) — and no other write.
func TestOnOutboxWrittenRunsAfterEveryCommittedWriteWithEvents(t *testing.T) {
	st := newTable(t, minidyn.NewClient(), clock.NewFake(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)))
	calls := 0
	var got []string
	st.OnOutboxWritten(func(_ context.Context, evs []store.OutboxEvent) {
		calls++
		for _, e := range evs {
			got = append(got, e.ID+" "+e.DetailType)
		}
	})
	ctx := context.Background()
	ev := func(id string) store.OutboxEvent {
		return store.OutboxEvent{ID: id, DetailType: "Lead Received", Detail: []byte(`{}`)}
	}
	steps := []struct {
		name  string
		run   func() error
		calls int
	}{
		{"create without events", func() error { _, err := st.CreateLead(ctx, domain.Lead{ID: "l1", Email: "a@b.de"}); return err }, 0},
		{"create claiming keys", func() error {
			_, _, err := st.CreateLeadClaiming(ctx, domain.Lead{ID: "l2", Email: "c@d.de"}, []string{"lead-email:c@d.de"}, ev("e2"))
			return err
		}, 1},
		{"update with events", func() error {
			_, err := st.UpdateLead(ctx, "l1", func(l domain.Lead) (domain.Lead, error) { l.Name = "A"; return l, nil }, ev("e3"))
			return err
		}, 2},
		{"deal with events", func() error {
			_, err := st.CreateDeal(ctx, domain.Deal{ID: "d1", Name: "D", OwnerID: "r"}, ev("e4"))
			return err
		}, 3},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if calls != s.calls {
			t.Fatalf("after %s the hook ran %d times; want %d", s.name, calls, s.calls)
		}
	}
	if _, err := st.CreateLead(ctx, domain.Lead{ID: "l2", Email: "c@d.de"}, ev("e5")); err == nil {
		t.Fatal("a duplicate create must fail")
	}
	if calls != 3 {
		t.Fatalf("a failed write ran the hook (%d calls)", calls)
	}
	// The hook is handed exactly the events each write stored, so the relay publishes them
	// without reading the pending index.
	if want := []string{"e2 Lead Received", "e3 Lead Received", "e4 Lead Received"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("hook saw %v, want %v", got, want)
	}
}
