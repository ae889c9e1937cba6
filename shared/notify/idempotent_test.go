package notify

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

type flakySender struct {
	fails int
	sent  []string
}

func (f *flakySender) Send(_ context.Context, m Message) (string, error) {
	if f.fails > 0 {
		f.fails--
		return "", errors.New("smtp: 421 service not available")
	}
	f.sent = append(f.sent, m.IdempotencyKey)
	return "msg-" + m.IdempotencyKey, nil
}

func TestIdempotentSendsOncePerKeyAndRetriesAfterAFailedSend(t *testing.T) {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "db"), sqlite.WithClock(clock.NewFake(time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	claim := func(ctx context.Context, k, v string) (string, bool, error) {
		return st.PutIdempotencyKey(ctx, k, v, 0)
	}
	f := &flakySender{fails: 1}
	m := Idempotent{Claim: claim, Release: st.ReleaseIdempotencyKey, Next: f}
	msg := Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "s", Text: "t", IdempotencyKey: "reminder:ae-1:2026-11-30"}
	ctx := context.Background()
	if _, err := m.Send(ctx, msg); err == nil {
		t.Fatal("the first send fails and must say so")
	}
	if _, err := m.Send(ctx, msg); err != nil {
		t.Fatalf("the retry must send: %v", err)
	}
	if _, err := m.Send(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if len(f.sent) != 1 {
		t.Fatalf("sent %d times, want once", len(f.sent))
	}
}
