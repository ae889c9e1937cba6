package eventbus

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/events"
)

// txRecorder takes state-machine targets inside the PutEvents transaction (a row in its own
// table) and leaves functions to the queue, as the local runtime does.
type txRecorder struct {
	recorder
	refuse  string // target id InvokeTx fails
	started []string
	ids     []string // EventID(ctx) of each InvokeTx
}

func (r *txRecorder) InvokeTx(ctx context.Context, tx *sql.Tx, rule string, t events.Target, in []byte) (func(), bool, error) {
	if t.StateMachine == "" {
		return nil, false, nil
	}
	r.ids = append(r.ids, EventID(ctx))
	if t.ID == r.refuse {
		return nil, false, errors.New("state machine not loaded")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO started(target, input) VALUES(?, ?)`, t.ID, string(in)); err != nil {
		return nil, false, err
	}
	return func() { r.started = append(r.started, t.ID) }, true, nil
}

func TestPutEventsStartsTxTargetsInTheSameCommit(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	db := openDB(t, filepath.Join(t.TempDir(), "db"))
	if _, err := db.Exec(`CREATE TABLE started(target TEXT, input TEXT)`); err != nil {
		t.Fatal(err)
	}
	rec := &txRecorder{refuse: "onboard"}
	b, err := New(db, testRules, compileDetailType, rec, WithClock(clk), WithBackoff(func(int) time.Duration { return time.Minute }))
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.PutEvents(ctx, []events.Entry{
		{Source: "dealflow", DetailType: "Lead Received", Detail: `{"leadId":"l-1","source":"api"}`},
		{Source: "dealflow", DetailType: "Deal Closed Won", Detail: `{"dealId":"d-1"}`},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Targets learn which event they are given (to name what they start after it).
	if len(rec.ids) != 2 || rec.ids[0] != res.Entries[0].EventID || rec.ids[1] != res.Entries[1].EventID {
		t.Fatalf("InvokeTx saw event ids %v; want %s, %s", rec.ids, res.Entries[0].EventID, res.Entries[1].EventID)
	}
	// The lead's state machine started with the event, after the commit; its two function
	// targets and the deal's target (InvokeTx failed) wait in the queue.
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM started WHERE target = 'whole' AND input LIKE '%"leadId":"l-1"%'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("started rows = %d, %v; want the whole event once", n, err)
	}
	if len(rec.started) != 1 || rec.started[0] != "whole" {
		t.Fatalf("run after commit = %v; want [whole]", rec.started)
	}
	pending := map[string]bool{}
	rows, err := db.Query(`SELECT target_id FROM eb_deliveries WHERE status = 'pending'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		pending[id] = true
	}
	rows.Close()
	if len(pending) != 3 || !pending["path"] || !pending["tpl"] || !pending["onboard"] || pending["whole"] {
		t.Fatalf("queued deliveries = %v; want path, tpl, onboard", pending)
	}
	if n, err := b.DeliverDue(ctx); err != nil || n != 3 {
		t.Fatalf("delivered %d, %v; want 3", n, err)
	}
	for _, c := range rec.calls {
		if c.target == "whole" {
			t.Fatal("the started target was delivered again from the queue")
		}
	}
}

// A PutEvents whose transaction fails starts nothing.
func TestPutEventsTxTargetsNotRunWhenTheCommitFails(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "db"))
	if _, err := db.Exec(`CREATE TABLE started(target TEXT, input TEXT)`); err != nil {
		t.Fatal(err)
	}
	rec := &txRecorder{}
	b, err := New(db, testRules, compileDetailType, rec, WithWriter(failingRunner{db}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.PutEvents(ctx, []events.Entry{{Source: "dealflow", DetailType: "Lead Received", Detail: `{"leadId":"l-2"}`}}); err == nil {
		t.Fatal("PutEvents succeeded; want the commit error")
	}
	if len(rec.started) != 0 {
		t.Fatalf("started %v after a failed commit", rec.started)
	}
}

// failingRunner runs fn and then rolls back, as a commit that fails would.
type failingRunner struct{ db *sql.DB }

func (f failingRunner) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return errors.New("disk I/O error")
}

// The event patterns match is built without a JSON round trip; it must equal the stored
// envelope decoded, and a detail that is not exactly one JSON object is refused.
func TestEnvelopeMatchesItsEncoding(t *testing.T) {
	b := &Bus{account: "123456789012", region: "eu-central-1"}
	now := time.Date(2026, 11, 27, 9, 30, 15, 500, time.UTC)
	for _, e := range []events.Entry{
		{Source: "dealflow", DetailType: "Lead Received", Detail: `{"leadId":"l-1","n":1.50,"big":12345678901234567890,"s":"ü\u00e9<>&","a":[1,{"b":null}],"t":true}`},
		{Source: "dealflow", DetailType: "Deal Won", Detail: ` {} `, Resources: []string{"arn:1", "arn:2"}, Time: now.Add(-time.Hour)},
	} {
		env, raw, ev, err := b.envelope(e, now)
		if err != nil {
			t.Fatal(err)
		}
		want, err := decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ev, want) {
			t.Errorf("match value\n %#v\nwant (decoded %s)\n %#v", ev, raw, want)
		}
		if env.ID == "" || !bytes.Contains(raw, []byte(`"id":"`+env.ID+`"`)) {
			t.Errorf("raw %s lacks id %s", raw, env.ID)
		}
	}
	for _, d := range []string{``, `[]`, `{"a":1} {"b":2}`, `{"a":1}}`, `{"a":}`, `"s"`, `{"a":1} x`} {
		if _, _, _, err := b.envelope(events.Entry{Source: "s", DetailType: "d", Detail: d}, now); err == nil {
			t.Errorf("detail %q accepted", d)
		}
	}
}

// Event ids are version 7 UUIDs: unique, in EventBridge's UUID form, later ones sorting later.
func TestEventIDsAreTimeOrderedUUIDs(t *testing.T) {
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	first := newID()
	for range 10000 {
		id := newID()
		if !form.MatchString(id) || seen[id] {
			t.Fatalf("id %q (duplicate %v)", id, seen[id])
		}
		seen[id] = true
	}
	time.Sleep(2 * time.Millisecond)
	if later := newID(); later < first {
		t.Fatalf("%s made later sorts before %s", later, first)
	}
}
