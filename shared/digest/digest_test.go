package digest

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/platform"
)

// digestFixture is newFixture with testdata/digest-org.yaml (team t1: manager mgr in Berlin, de-DE)
// and a few deals, with the clock on Monday 23 Nov 2026 08:00 in Berlin.
func digestFixture(t *testing.T) fixture {
	t.Helper()
	f := newFixture(t, loadDigestOrg(t), time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC))
	ctx := context.Background()
	for i, st := range []domain.DealStatus{domain.DealWon, domain.DealLost, domain.DealOpen} {
		created := time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)
		d := domain.Deal{ID: "d" + string(rune('1'+i)), Name: "Deal", TeamID: "t1", OwnerID: "ae1", Pipeline: "main", Status: st,
			Amount: domain.Money{AmountMinor: 100000, Currency: "EUR"}, CreatedAt: created}
		_ = d.EnterStage("discovery", created)
		if st != domain.DealOpen {
			closed := created.Add(48 * time.Hour)
			d.ClosedAt = &closed
		}
		if _, err := f.deps.Store.CreateDeal(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func loadDigestOrg(t testing.TB) *domain.Org {
	t.Helper()
	b, err := os.ReadFile("testdata/digest-org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	org, probs := config.Parse("testdata/digest-org.yaml", b)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	return org
}

func TestDigestIsSentAndRecordedOncePerPeriod(t *testing.T) {
	f := digestFixture(t)
	ctx := context.Background()
	req := DigestRequest{DigestID: "digest-mgr", Manager: "mgr", Period: "week", At: f.clock.Now()}
	plan, err := f.deps.PlanDigest(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if plan.PeriodKey != "2026-W47" || plan.AlreadySent {
		t.Fatalf("plan = %+v, want 2026-W47 not yet sent", plan)
	}
	// The workflow's Send retried (a timeout after the mail went out) and a second execution for
	// the same slot: one email.
	sent, err := digestSteps(t, f.deps, plan)
	if err != nil {
		t.Fatal(err)
	}
	again, err := digestSteps(t, f.deps, plan)
	if err != nil || again.MessageID != sent.MessageID {
		t.Fatalf("second send = %+v, %v; want the first message id %s", again, err, sent.MessageID)
	}
	if _, err := f.deps.RecordDigest(ctx, sent); err != nil {
		t.Fatal(err)
	}
	rec, err := f.deps.RecordDigest(ctx, sent)
	if err != nil || !rec.AlreadySent {
		t.Fatalf("second record = %+v, %v; want already sent", rec, err)
	}
	// A later execution in the same week plans nothing to do.
	f.clock.Advance(30 * time.Minute)
	req.At = f.clock.Now()
	if plan2, err := f.deps.PlanDigest(ctx, req); err != nil || !plan2.AlreadySent || plan2.MessageID != sent.MessageID {
		t.Fatalf("plan after sending = %+v, %v", plan2, err)
	}
	msgs, err := f.outbox.List(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0].Message
	// German manager: German subject with the headline numbers (1 won of 2 closed).
	if m.To[0] != "mgr@fixture.example" || !strings.Contains(m.Subject, "Woche 2026-W47") || !strings.Contains(m.Subject, "Abschlussquote 50\u00a0%") {
		t.Errorf("message to %v, subject %q", m.To, m.Subject)
	}
	// One Digest Sent event went to the outbox with the record.
	pending, err := f.deps.Store.ListPendingOutbox(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range pending {
		if e.DetailType == events.DigestSent {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d Digest Sent events, want 1", n)
	}
}

func TestDigestErrors(t *testing.T) {
	f := digestFixture(t)
	ctx := context.Background()
	tests := []struct {
		name string
		req  DigestRequest
		want any
	}{
		{"unknown manager", DigestRequest{Manager: "nobody", Period: "week", At: f.clock.Now()}, ErrManagerNotFound{}},
		{"rep who manages no team", DigestRequest{Manager: "ae1", Period: "week", At: f.clock.Now()}, ErrManagerNotFound{}},
		{"bad period", DigestRequest{Manager: "mgr", Period: "fortnight", At: f.clock.Now()}, platform.ErrBadInput{}},
		{"no time", DigestRequest{Manager: "mgr", Period: "week"}, platform.ErrBadInput{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.deps.PlanDigest(ctx, tc.req)
			switch tc.want.(type) {
			case ErrManagerNotFound:
				var e ErrManagerNotFound
				if !errors.As(err, &e) {
					t.Errorf("error %v, want ErrManagerNotFound", err)
				}
			case platform.ErrBadInput:
				var e platform.ErrBadInput
				if !errors.As(err, &e) {
					t.Errorf("error %v, want ErrBadInput", err)
				}
			}
		})
	}
}
