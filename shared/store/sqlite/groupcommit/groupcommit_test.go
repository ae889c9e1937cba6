package groupcommit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// open returns the write pool (one connection, as the store has) and a second pool that sees only
// committed data.
func open(t *testing.T) (w, r *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gc.db")
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_txlock=immediate"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	w.SetMaxOpenConns(1)
	t.Cleanup(func() { w.Close() })
	for _, q := range []string{
		`CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)`,
		`CREATE TABLE parent (id INTEGER PRIMARY KEY)`,
		`CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)`,
	} {
		if _, err := w.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r, err = sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return w, r
}

func insert(k string) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO t (k, v) VALUES (?, 'x')`, k)
		return err
	}
}

func keys(t *testing.T, r *sql.DB) []string {
	t.Helper()
	rows, err := r.Query(`SELECT k FROM t ORDER BY k`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	return out
}

// hold occupies the writer with a request that waits until n more requests are queued behind it,
// so that those n land in one batch together. It returns when the holding request committed.
func hold(t *testing.T, w *Writer, n int) (release func() error) {
	t.Helper()
	started := make(chan struct{})
	res := make(chan error, 1)
	first := true
	go func() {
		res <- w.Tx(context.Background(), func(tx *sql.Tx) error {
			if !first {
				return nil // run again after its transaction was lost
			}
			first = false
			close(started)
			deadline := time.Now().Add(10 * time.Second)
			for len(w.reqs) < n && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if len(w.reqs) < n {
				return fmt.Errorf("only %d of %d requests queued", len(w.reqs), n)
			}
			return nil
		})
	}()
	<-started
	return func() error { return <-res }
}

// goTx runs w.Tx in a goroutine and returns its result channel.
func goTx(ctx context.Context, w *Writer, fn func(*sql.Tx) error) <-chan error {
	c := make(chan error, 1)
	go func() { c <- w.Tx(ctx, fn) }()
	return c
}

func TestTxCommitsBeforeReturning(t *testing.T) {
	db, r := open(t)
	w := New(db)
	defer w.Close()
	if err := w.Tx(context.Background(), insert("a")); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, r); strings.Join(got, ",") != "a" {
		t.Fatalf("after Tx returned another connection sees %v, want [a]", got)
	}
}

func TestConcurrentCallersShareCommits(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxWork(time.Second))
	defer w.Close()
	const n = 200
	release := hold(t, w, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- w.Tx(context.Background(), insert(fmt.Sprintf("k%03d", i)))
		}()
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := len(keys(t, r)); got != n {
		t.Fatalf("%d rows committed, want %d", got, n)
	}
	st := w.Stats()
	if st.Txs != n+1 || st.Batches > 3 {
		t.Fatalf("stats %+v: want %d requests in at most 3 transactions", st, n+1)
	}
}

func TestBatchIsBounded(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxBatch(10), WithMaxWork(time.Second))
	defer w.Close()
	release := hold(t, w, 25)
	var chans []<-chan error
	for i := range 25 {
		chans = append(chans, goTx(context.Background(), w, insert(fmt.Sprint(i))))
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	for _, c := range chans {
		if err := <-c; err != nil {
			t.Fatal(err)
		}
	}
	if got := len(keys(t, r)); got != 25 {
		t.Fatalf("%d rows, want 25", got)
	}
	// 1 (holder, alone up to 10) + 25 more in batches of at most 10.
	if st := w.Stats(); st.Batches < 3 {
		t.Fatalf("stats %+v: batches of at most 10 need at least 3 transactions", st)
	}
}

func TestFailingCallerIsIsolated(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxWork(time.Second))
	defer w.Close()
	if err := w.Tx(context.Background(), insert("dup")); err != nil {
		t.Fatal(err)
	}
	release := hold(t, w, 3)
	before := goTx(context.Background(), w, insert("before"))
	for len(w.reqs) < 1 {
		time.Sleep(time.Millisecond)
	}
	domainErr := errors.New("version conflict")
	failing := goTx(context.Background(), w, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO t (k) VALUES ('partial')`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO t (k) VALUES ('dup')`); err != nil {
			if strings.Contains(err.Error(), "UNIQUE") {
				return domainErr
			}
			return err
		}
		return nil
	})
	for len(w.reqs) < 2 {
		time.Sleep(time.Millisecond)
	}
	after := goTx(context.Background(), w, func(tx *sql.Tx) error {
		// Reads its own batch's writes: the failing neighbour's are gone, the earlier one's there.
		var n int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM t WHERE k IN ('before', 'partial')`).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			return fmt.Errorf("sees %d of before/partial, want 1", n)
		}
		return insert("after")(tx)
	})
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := <-failing; err != domainErr {
		t.Fatalf("failing caller got %v, want its own error unchanged", err)
	}
	for _, c := range []<-chan error{before, after} {
		if err := <-c; err != nil {
			t.Fatalf("neighbour of a failing caller: %v", err)
		}
	}
	if got := strings.Join(keys(t, r), ","); got != "after,before,dup" {
		t.Fatalf("committed %s, want after,before,dup", got)
	}
	if st := w.Stats(); st.Batches != 2 {
		t.Fatalf("stats %+v: want the three in one batch", st)
	}
}

// The first request of a transaction runs without a savepoint; when it fails, the transaction is
// rolled back and the requests queued behind it run in a fresh one.
func TestFailingFirstRequestIsIsolated(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxBatch(1)) // every request is the first of its transaction
	defer w.Close()
	if err := w.Tx(context.Background(), insert("dup")); err != nil {
		t.Fatal(err)
	}
	release := hold(t, w, 2)
	failing := goTx(context.Background(), w, func(tx *sql.Tx) error {
		if err := insert("partial")(tx); err != nil {
			return err
		}
		return insert("dup")(tx)
	})
	for len(w.reqs) < 1 {
		time.Sleep(time.Millisecond)
	}
	other := goTx(context.Background(), w, insert("other"))
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := <-failing; err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("failing caller got %v, want its UNIQUE error", err)
	}
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys(t, r), ","); got != "dup,other" {
		t.Fatalf("committed %s, want dup,other", got)
	}
}

func TestCommitFailureReachesEveryCaller(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxWork(time.Second))
	defer w.Close()
	release := hold(t, w, 2)
	ok := goTx(context.Background(), w, insert("innocent"))
	for len(w.reqs) < 1 {
		time.Sleep(time.Millisecond)
	}
	// A deferred foreign key is checked only at COMMIT, so the whole batch's COMMIT fails.
	orphan := goTx(context.Background(), w, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO child (id, parent) VALUES (1, 42)`)
		return err
	})
	err := release()
	if err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("holder got %v, want the COMMIT's foreign key error", err)
	}
	for _, c := range []<-chan error{ok, orphan} {
		if err := <-c; err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
			t.Fatalf("caller got %v, want the COMMIT's foreign key error", err)
		}
	}
	if got := keys(t, r); len(got) != 0 {
		t.Fatalf("committed %v after a failed COMMIT", got)
	}
	// The writer goes on.
	if err := w.Tx(context.Background(), insert("later")); err != nil {
		t.Fatal(err)
	}
}

func TestCancelledBeforeRunningNeverRuns(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxWork(time.Second))
	defer w.Close()
	release := hold(t, w, 2)
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	cancelled := goTx(ctx, w, func(tx *sql.Tx) error { ran = true; return insert("cancelled")(tx) })
	for len(w.reqs) < 1 {
		time.Sleep(time.Millisecond)
	}
	other := goTx(context.Background(), w, insert("other"))
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller got %v", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("fn of a caller that gave up before it started ran anyway")
	}
	if got := strings.Join(keys(t, r), ","); got != "other" {
		t.Fatalf("committed %s, want other", got)
	}
}

// An INSERT interrupted by its context makes SQLite roll back the whole transaction
// (https://sqlite.org/c3ref/interrupt.html): the neighbours must still commit.
func TestCancelledMidStatementDoesNotLoseNeighbours(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxWork(10*time.Second))
	defer w.Close()
	release := hold(t, w, 3)
	runs, afters := 0, 0
	before := goTx(context.Background(), w, func(tx *sql.Tx) error {
		runs++
		AfterCommit(tx, func() { afters++ }) // only the last run's registration counts
		return insert("before")(tx)
	})
	for len(w.reqs) < 1 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := goTx(ctx, w, func(tx *sql.Tx) error {
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := tx.ExecContext(ctx, `INSERT INTO t (k) WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 100000000) SELECT 'slow' || i FROM c`)
		return err
	})
	for len(w.reqs) < 2 {
		time.Sleep(time.Millisecond)
	}
	after := goTx(context.Background(), w, insert("after"))
	if err := release(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	if err := <-slow; err == nil {
		t.Fatal("interrupted caller got nil")
	}
	for _, c := range []<-chan error{before, after} {
		if err := <-c; err != nil {
			t.Fatalf("neighbour of an interrupted caller: %v", err)
		}
	}
	if got := strings.Join(keys(t, r), ","); got != "after,before" {
		t.Fatalf("committed %s, want after,before", got)
	}
	if runs != 2 {
		t.Logf("before ran %d times (the interrupt did not end the transaction)", runs)
	}
	if afters != 1 {
		t.Fatalf("before's AfterCommit ran %d times over %d runs; want once", afters, runs)
	}
}

func TestPanicReachesCallerOnly(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxWork(time.Second))
	defer w.Close()
	release := hold(t, w, 2)
	panicked := make(chan any, 1)
	go func() {
		defer func() { panicked <- recover() }()
		_ = w.Tx(context.Background(), func(tx *sql.Tx) error {
			_ = insert("from-panicker")(tx)
			panic("boom")
		})
	}()
	for len(w.reqs) < 1 {
		time.Sleep(time.Millisecond)
	}
	other := goTx(context.Background(), w, insert("other"))
	if err := release(); err != nil {
		t.Fatal(err)
	}
	p := <-panicked
	pe, ok := p.(*PanicError)
	if !ok || pe.Value != "boom" {
		t.Fatalf("caller recovered %v, want *PanicError boom", p)
	}
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	if err := w.Tx(context.Background(), insert("later")); err != nil {
		t.Fatalf("writer after a panic: %v", err)
	}
	if got := strings.Join(keys(t, r), ","); got != "later,other" {
		t.Fatalf("committed %s, want later,other", got)
	}
}

func TestCloseRunsQueuedThenRefuses(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxWork(time.Second))
	release := hold(t, w, 5)
	var chans []<-chan error
	for i := range 5 {
		chans = append(chans, goTx(context.Background(), w, insert(fmt.Sprint(i))))
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	for _, c := range chans {
		if err := <-c; err != nil {
			t.Fatal(err)
		}
	}
	if got := len(keys(t, r)); got != 5 {
		t.Fatalf("%d rows, want 5", got)
	}
	if err := w.Tx(context.Background(), insert("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Tx after Close: %v", err)
	}
}

func BenchmarkSmallTx(b *testing.B) {
	for _, par := range []int{1, 16} {
		b.Run(fmt.Sprintf("callers=%d", par), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "gc.db")
			db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			if _, err := db.Exec(`CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`); err != nil {
				b.Fatal(err)
			}
			w := New(db)
			defer w.Close()
			var mu sync.Mutex
			next := 0
			b.SetParallelism(par)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					mu.Lock()
					next++
					k := next
					mu.Unlock()
					if err := w.Tx(context.Background(), func(tx *sql.Tx) error {
						_, err := tx.Exec(`INSERT INTO t (k, v) VALUES (?, 'x')`, k)
						return err
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
			st := w.Stats()
			b.ReportMetric(float64(st.Txs)/float64(max(1, st.Batches)), "tx/commit")
		})
	}
}

// BenchmarkPlainTx is the baseline: one BEGIN IMMEDIATE … COMMIT of its own per call.
func BenchmarkPlainTx(b *testing.B) {
	path := filepath.Join(b.TempDir(), "gc.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	next := 0
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			next++
			k := next
			mu.Unlock()
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.Exec(`INSERT INTO t (k, v) VALUES (?, 'x')`, k); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
