// Package storetest is the Store conformance suite. Every adapter's test file calls RunTests; new
// behaviour is added here, never to one adapter's tests, so the local runtime and AWS agree.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/store"
)

// NewStore returns an empty store that takes its time from clk. The suite owns clk so it can test
// idempotency-key expiry and outbox timestamps without sleeping.
type NewStore func(t *testing.T, clk clock.Clock) store.Store

// Option adjusts the suite to a backend's documented limits.
type Option func(*config)

type config struct {
	noTx     bool
	noTxWhy  string
	parallel int
}

// WithoutTransactions declares that the backend cannot run multi-item transactions (dynalite has
// no TransactWriteItems). The cases that need one are skipped with reason; all others run.
func WithoutTransactions(reason string) Option {
	return func(c *config) { c.noTx, c.noTxWhy = true, reason }
}

// Base is the fake clock's start: a Monday morning in November 2026.
var Base = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

type env struct {
	t   *testing.T
	s   store.Store
	clk *clock.Fake
	ctx context.Context
	cfg config
}

// needsTx marks a case that only works with multi-item transactions and says which write needs one.
func (e *env) needsTx(what string) {
	e.t.Helper()
	if e.cfg.noTx {
		e.t.Skipf("needs a transaction (%s); %s", what, e.cfg.noTxWhy)
	}
}

type testCase struct {
	name string
	run  func(e *env)
}

// RunTests runs every conformance case against fresh stores made by newStore.
func RunTests(t *testing.T, newStore NewStore, opts ...Option) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	groups := [][]testCase{leadCases, accountCases, dealCases, activityCases, handoffCases,
		reminderCases, onboardingCases, digestCases, idempotencyCases, counterCases, outboxCases,
		paginationCases, concurrencyCases, identityCases}
	for _, g := range groups {
		for _, tc := range g {
			t.Run(tc.name, func(t *testing.T) {
				clk := clock.NewFake(Base)
				s := newStore(t, clk)
				t.Cleanup(func() { _ = s.Close() })
				tc.run(&env{t: t, s: s, clk: clk, ctx: context.Background(), cfg: cfg})
			})
		}
	}
}

// --- assertion helpers ---

func (e *env) ok(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

func (e *env) is(err, want error, what string) {
	e.t.Helper()
	if !errors.Is(err, want) {
		e.t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// fails asserts that an operation the store must refuse returned an error.
func (e *env) fails(err error, what string) {
	e.t.Helper()
	if err == nil {
		e.t.Fatalf("%s: succeeded, want an error", what)
	}
}

// same compares through JSON, the form every adapter stores, so time zones and nil-vs-empty
// differences that JSON cannot carry do not count.
func (e *env) same(got, want any, what string) {
	e.t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		e.t.Fatalf("%s:\n got  %s\n want %s", what, g, w)
	}
}

func (e *env) eq(got, want any, what string) {
	e.t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		e.t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// ids extracts ids for order assertions.
func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

// event builds an outbox event with a JSON detail naming the entity.
func event(detailType, id string) store.OutboxEvent {
	return store.OutboxEvent{DetailType: detailType, Detail: json.RawMessage(fmt.Sprintf(`{"id":%q}`, id))}
}

// pending returns the detail types and entity ids of every pending outbox event, oldest first.
func (e *env) pending() []string {
	e.t.Helper()
	evs, err := e.s.ListPendingOutbox(e.ctx, store.MaxPageSize)
	e.ok(err, "list pending outbox")
	out := make([]string, len(evs))
	for i, ev := range evs {
		var d struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(ev.Detail, &d)
		out[i] = ev.DetailType + ":" + d.ID
	}
	return out
}

func at(d time.Duration) time.Time { return Base.Add(d) }

func ptr[T any](v T) *T { return &v }

var errBoom = errors.New("boom: rejected by update function")
