// Package eventbus is the local EventBridge: PutEvents onto a durable log, rules from events/rules
// matched with the EventBridge pattern semantics, at-least-once delivery to targets with retries and
// backoff, a persistent dead-letter queue with redrive, and an archive that can be replayed.
package eventbus

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/store/sqlite/groupcommit"
)

// Matcher is a compiled event pattern.
type Matcher interface {
	MatchValue(event any) bool
}

// CompileFunc compiles an event pattern (local/eventbus/pattern.Compile in production).
type CompileFunc func(pattern []byte) (Matcher, error)

// Invoker delivers one event to one target. A returned error means "retry later".
type Invoker interface {
	Invoke(ctx context.Context, rule string, t events.Target, input []byte) error
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, rule string, t events.Target, input []byte) error

func (f InvokerFunc) Invoke(ctx context.Context, rule string, t events.Target, input []byte) error {
	return f(ctx, rule, t, input)
}

// TxInvoker is an Invoker that can also do a target's durable part inside the PutEvents
// transaction. The local runtime starts state-machine executions this way: the execution is
// written in the same commit as the event that matched, so nothing is queued, polled and deleted
// in between, and a crash cannot separate them.
type TxInvoker interface {
	Invoker
	// InvokeTx runs inside the PutEvents transaction (possibly more than once, if the transaction
	// is run again) and must have no effect outside tx. handled=false leaves the target to the
	// delivery queue. When handled, after (may be nil) is called once, after the commit.
	InvokeTx(ctx context.Context, tx *sql.Tx, rule string, t events.Target, input []byte) (after func(), handled bool, err error)
}

type eventIDKey struct{}

// WithEventID returns ctx carrying the id of the event being delivered; the bus passes it to
// every Invoke and InvokeTx (a target can name what it starts after the event, so a redelivered
// event finds it again).
func WithEventID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, eventIDKey{}, id)
}

// EventID returns the id of the event a delivery's ctx carries ("" when none).
func EventID(ctx context.Context) string {
	id, _ := ctx.Value(eventIDKey{}).(string)
	return id
}

// PutEvents limits. https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
const (
	MaxEntriesPerCall = 10
	MaxEntrySize      = 256 * 1024
)

// ErrTooManyEntries is returned when a PutEvents call has more than 10 entries.
var ErrTooManyEntries = errors.New("PutEvents accepts 1 to 10 entries per call")

// ResultEntry is one PutEvents result: an EventId, or an error code and message for that entry.
type ResultEntry struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// PutEventsResult mirrors the PutEvents response.
type PutEventsResult struct {
	FailedEntryCount int           `json:"FailedEntryCount"`
	Entries          []ResultEntry `json:"Entries"`
}

type compiledRule struct {
	rule    events.Rule
	matcher Matcher
}

// Bus is the local event bus. It is safe for concurrent use.
type Bus struct {
	db      *sql.DB
	writer  TxRunner
	rules   []compiledRule
	byName  map[string]*compiledRule
	invoker Invoker
	clock   clock.Clock
	log     *slog.Logger
	account string
	region  string
	workers int
	backoff func(attempt int) time.Duration

	wake     chan struct{}
	mu       sync.Mutex
	inflight map[int64]bool
}

// Option configures a Bus.
type Option func(*Bus)

func WithClock(c clock.Clock) Option   { return func(b *Bus) { b.clock = c } }
func WithLogger(l *slog.Logger) Option { return func(b *Bus) { b.log = l } }
func WithWorkers(n int) Option         { return func(b *Bus) { b.workers = max(1, n) } }
func WithAccount(account, region string) Option {
	return func(b *Bus) { b.account, b.region = account, region }
}

// TxRunner runs fn in a write transaction and returns once it is committed; fn must not Commit or
// Rollback. The local runtime passes the store's group-commit writer
// (shared/store/sqlite/groupcommit), so events share commits with the writes that caused them.
type TxRunner = groupcommit.Runner

// WithWriter runs the bus's write transactions through w (default: a transaction of its own on db).
func WithWriter(w TxRunner) Option { return func(b *Bus) { b.writer = w } }

// WithBackoff replaces the retry delay after the given failed attempt (1-based).
func WithBackoff(f func(attempt int) time.Duration) Option { return func(b *Bus) { b.backoff = f } }

// New compiles the rules and prepares the tables in db. Every invalid pattern is reported, naming
// the rule file.
func New(db *sql.DB, rules []events.Rule, compile CompileFunc, inv Invoker, opts ...Option) (*Bus, error) {
	b := &Bus{
		db: db, invoker: inv, clock: clock.Real{}, log: slog.Default(),
		account: "000000000000", region: "local", workers: 4,
		backoff: defaultBackoff, wake: make(chan struct{}, 1),
		inflight: map[int64]bool{}, byName: map[string]*compiledRule{},
		writer: groupcommit.Single{DB: db},
	}
	for _, o := range opts {
		o(b)
	}
	var probs events.Problems
	for _, r := range rules {
		m, err := compile(r.EventPattern)
		if err != nil {
			probs = append(probs, events.Problem{File: r.File, Path: "EventPattern", Message: err.Error()})
			continue
		}
		b.rules = append(b.rules, compiledRule{rule: r, matcher: m})
	}
	if len(probs) > 0 {
		return nil, probs
	}
	for i := range b.rules {
		b.byName[b.rules[i].rule.Name] = &b.rules[i]
	}
	if err := migrate(db); err != nil {
		return nil, err
	}
	return b, nil
}

// defaultBackoff is exponential with full jitter, from 1 s up to 5 minutes. EventBridge documents
// "exponential back-off and jitter" without numbers.
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
func defaultBackoff(attempt int) time.Duration {
	d := time.Second * time.Duration(math.Pow(2, float64(min(attempt, 9))))
	d = min(d, 5*time.Minute)
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

func migrate(db *sql.DB) error {
	_, err := db.Exec(`
CREATE TABLE IF NOT EXISTS eb_events (
  id TEXT PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  detail_type TEXT NOT NULL,
  envelope BLOB NOT NULL,
  matched TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS eb_events_time ON eb_events(time_ms);
CREATE TABLE IF NOT EXISTS eb_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  target_id TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  first_ms INTEGER NOT NULL,
  next_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  replay TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS eb_deliveries_due ON eb_deliveries(status, next_ms);`)
	if err != nil {
		return fmt.Errorf("event bus: create tables: %w", err)
	}
	return nil
}

// PutEvents validates each entry, stores valid ones with one delivery row per matching rule target
// in a single transaction, and only then returns their ids: an accepted event is never lost.
func (b *Bus) PutEvents(ctx context.Context, entries []events.Entry) (PutEventsResult, error) {
	p, err := b.Prepare(entries)
	if err != nil {
		return PutEventsResult{}, err
	}
	if len(p.batch) == 0 {
		return p.res, nil
	}
	var after func()
	err = b.tx(ctx, func(tx *sql.Tx) error {
		var err error
		after, err = p.Write(ctx, tx) // assigned, not accumulated: a group-commit writer may run this again
		return err
	})
	if err != nil {
		return PutEventsResult{}, fmt.Errorf("put events: store: %w", err)
	}
	after()
	return p.res, nil
}

// Prepared is a PutEvents call validated, encoded and matched against the rules, ready to be
// written inside a transaction (Write). The local store uses it to publish outbox events in the
// transaction that writes them; PutEvents is Prepare, then Write in a transaction of the bus's own.
type Prepared struct {
	b     *Bus
	now   time.Time
	res   PutEventsResult
	batch []stored
}

type direct struct {
	rule   string
	target events.Target
	input  []byte
}

type stored struct {
	id, detailType string
	t              time.Time
	env            []byte
	matched        []string
	matchedJSON    string
	direct         []direct // targets the invoker may start inside the transaction
}

// Prepare validates, encodes and matches entries (1 to 10) outside any transaction. Entries that
// fail validation are reported in Result and not written.
func (b *Bus) Prepare(entries []events.Entry) (*Prepared, error) {
	if len(entries) == 0 || len(entries) > MaxEntriesPerCall {
		return nil, fmt.Errorf("%w (got %d)", ErrTooManyEntries, len(entries))
	}
	now := b.clock.Now().UTC()
	p := &Prepared{b: b, now: now, res: PutEventsResult{Entries: make([]ResultEntry, len(entries))}}
	txInv, _ := b.invoker.(TxInvoker)
	for i, e := range entries {
		env, raw, ev, err := b.envelope(e, now)
		if err != nil {
			p.res.FailedEntryCount++
			p.res.Entries[i] = ResultEntry{ErrorCode: "MalformedDetail", ErrorMessage: err.Error()}
			continue
		}
		s := stored{id: env.ID, detailType: env.DetailType, t: env.Time, env: raw}
		if len(s.env) > MaxEntrySize {
			p.res.FailedEntryCount++
			p.res.Entries[i] = ResultEntry{ErrorCode: "EntrySizeExceeded", ErrorMessage: fmt.Sprintf("entry is %d bytes; the limit is 256 KB", len(s.env))}
			continue
		}
		for _, r := range b.rules {
			if r.rule.State != "DISABLED" && r.matcher.MatchValue(ev) {
				s.matched = append(s.matched, r.rule.Name)
				if txInv == nil {
					continue
				}
				for _, t := range r.rule.Targets {
					// An input that cannot be built goes to the queue, which retries and dead-letters it.
					if in, err := targetInput(r.rule.Name, t, s.env, ev); err == nil {
						s.direct = append(s.direct, direct{rule: r.rule.Name, target: t, input: in})
					}
				}
			}
		}
		m, _ := json.Marshal(orEmpty(s.matched))
		s.matchedJSON = string(m)
		p.res.Entries[i] = ResultEntry{EventID: env.ID}
		p.batch = append(p.batch, s)
	}
	return p, nil
}

// Result is the PutEvents response: an id per accepted entry, an error per refused one.
func (p *Prepared) Result() PutEventsResult { return p.res }

// Write stores the accepted events in tx: the archive row, the targets the invoker starts inside
// the transaction (TxInvoker), a delivery row for each other target. after must be called once
// tx has committed (never if it rolled back): it starts what the transaction recorded and wakes
// the delivery loop. Write may be run again in a new transaction; use the last run's after.
func (p *Prepared) Write(ctx context.Context, tx *sql.Tx) (after func(), err error) {
	b := p.b
	txInv, _ := b.invoker.(TxInvoker)
	var afters []func()
	queued := false
	for _, s := range p.batch {
		if _, err := tx.ExecContext(ctx, `INSERT INTO eb_events(id, time_ms, detail_type, envelope, matched) VALUES(?,?,?,?,?)`,
			s.id, s.t.UnixMilli(), s.detailType, s.env, s.matchedJSON); err != nil {
			return nil, err
		}
		var handled map[[2]string]bool
		for _, d := range s.direct {
			after, ok, err := txInv.InvokeTx(WithEventID(ctx, s.id), tx, d.rule, d.target, d.input)
			if err != nil || !ok {
				continue // delivered from the queue instead, with its retries
			}
			if handled == nil {
				handled = map[[2]string]bool{}
			}
			handled[[2]string{d.rule, d.target.ID}] = true
			if after != nil {
				afters = append(afters, after)
			}
		}
		for _, name := range s.matched {
			for _, t := range b.byName[name].rule.Targets {
				if handled[[2]string{name, t.ID}] {
					continue
				}
				if err := b.enqueueTarget(ctx, tx, s.id, name, t.ID, p.now, ""); err != nil {
					return nil, err
				}
				queued = true
			}
		}
	}
	return func() {
		for _, f := range afters {
			f()
		}
		if queued {
			b.signal()
		}
	}, nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (b *Bus) enqueue(ctx context.Context, tx *sql.Tx, eventID string, rules []string, now time.Time, replay string) error {
	for _, name := range rules {
		for _, t := range b.byName[name].rule.Targets {
			if err := b.enqueueTarget(ctx, tx, eventID, name, t.ID, now, replay); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *Bus) enqueueTarget(ctx context.Context, tx *sql.Tx, eventID, rule, target string, now time.Time, replay string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO eb_deliveries(event_id, rule, target_id, status, first_ms, next_ms, replay) VALUES(?,?,?,?,?,?,?)`,
		eventID, rule, target, "pending", now.UnixMilli(), now.UnixMilli(), replay)
	return err
}

// envelope builds the AWS event envelope for an entry, encoded once, and the same event as the
// decoded value patterns match (built directly; only the detail is parsed).
func (b *Bus) envelope(e events.Entry, now time.Time) (events.Envelope, []byte, map[string]any, error) {
	if e.Source == "" {
		return events.Envelope{}, nil, nil, errors.New("Source is required")
	}
	if e.DetailType == "" {
		return events.Envelope{}, nil, nil, errors.New("DetailType is required")
	}
	detail := bytes.TrimSpace([]byte(e.Detail))
	var dv map[string]any
	if len(detail) == 0 || detail[0] != '{' {
		return events.Envelope{}, nil, nil, errors.New("Detail must be a valid JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(detail))
	dec.UseNumber()
	if err := dec.Decode(&dv); err != nil || dec.More() {
		return events.Envelope{}, nil, nil, errors.New("Detail must be a valid JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return events.Envelope{}, nil, nil, errors.New("Detail must be a valid JSON object")
	}
	t := now
	if !e.Time.IsZero() {
		t = e.Time.UTC()
	}
	env := events.Envelope{
		Version: "0", ID: newID(), DetailType: e.DetailType, Source: e.Source,
		Account: b.account, Time: t.Truncate(time.Second), Region: b.region,
		Resources: e.Resources, Detail: json.RawMessage(detail),
	}
	if env.Resources == nil {
		env.Resources = []string{}
	}
	raw, err := json.Marshal(env)
	if err != nil {
		return env, nil, nil, err
	}
	res := make([]any, len(env.Resources))
	for i, r := range env.Resources {
		res[i] = r
	}
	ev := map[string]any{
		"version": env.Version, "id": env.ID, "detail-type": env.DetailType, "source": env.Source,
		"account": env.Account, "time": env.Time.Format(time.RFC3339), "region": env.Region,
		"resources": res, "detail": dv,
	}
	return env, raw, ev, nil
}

func decode(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	err := dec.Decode(&m)
	return m, err
}

// newID returns a UUID, the form EventBridge uses for event ids. It is a version 7 UUID
// (https://www.rfc-editor.org/rfc/rfc9562#name-uuid-version-7): the millisecond first, then a
// counter and random bits, so the archive's primary key grows at its end instead of at a random
// page.
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}

func (b *Bus) tx(ctx context.Context, f func(*sql.Tx) error) error {
	return b.writer.Tx(ctx, f)
}

func (b *Bus) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

type delivery struct {
	id                int64
	eventID, rule, tg string
	attempts          int
	firstMS           int64
	env               []byte
	replay            string
}

// DeliverDue delivers every delivery that is due now and returns how many it attempted.
// Run calls it in a loop; tests on a fake clock call it directly.
func (b *Bus) DeliverDue(ctx context.Context) (int, error) {
	now := b.clock.Now()
	rows, err := b.db.QueryContext(ctx, `SELECT d.id, d.event_id, d.rule, d.target_id, d.attempts, d.first_ms, e.envelope, d.replay
FROM eb_deliveries d JOIN eb_events e ON e.id = d.event_id
WHERE d.status = 'pending' AND d.next_ms <= ? ORDER BY d.next_ms, d.id LIMIT 256`, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("event bus: read due deliveries: %w", err)
	}
	var due []delivery
	b.mu.Lock()
	for rows.Next() {
		var d delivery
		if err := rows.Scan(&d.id, &d.eventID, &d.rule, &d.tg, &d.attempts, &d.firstMS, &d.env, &d.replay); err != nil {
			b.mu.Unlock()
			rows.Close()
			return 0, err
		}
		if !b.inflight[d.id] {
			b.inflight[d.id] = true
			due = append(due, d)
		}
	}
	b.mu.Unlock()
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(due) == 0 {
		return 0, nil
	}
	type outcome struct {
		d    delivery
		err  error
		dead string
	}
	results := make([]outcome, len(due))
	sem := make(chan struct{}, b.workers)
	var wg sync.WaitGroup
	for i, d := range due {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, d delivery) {
			defer func() { <-sem; wg.Done() }()
			results[i] = outcome{d: d, err: b.deliver(ctx, d)}
		}(i, d)
	}
	wg.Wait()
	err = b.tx(ctx, func(tx *sql.Tx) error {
		for _, o := range results {
			d := o.d
			if o.err == nil {
				if _, err := tx.ExecContext(ctx, `DELETE FROM eb_deliveries WHERE id = ?`, d.id); err != nil {
					return err
				}
				continue
			}
			r := b.byName[d.rule]
			var t events.Target
			if r != nil {
				t = targetByID(r.rule, d.tg)
			}
			attempts, maxAge := t.RetryPolicy.Limits()
			next := now.Add(b.backoff(d.attempts + 1))
			// Retries stop at MaximumRetryAttempts or MaximumEventAgeInSeconds, whichever first.
			// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
			exhausted := r == nil || d.attempts+1 > attempts || next.Sub(time.UnixMilli(d.firstMS)) > maxAge
			status := "pending"
			if exhausted {
				status = "dead"
				if r != nil && !t.DeadLetter {
					status = "dropped"
				}
				b.log.Warn("event delivery failed for good", "event_id", d.eventID, "rule", d.rule, "target", d.tg, "attempts", d.attempts+1, "status", status, "error", o.err.Error())
			}
			if _, err := tx.ExecContext(ctx, `UPDATE eb_deliveries SET status = ?, attempts = attempts + 1, next_ms = ?, last_error = ? WHERE id = ?`,
				status, next.UnixMilli(), truncate(o.err.Error(), 2000), d.id); err != nil {
				return err
			}
		}
		return nil
	})
	b.mu.Lock()
	for _, d := range due {
		delete(b.inflight, d.id)
	}
	b.mu.Unlock()
	if err != nil {
		return len(due), fmt.Errorf("event bus: record deliveries: %w", err)
	}
	return len(due), nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func targetByID(r events.Rule, id string) events.Target {
	for _, t := range r.Targets {
		if t.ID == id {
			return t
		}
	}
	return events.Target{ID: id}
}

func (b *Bus) deliver(ctx context.Context, d delivery) (err error) {
	r := b.byName[d.rule]
	if r == nil {
		return fmt.Errorf("rule %q no longer exists", d.rule)
	}
	t := targetByID(r.rule, d.tg)
	if t.StateMachine == "" && t.Function == "" {
		return fmt.Errorf("rule %q has no target %q any more", d.rule, d.tg)
	}
	env := d.env
	if d.replay != "" {
		// Replayed events carry "replay-name". https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-replay-archived-event.html
		env = append(append([]byte(`{"replay-name":`), mustJSON(d.replay)...), append([]byte{','}, env[1:]...)...)
	}
	ev, err := decode(env)
	if err != nil {
		return err
	}
	in, err := targetInput(d.rule, t, env, ev)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("target panicked: %v", p)
		}
	}()
	return b.invoker.Invoke(WithEventID(ctx, d.eventID), d.rule, t, in)
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// Run delivers events until ctx is done, waking on new events and on the next retry time.
func (b *Bus) Run(ctx context.Context) error {
	for {
		n, err := b.DeliverDue(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			b.log.Error("event bus delivery pass failed", "error", err.Error())
		}
		if n > 0 {
			continue
		}
		wait := time.Second
		var nextMS sql.NullInt64
		if err := b.db.QueryRowContext(ctx, `SELECT MIN(next_ms) FROM eb_deliveries WHERE status = 'pending'`).Scan(&nextMS); err == nil && nextMS.Valid {
			wait = min(max(time.UnixMilli(nextMS.Int64).Sub(b.clock.Now()), time.Millisecond), time.Second)
		}
		tm := b.clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return nil
		case <-b.wake:
			tm.Stop()
		case <-tm.C():
		}
	}
}

// DeadLetter is a delivery that ran out of retries and was kept for inspection and redrive.
type DeadLetter struct {
	ID        int64           `json:"id"`
	EventID   string          `json:"eventId"`
	Rule      string          `json:"rule"`
	Target    string          `json:"target"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"lastError"`
	Event     json.RawMessage `json:"event"`
}

// DeadLetters lists the dead-letter queue, oldest first.
func (b *Bus) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT d.id, d.event_id, d.rule, d.target_id, d.attempts, d.last_error, e.envelope
FROM eb_deliveries d JOIN eb_events e ON e.id = d.event_id WHERE d.status = 'dead' ORDER BY d.id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeadLetter
	for rows.Next() {
		var dl DeadLetter
		var env []byte
		if err := rows.Scan(&dl.ID, &dl.EventID, &dl.Rule, &dl.Target, &dl.Attempts, &dl.LastError, &env); err != nil {
			return nil, err
		}
		dl.Event = env
		out = append(out, dl)
	}
	return out, rows.Err()
}

// Redrive puts dead letters back for delivery with a fresh retry budget. No ids means all.
func (b *Bus) Redrive(ctx context.Context, ids ...int64) (int, error) {
	now := b.clock.Now().UnixMilli()
	var n int64
	err := b.tx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE eb_deliveries SET status = 'pending', attempts = 0, first_ms = ?, next_ms = ?, last_error = '' WHERE status = 'dead'`
		args := []any{now, now}
		if len(ids) > 0 {
			q += ` AND id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
			for _, id := range ids {
				args = append(args, id)
			}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n > 0 {
		b.signal()
	}
	return int(n), err
}

// Replay re-matches archived events with time in [from, to) against the current rules (only rule
// `rule` when not empty) and queues deliveries for them, marked with a replay name.
func (b *Bus) Replay(ctx context.Context, from, to time.Time, rule string) (int, error) {
	if rule != "" && b.byName[rule] == nil {
		return 0, fmt.Errorf("replay: unknown rule %q", rule)
	}
	rows, err := b.db.QueryContext(ctx, `SELECT id, envelope FROM eb_events WHERE time_ms >= ? AND time_ms < ? ORDER BY time_ms, rowid`, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return 0, err
	}
	type ev struct {
		id  string
		env []byte
	}
	var evs []ev
	for rows.Next() {
		var e ev
		if err := rows.Scan(&e.id, &e.env); err != nil {
			rows.Close()
			return 0, err
		}
		evs = append(evs, e)
	}
	rows.Close()
	now := b.clock.Now()
	name := "replay-" + now.UTC().Format("20060102T150405Z")
	queued := 0
	err = b.tx(ctx, func(tx *sql.Tx) error {
		queued = 0 // a group commit may run this again
		for _, e := range evs {
			doc, err := decode(e.env)
			if err != nil {
				return err
			}
			var matched []string
			for _, r := range b.rules {
				if (rule == "" || r.rule.Name == rule) && r.rule.State != "DISABLED" && r.matcher.MatchValue(doc) {
					matched = append(matched, r.rule.Name)
				}
			}
			if err := b.enqueue(ctx, tx, e.id, matched, now, name); err != nil {
				return err
			}
			queued += len(matched)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	b.signal()
	return queued, nil
}

// ArchivedEvent is one event of the archive with the rules it matched when it was put.
type ArchivedEvent struct {
	Envelope json.RawMessage `json:"event"`
	Matched  []string        `json:"matchedRules"`
}

// Archive lists archived events with time in [from, to), oldest first.
func (b *Bus) Archive(ctx context.Context, from, to time.Time, limit int) ([]ArchivedEvent, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT envelope, matched FROM eb_events WHERE time_ms >= ? AND time_ms < ? ORDER BY time_ms, rowid LIMIT ?`, from.UnixMilli(), to.UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ArchivedEvent
	for rows.Next() {
		var a ArchivedEvent
		var env []byte
		var m string
		if err := rows.Scan(&env, &m); err != nil {
			return nil, err
		}
		a.Envelope = env
		_ = json.Unmarshal([]byte(m), &a.Matched)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Pending reports how many deliveries wait (for metrics and tests).
func (b *Bus) Pending(ctx context.Context) (pending, dead int, err error) {
	err = b.db.QueryRowContext(ctx, `SELECT COUNT(CASE WHEN status='pending' THEN 1 END), COUNT(CASE WHEN status='dead' THEN 1 END) FROM eb_deliveries`).Scan(&pending, &dead)
	return
}
