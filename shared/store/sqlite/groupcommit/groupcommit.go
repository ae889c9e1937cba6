// Package groupcommit merges concurrent small SQLite write transactions into one. A single
// goroutine takes every queued request, runs each in its own SAVEPOINT of one shared
// transaction and COMMITs once for all of them; a caller returns only after that COMMIT, so
// "acknowledged" still means "durable", at a fraction of the per-commit cost.
//
// https://sqlite.org/lang_savepoint.html: a failing request is undone with ROLLBACK TO, which
// leaves its neighbours' work in the transaction untouched.
package groupcommit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Runner runs fn in a write transaction and returns once it is committed; fn must not Commit or
// Rollback. Writer and Single are Runners.
type Runner interface {
	Tx(ctx context.Context, fn func(*sql.Tx) error) error
}

// Single runs each call in a transaction of its own on DB: the same Tx contract as Writer, for
// packages (the engine, the bus) used on a database without the runtime's writer.
type Single struct{ DB *sql.DB }

// Tx runs fn in its own transaction and commits it; fn's error rolls it back and is returned.
func (s Single) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	var after []func()
	hooks.Store(tx, &after)
	defer hooks.Delete(tx)
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, f := range after {
		f()
	}
	return nil
}

// hooks maps each open transaction of a Writer or Single to the AfterCommit list of the fn
// running in it.
var hooks sync.Map // *sql.Tx → *[]func()

// AfterCommit registers f to run once tx has committed, in the goroutine of the Tx call whose fn
// registered it, just before that call returns nil. f never runs when that fn's work is undone
// (its error, a lost or failed transaction); if fn is run again, only the last run's
// registrations count. Call it only from inside a fn given to Writer.Tx or Single.Tx, with that
// fn's tx: the local runtime starts workflows this way once the writes that trigger them are
// durable.
func AfterCommit(tx *sql.Tx, f func()) {
	l, ok := hooks.Load(tx)
	if !ok {
		panic("groupcommit.AfterCommit: tx is not a transaction of a Writer or Single")
	}
	p := l.(*[]func())
	*p = append(*p, f)
}

// ErrClosed is returned by Tx after Close.
var ErrClosed = errors.New("groupcommit: writer is closed")

// Defaults bound a batch: enough to amortise the commit, small enough that the first caller in a
// batch does not wait long for the last.
const (
	DefaultMaxBatch = 256
	DefaultMaxWork  = 5 * time.Millisecond
	// maxRuns bounds how often one request is run again after its batch's transaction was lost.
	maxRuns = 3
)

// Writer runs write transactions on db through one goroutine. It is safe for concurrent use.
type Writer struct {
	db       *sql.DB
	maxBatch int
	maxWork  time.Duration

	mu     sync.RWMutex // held for reading while sending, for writing while closing reqs
	closed bool
	reqs   chan *request
	done   chan struct{}

	batches, txs atomic.Uint64
}

// Option configures New.
type Option func(*Writer)

// WithMaxBatch bounds the number of requests in one transaction (default 256).
func WithMaxBatch(n int) Option { return func(w *Writer) { w.maxBatch = max(1, n) } }

// WithMaxWork stops adding requests to a transaction once it has run this long (default 5ms).
func WithMaxWork(d time.Duration) Option { return func(w *Writer) { w.maxWork = d } }

// New starts the writer goroutine. db should be the pool that owns the file's write connection;
// its DSN decides the BEGIN mode (_txlock=immediate for the store). Close stops it.
func New(db *sql.DB, opts ...Option) *Writer {
	w := &Writer{db: db, maxBatch: DefaultMaxBatch, maxWork: DefaultMaxWork, done: make(chan struct{})}
	for _, o := range opts {
		o(w)
	}
	w.reqs = make(chan *request, 4*w.maxBatch)
	go w.loop()
	return w
}

// request states
const (
	queued int32 = iota
	taken
	abandoned
)

type request struct {
	ctx   context.Context
	fn    func(*sql.Tx) error
	state atomic.Int32
	runs  int
	err   error
	panic *PanicError
	after []func() // AfterCommit of the last run
	done  chan struct{}
}

// PanicError is what Tx panics with when fn panicked: the value and the stack of the writer
// goroutine where fn ran.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string {
	return fmt.Sprintf("panic in transaction: %v\n\n%s", p.Value, p.Stack)
}

// Unwrap returns the panic value when it is an error.
func (p *PanicError) Unwrap() error { e, _ := p.Value.(error); return e }

// Tx runs fn inside the next shared transaction and returns after that transaction committed:
// fn's error (its writes undone, the batch unaffected), the COMMIT's error, or nil.
//
// fn must not call Commit or Rollback, nor use the write pool or this Writer (it runs on the
// writer goroutine, which holds the connection). It may be run again if the shared transaction
// is lost before commit (SQLite rolls back the whole transaction when a neighbour's statement is
// interrupted by its context); so it should assign, not accumulate, state outside the
// transaction. If fn panics, Tx panics with a *PanicError in the caller's goroutine.
//
// A ctx cancelled before fn starts returns ctx.Err() and fn never runs; once fn has started, Tx
// waits for the outcome so that a nil error always means committed.
func (w *Writer) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, fn: fn, done: make(chan struct{})}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.reqs <- r:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
		<-r.done
	}
	if r.panic != nil {
		panic(r.panic)
	}
	if r.err == nil {
		for _, f := range r.after {
			f()
		}
	}
	return r.err
}

// Stats counts the work done so far.
type Stats struct {
	Batches uint64 // transactions committed or attempted
	Txs     uint64 // requests run
}

// Stats returns the counters.
func (w *Writer) Stats() Stats { return Stats{Batches: w.batches.Load(), Txs: w.txs.Load()} }

// Close runs what is already queued, then stops the writer. Later Tx calls return ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.reqs)
	}
	w.mu.Unlock()
	<-w.done
	return nil
}

func (w *Writer) loop() {
	defer close(w.done)
	batch := make([]*request, 0, w.maxBatch)
	for {
		first, ok := <-w.reqs
		if !ok {
			return
		}
		batch = append(batch[:0], first)
		w.run(batch)
		clear(batch[:cap(batch)])
	}
}

// run commits batch (and whatever else is queued meanwhile, within the bounds), answering every
// request. After a lost transaction the surviving requests run again in a fresh one.
func (w *Writer) run(batch []*request) {
	for len(batch) > 0 {
		batch = w.attempt(batch)
	}
}

var bg = context.Background()

// attempt runs one transaction and returns the requests to run again (none unless it was lost).
func (w *Writer) attempt(batch []*request) (again []*request) {
	w.batches.Add(1)
	tx, err := w.db.BeginTx(bg, nil)
	if err != nil {
		for _, r := range batch {
			w.answer(r, err)
		}
		return nil
	}
	defer hooks.Delete(tx)
	start := time.Now()
	var lost error
	i := 0
	for ; ; i++ {
		if i == len(batch) {
			if !w.pull(&batch, start) {
				break
			}
		}
		r := batch[i]
		if !r.state.CompareAndSwap(queued, taken) && r.state.Load() != taken {
			continue // abandoned: its caller has returned ctx.Err()
		}
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		r.runs++
		w.txs.Add(1)
		r.after = r.after[:0]
		hooks.Store(tx, &r.after)
		if i == 0 {
			// The first request needs no savepoint: if it fails, the whole transaction holds only
			// its writes and is rolled back; the rest of the batch has not run yet.
			ferr, p := call(r.fn, tx)
			if ferr != nil || p != nil {
				r.err, r.panic = ferr, p
				lost = ferr
				if p != nil {
					lost = p
				}
				i++
				break
			}
			continue
		}
		if _, err := tx.ExecContext(bg, "SAVEPOINT gc"); err != nil {
			lost = err // counted as a run: a connection that cannot open savepoints must not loop
			break
		}
		ferr, p := call(r.fn, tx)
		if ferr == nil && p == nil {
			if _, err := tx.ExecContext(bg, "RELEASE gc"); err != nil {
				r.err, lost = err, err // fn swallowed the error that ended the transaction
				i++
				break
			}
			continue
		}
		r.err, r.panic = ferr, p
		if _, err := tx.ExecContext(bg, "ROLLBACK TO gc"); err != nil {
			lost = err // fn's failure took the whole transaction with it
			i++
			break
		}
		if _, err := tx.ExecContext(bg, "RELEASE gc"); err != nil {
			lost = err
			i++
			break
		}
	}
	if lost != nil {
		_ = tx.Rollback()
		// Everything that succeeded so far was undone with the transaction; the requests not yet
		// reached never ran. Both go again (bounded), the one that ended it keeps its error.
		for j, r := range batch {
			switch {
			case r.state.Load() == abandoned:
			case j < i && (r.err != nil || r.panic != nil):
				w.answer(r, nil)
			case r.runs >= maxRuns:
				w.answer(r, fmt.Errorf("groupcommit: transaction lost %d times: %w", r.runs, lost))
			default:
				r.err = nil
				again = append(again, r)
			}
		}
		return again
	}
	cerr := tx.Commit()
	if cerr != nil {
		// A failed COMMIT can leave the transaction open on the connection; end it so the next
		// BEGIN works (https://sqlite.org/lang_transaction.html).
		_, _ = w.db.ExecContext(bg, "ROLLBACK")
	}
	for _, r := range batch {
		if r.state.Load() == abandoned {
			continue
		}
		if r.err == nil && r.panic == nil {
			w.answer(r, cerr)
		} else {
			w.answer(r, nil)
		}
	}
	return nil
}

// pull adds one queued request to batch without waiting; false when none or the batch is full.
func (w *Writer) pull(batch *[]*request, start time.Time) bool {
	if len(*batch) >= w.maxBatch || time.Since(start) >= w.maxWork {
		return false
	}
	select {
	case r, ok := <-w.reqs:
		if !ok {
			return false
		}
		*batch = append(*batch, r)
		return true
	default:
		return false
	}
}

// answer sets err (when not nil) and releases the caller.
func (w *Writer) answer(r *request, err error) {
	if err != nil && r.err == nil {
		r.err = err
	}
	close(r.done)
}

func call(fn func(*sql.Tx) error, tx *sql.Tx) (err error, p *PanicError) {
	defer func() {
		if v := recover(); v != nil {
			p = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn(tx), nil
}
