package eventbus

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/events"
)

// detailTypeMatcher stands in for the pattern compiler: {"detail-type": [X]} only.
type detailTypeMatcher string

func (m detailTypeMatcher) MatchValue(ev any) bool {
	return ev.(map[string]any)["detail-type"] == string(m)
}

func compileDetailType(p []byte) (Matcher, error) {
	var pat struct {
		DT []string `json:"detail-type"`
	}
	if err := json.Unmarshal(p, &pat); err != nil || len(pat.DT) != 1 {
		return nil, errors.New("test compiler takes only {\"detail-type\":[X]}")
	}
	return detailTypeMatcher(pat.DT[0]), nil
}

type call struct {
	rule, target string
	input        string
	eventID      string
}

type recorder struct {
	mu    sync.Mutex
	calls []call
	fail  map[string]int // target id → failures left
}

func (r *recorder) Invoke(ctx context.Context, rule string, t events.Target, in []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[t.ID] > 0 {
		r.fail[t.ID]--
		return errors.New("target unavailable")
	}
	r.calls = append(r.calls, call{rule, t.ID, string(in), EventID(ctx)})
	return nil
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func intp(i int) *int { return &i }

func openDBB(b *testing.B, path string) *sql.DB {
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

var testRules = []events.Rule{
	{Name: "lead-received", File: "events/rules/lead-received.json", EventPattern: json.RawMessage(`{"detail-type":["Lead Received"]}`),
		Targets: []events.Target{
			{ID: "whole", StateMachine: "lead-qualification"},
			{ID: "path", Function: "audit", InputPath: "$.detail"},
			{ID: "tpl", Function: "notify", InputTransformer: &events.InputTransformer{
				InputPathsMap: map[string]string{"lead": "$.detail.leadId", "src": "$.detail.source", "missing": "$.detail.nope"},
				InputTemplate: `{"lead": <lead>, "msg": "lead <lead> from <src> via <aws.events.rule-name>", "m": <missing>}`}},
		}},
	{Name: "deal-won", File: "events/rules/deal-won.json", EventPattern: json.RawMessage(`{"detail-type":["Deal Closed Won"]}`),
		Targets: []events.Target{{ID: "onboard", StateMachine: "cs-onboarding", DeadLetter: true,
			RetryPolicy: &events.RetryPolicy{MaximumRetryAttempts: intp(2), MaximumEventAgeInSeconds: intp(3600)}}}},
}

func newBus(t *testing.T, db *sql.DB, rec *recorder, clk clock.Clock) *Bus {
	t.Helper()
	b, err := New(db, testRules, compileDetailType, rec, WithClock(clk), WithBackoff(func(int) time.Duration { return time.Minute }))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPutEventsDeliversToEveryMatchingTargetWithItsInput(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	rec := &recorder{}
	b := newBus(t, openDB(t, filepath.Join(t.TempDir(), "db")), rec, clk)
	res, err := b.PutEvents(ctx, []events.Entry{
		{Source: "dealflow", DetailType: "Lead Received", Detail: `{"leadId":"l-1","source":"web \"form\""}`},
		{Source: "dealflow", DetailType: "Lead Received", Detail: `not json`},
		{Source: "dealflow", DetailType: "Nobody Listens", Detail: `{}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.FailedEntryCount != 1 || res.Entries[1].ErrorCode != "MalformedDetail" || res.Entries[0].EventID == "" {
		t.Fatalf("result = %+v", res)
	}
	if n, err := b.DeliverDue(ctx); err != nil || n != 3 {
		t.Fatalf("delivered %d, err %v; want 3 targets", n, err)
	}
	got := map[string]string{}
	for _, c := range rec.calls {
		got[c.target] = c.input
		if c.eventID != res.Entries[0].EventID {
			t.Errorf("target %s delivered with event id %q; want %s", c.target, c.eventID, res.Entries[0].EventID)
		}
	}
	var whole events.Envelope
	if err := json.Unmarshal([]byte(got["whole"]), &whole); err != nil || whole.ID != res.Entries[0].EventID || whole.DetailType != "Lead Received" || whole.Version != "0" {
		t.Errorf("whole event = %s", got["whole"])
	}
	if got["path"] != `{"leadId":"l-1","source":"web \"form\""}` {
		t.Errorf("InputPath input = %s", got["path"])
	}
	want := `{"lead": "l-1", "msg": "lead l-1 from web \"form\" via lead-received", "m": null}`
	if got["tpl"] != want {
		t.Errorf("InputTransformer input =\n %s\nwant\n %s", got["tpl"], want)
	}
	if n, _ := b.DeliverDue(ctx); n != 0 {
		t.Fatalf("delivered %d again; each delivery happens once", n)
	}
	arch, err := b.Archive(ctx, clk.Now().Add(-time.Hour), clk.Now().Add(time.Hour), 10)
	if err != nil || len(arch) != 2 || strings.Join(arch[0].Matched, ",")+"|"+strings.Join(arch[1].Matched, ",") != "lead-received|" {
		t.Fatalf("archive = %+v, %v", arch, err)
	}
}

func TestFailedDeliveryRetriesThenDeadLettersAndRedrives(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	rec := &recorder{fail: map[string]int{"onboard": 4}}
	b := newBus(t, openDB(t, filepath.Join(t.TempDir(), "db")), rec, clk)
	if _, err := b.PutEvents(ctx, []events.Entry{{Source: "dealflow", DetailType: "Deal Closed Won", Detail: `{"dealId":"d-1"}`}}); err != nil {
		t.Fatal(err)
	}
	// First try plus MaximumRetryAttempts=2 retries, a minute apart: three failures, then the DLQ.
	for i := 0; i < 3; i++ {
		if n, err := b.DeliverDue(ctx); err != nil || n != 1 {
			t.Fatalf("attempt %d: n=%d err=%v", i+1, n, err)
		}
		if n, _ := b.DeliverDue(ctx); n != 0 {
			t.Fatalf("retry %d came before its backoff", i+1)
		}
		clk.Advance(time.Minute)
	}
	pending, dead, _ := b.Pending(ctx)
	if pending != 0 || dead != 1 {
		t.Fatalf("pending=%d dead=%d, want 0/1", pending, dead)
	}
	dl, err := b.DeadLetters(ctx, 10)
	if err != nil || len(dl) != 1 || dl[0].Attempts != 3 || dl[0].LastError != "target unavailable" || dl[0].Rule != "deal-won" {
		t.Fatalf("dead letters = %+v, %v", dl, err)
	}
	if n, err := b.Redrive(ctx); err != nil || n != 1 {
		t.Fatalf("redrive n=%d err=%v", n, err)
	}
	if n, _ := b.DeliverDue(ctx); n != 1 || len(rec.calls) != 0 {
		t.Fatalf("after redrive: delivered %d, calls %d (one failure left)", n, len(rec.calls))
	}
	clk.Advance(time.Minute)
	if n, _ := b.DeliverDue(ctx); n != 1 || len(rec.calls) != 1 {
		t.Fatalf("after redrive: delivered %d, calls %d", n, len(rec.calls))
	}
}

func TestMaximumEventAgeEndsRetriesAndDropsWithoutDeadLetter(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	rec := &recorder{fail: map[string]int{"whole": 1000}}
	rules := []events.Rule{{Name: "r", EventPattern: json.RawMessage(`{"detail-type":["X"]}`), Targets: []events.Target{
		{ID: "whole", Function: "f", RetryPolicy: &events.RetryPolicy{MaximumEventAgeInSeconds: intp(120)}}}}}
	b, err := New(openDB(t, filepath.Join(t.TempDir(), "db")), rules, compileDetailType, rec, WithClock(clk), WithBackoff(func(int) time.Duration { return time.Minute }))
	if err != nil {
		t.Fatal(err)
	}
	b.PutEvents(ctx, []events.Entry{{Source: "s", DetailType: "X", Detail: `{}`}})
	tries := 0
	for i := 0; i < 10; i++ {
		n, _ := b.DeliverDue(ctx)
		tries += n
		clk.Advance(time.Minute)
	}
	pending, dead, _ := b.Pending(ctx)
	if tries != 3 || pending != 0 || dead != 0 {
		t.Fatalf("tries=%d pending=%d dead=%d; want tries at 0, 60 and 120 s, none later, and no DLQ (none configured)", tries, pending, dead)
	}
}

func TestAcceptedEventsSurviveARestartAndAreDeliveredByTheNextProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	db1 := openDB(t, path)
	b1 := newBus(t, db1, &recorder{}, clk)
	if _, err := b1.PutEvents(ctx, []events.Entry{{Source: "dealflow", DetailType: "Deal Closed Won", Detail: `{"dealId":"d-9"}`}}); err != nil {
		t.Fatal(err)
	}
	db1.Close() // the process dies before delivering

	rec := &recorder{}
	b2 := newBus(t, openDB(t, path), rec, clk)
	if n, err := b2.DeliverDue(ctx); err != nil || n != 1 || len(rec.calls) != 1 || !strings.Contains(rec.calls[0].input, `"d-9"`) {
		t.Fatalf("n=%d err=%v calls=%+v", n, err, rec.calls)
	}
}

func TestReplayRedeliversArchivedEventsWithAReplayName(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	rec := &recorder{}
	b := newBus(t, openDB(t, filepath.Join(t.TempDir(), "db")), rec, clk)
	for _, d := range []string{"Deal Closed Won", "Lead Received"} {
		b.PutEvents(ctx, []events.Entry{{Source: "dealflow", DetailType: d, Detail: `{"leadId":"l","source":"s"}`}})
		clk.Advance(time.Hour)
	}
	b.DeliverDue(ctx)
	rec.calls = nil
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	if _, err := b.Replay(ctx, start, start.Add(time.Hour), "nope"); err == nil {
		t.Fatal("replay with an unknown rule must fail")
	}
	n, err := b.Replay(ctx, start, start.Add(time.Hour), "")
	if err != nil || n != 1 {
		t.Fatalf("replay queued %d, err %v; want 1 (only the first hour)", n, err)
	}
	b.DeliverDue(ctx)
	if len(rec.calls) != 1 || rec.calls[0].target != "onboard" || !strings.Contains(rec.calls[0].input, `"replay-name":"replay-`) {
		t.Fatalf("calls = %+v", rec.calls)
	}
}

func TestPutEventsLimits(t *testing.T) {
	ctx := context.Background()
	b := newBus(t, openDB(t, filepath.Join(t.TempDir(), "db")), &recorder{}, clock.NewFake(time.Now()))
	if _, err := b.PutEvents(ctx, make([]events.Entry, 11)); !errors.Is(err, ErrTooManyEntries) {
		t.Fatalf("11 entries: err = %v", err)
	}
	big := `{"x":"` + strings.Repeat("a", MaxEntrySize) + `"}`
	res, err := b.PutEvents(ctx, []events.Entry{{Source: "s", DetailType: "d", Detail: big}, {DetailType: "d", Detail: `{}`}})
	if err != nil || res.FailedEntryCount != 2 || res.Entries[0].ErrorCode != "EntrySizeExceeded" || res.Entries[1].ErrorMessage != "Source is required" {
		t.Fatalf("res = %+v err = %v", res, err)
	}
}

func TestInvalidPatternNamesTheRuleFile(t *testing.T) {
	rules := []events.Rule{{Name: "x", File: "events/rules/x.json", EventPattern: json.RawMessage(`{"source":["a","b"]}`)}}
	_, err := New(openDB(t, filepath.Join(t.TempDir(), "db")), rules, compileDetailType, &recorder{})
	if err == nil || !strings.HasPrefix(err.Error(), "events/rules/x.json: EventPattern: ") {
		t.Fatalf("err = %v", err)
	}
}
