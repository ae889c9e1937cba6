package stmtcache_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/store/sqlite/stmtcache"
	"modernc.org/sqlite"
)

func dsn(t testing.TB, pragmas ...string) string {
	q := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)"
	for _, p := range pragmas {
		q += "&_pragma=" + p
	}
	return "file:" + filepath.Join(t.TempDir(), "t.db") + "?" + q
}

// open returns a one-connection database whose connection caches size statements.
func open(t testing.TB, size int) *sql.DB {
	t.Helper()
	c, err := stmtcache.NewConnector(dsn(t), size)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	mustExec(t, db, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`)
	return db
}

func mustExec(t testing.TB, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func stats(t *testing.T, db *sql.DB) stmtcache.Stats {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var s stmtcache.Stats
	if err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stmtcache.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, want *stmtcache.Conn", dc)
		}
		s = c.Stats()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

func count(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRepeatedStatementsArePreparedOnce(t *testing.T) {
	db := open(t, 16)
	before := stats(t, db)
	for i := range 10 {
		mustExec(t, db, `INSERT INTO t (v) VALUES (?)`, fmt.Sprint("v", i))
		var v string
		if err := db.QueryRow(`SELECT v FROM t WHERE id = ?`, i+1).Scan(&v); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint("v", i); v != want {
			t.Fatalf("row %d = %q, want %q", i+1, v, want)
		}
	}
	s := stats(t, db)
	if got := s.Misses - before.Misses; got != 2 {
		t.Errorf("prepared %d times, want 2 (one per statement text)", got)
	}
	if got := s.Hits - before.Hits; got != 18 {
		t.Errorf("cache hits = %d, want 18", got)
	}
}

func TestLeastRecentlyUsedStatementIsEvicted(t *testing.T) {
	db := open(t, 2)
	q := func(n int) {
		t.Helper()
		var got int
		if err := db.QueryRow(fmt.Sprintf(`SELECT %d`, n)).Scan(&got); err != nil || got != n {
			t.Fatalf("SELECT %d = %d, %v", n, got, err)
		}
	}
	q(1)
	q(2)
	q(1) // 2 is now the least recently used
	q(3) // evicts 2
	s := stats(t, db)
	if s.Len != 2 || s.Evictions < 1 {
		t.Fatalf("after 3 texts in a 2-entry cache: %+v, want Len 2 and an eviction", s)
	}
	before := s
	q(1)
	q(3)
	q(2)
	s = stats(t, db)
	if hits, misses := s.Hits-before.Hits, s.Misses-before.Misses; hits != 2 || misses != 1 {
		t.Errorf("1, 3 (cached) then 2 (evicted): hits %d misses %d, want 2 and 1", hits, misses)
	}
}

func TestMultiStatementStringsBypassTheCacheAndRunEveryStatement(t *testing.T) {
	db := open(t, 16)
	before := stats(t, db)
	mustExec(t, db, `CREATE TABLE a (x); CREATE TABLE b (y);
		INSERT INTO a VALUES (1); INSERT INTO b VALUES (2);`)
	var x, y int
	if err := db.QueryRow(`SELECT (SELECT x FROM a), (SELECT y FROM b)`).Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	if x != 1 || y != 2 {
		t.Fatalf("script results: a.x=%d b.y=%d, want 1 and 2", x, y)
	}
	s := stats(t, db)
	if s.Bypassed-before.Bypassed != 1 || s.Len-before.Len != 1 {
		t.Errorf("script: %+v (before %+v): want it bypassed and only the SELECT cached", s, before)
	}
	// A single statement with a trailing ';' is still one statement.
	mustExec(t, db, `INSERT INTO a VALUES (3);`)
	mustExec(t, db, `INSERT INTO a VALUES (3);`)
	if s2 := stats(t, db); s2.Hits-s.Hits != 1 {
		t.Errorf("a statement ending in ';' was not cached: %+v", s2)
	}
}

func TestCachedStatementsFollowSchemaChanges(t *testing.T) {
	db := open(t, 16)
	mustExec(t, db, `INSERT INTO t (v) VALUES ('a')`)
	cols := func() ([]string, error) {
		rows, err := db.Query(`SELECT * FROM t`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		return rows.Columns()
	}
	if c, err := cols(); err != nil || len(c) != 2 {
		t.Fatalf("columns = %v, %v", c, err)
	}
	mustExec(t, db, `ALTER TABLE t ADD COLUMN w TEXT`)
	if c, err := cols(); err != nil || strings.Join(c, ",") != "id,v,w" {
		t.Fatalf("after ADD COLUMN, cached SELECT * sees %v, %v; want id,v,w", c, err)
	}
	mustExec(t, db, `DROP TABLE t`)
	if _, err := cols(); err == nil || !strings.Contains(err.Error(), "no such table") {
		t.Fatalf("after DROP TABLE: err %v, want no such table", err)
	}
	mustExec(t, db, `CREATE TABLE t (z INTEGER)`)
	if c, err := cols(); err != nil || strings.Join(c, ",") != "z" {
		t.Fatalf("after re-CREATE: %v, %v; want z", c, err)
	}
}

func TestNestedUseOfTheSameTextInATransaction(t *testing.T) {
	db := open(t, 16)
	for i := range 5 {
		mustExec(t, db, `INSERT INTO t (v) VALUES (?)`, fmt.Sprint(i))
	}
	const q = `SELECT id FROM t WHERE id >= ? ORDER BY id`
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.Query(q, 1)
	if err != nil {
		t.Fatal(err)
	}
	var outer, inner []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		outer = append(outer, id)
		var first int
		// same text while the outer rows are open on the same connection
		if err := tx.QueryRow(q, id).Scan(&first); err != nil {
			t.Fatal(err)
		}
		inner = append(inner, first)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if fmt.Sprint(outer) != "[1 2 3 4 5]" || fmt.Sprint(inner) != "[1 2 3 4 5]" {
		t.Fatalf("outer %v inner %v, want [1 2 3 4 5] twice", outer, inner)
	}
}

func TestCachedStatementsInsideTransactions(t *testing.T) {
	db := open(t, 16)
	ins := `INSERT INTO t (v) VALUES (?)`
	mustExec(t, db, ins, "kept")
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, tx, ins, "rolled back")
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db); n != 1 {
		t.Fatalf("rows after rollback = %d, want 1", n)
	}
	// A failing execution (unique violation) leaves the text usable.
	if _, err := db.Exec(ins, "kept"); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
		t.Fatalf("duplicate insert: %v, want a UNIQUE error", err)
	}
	mustExec(t, db, ins, "next")
	if n := count(t, db); n != 2 {
		t.Fatalf("rows = %d, want 2", n)
	}
}

func TestCanceledContextThenReuse(t *testing.T) {
	db := open(t, 16)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.ExecContext(ctx, `INSERT INTO t (v) VALUES (?)`, "x"); err == nil {
		t.Fatal("exec with a canceled context succeeded")
	}
	mustExec(t, db, `INSERT INTO t (v) VALUES (?)`, "y")
	if n := count(t, db); n != 1 {
		t.Fatalf("rows = %d, want 1", n)
	}
}

func TestLimitSeesThroughTheWrapper(t *testing.T) {
	db := open(t, 16)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := sqlite.Limit(conn, 0 /* SQLITE_LIMIT_LENGTH */, -1); err != nil {
		t.Fatalf("sqlite.Limit through the cache: %v", err)
	}
}

// One writer and a pool of readers, all through caches, concurrently (run with -race).
func TestConcurrentWriterAndReaders(t *testing.T) {
	path := dsn(t)
	wc, err := stmtcache.NewConnector(path, 8)
	if err != nil {
		t.Fatal(err)
	}
	w := sql.OpenDB(wc)
	w.SetMaxOpenConns(1)
	defer w.Close()
	mustExec(t, w, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	r, err := stmtcache.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r.SetMaxOpenConns(4)
	defer r.Close()

	const writes = 300
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range writes {
			if _, err := w.Exec(`INSERT INTO t (v) VALUES (?)`, fmt.Sprint(i)); err != nil {
				errs <- err
				return
			}
		}
	}()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := 0
			for last < writes {
				var n int
				if err := r.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
					errs <- err
					return
				}
				if n < last {
					errs <- fmt.Errorf("count went back from %d to %d", last, n)
					return
				}
				last = n
				rows, err := r.Query(`SELECT id, v FROM t WHERE id > ? ORDER BY id LIMIT 5`, n-5)
				if err != nil {
					errs <- err
					return
				}
				for rows.Next() {
					var id int
					var v string
					if err := rows.Scan(&id, &v); err != nil {
						errs <- err
						return
					}
					if v != fmt.Sprint(id-1) {
						errs <- fmt.Errorf("row %d has v %q", id, v)
						return
					}
				}
				rows.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// BenchmarkPointQuery compares a small indexed read with and without the cache.
func BenchmarkPointQuery(b *testing.B) {
	for _, size := range []int{0, stmtcache.Size} {
		b.Run(fmt.Sprintf("cache=%d", size), func(b *testing.B) {
			db := open(b, size)
			mustExec(b, db, `INSERT INTO t (v) VALUES ('x')`)
			b.ResetTimer()
			for range b.N {
				var v string
				if err := db.QueryRow(`SELECT v FROM t WHERE id = ? AND v IS NOT NULL`, 1).Scan(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// On a detached connection a statement whose context ends while it runs still finishes (its
// caller may share the transaction with others); one whose context has already ended does not
// start. A normal connection interrupts the running statement. (Exec, not Query: database/sql
// itself closes a query's rows when its context ends, whatever the driver does.)
func TestDetachedConnectionIsNotInterrupted(t *testing.T) {
	const slow = `INSERT INTO n (x) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT x FROM c`
	for _, detached := range []bool{false, true} {
		t.Run(fmt.Sprintf("detached=%v", detached), func(t *testing.T) {
			var db *sql.DB
			var err error
			if detached {
				db, err = stmtcache.OpenDetached(dsn(t))
			} else {
				db, err = stmtcache.Open(dsn(t))
			}
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.SetMaxOpenConns(1)
			mustExec(t, db, `CREATE TABLE n (x INTEGER)`)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			res, err := db.ExecContext(ctx, slow)
			if detached {
				if n, _ := rowsAffected(res); err != nil || n != 1000000 {
					t.Fatalf("detached: %d rows, err = %v; want all 1000000", n, err)
				}
				// A prepared statement too.
				st, err := db.Prepare(slow)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
				defer cancel()
				res, err := st.ExecContext(ctx)
				if n, _ := rowsAffected(res); err != nil || n != 1000000 {
					t.Fatalf("detached, prepared: %d rows, err = %v; want all 1000000", n, err)
				}
				st.Close()
			} else if err == nil {
				t.Fatal("normal connection: the statement ran to the end after its context ended")
			}
			<-ctx.Done()
			if _, err := db.ExecContext(ctx, `SELECT 1`); err == nil {
				t.Fatal("a statement with an ended context ran")
			}
			if _, err := db.BeginTx(ctx, nil); err == nil {
				t.Fatal("a transaction with an ended context began")
			}
		})
	}
}

func rowsAffected(res sql.Result) (int64, error) {
	if res == nil {
		return 0, nil
	}
	return res.RowsAffected()
}
