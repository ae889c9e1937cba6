// Package sqlite is the Store adapter of the local runtime: one SQLite file (modernc.org/sqlite,
// pure Go) in WAL mode with embedded migrations. Writes go through a single connection, so they
// are serialised inside the process and never hit SQLITE_BUSY from each other; reads use a pool.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite/groupcommit"
	"github.com/dealflow/dealflow/shared/store/sqlite/stmtcache"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite implementation of store.Store. It is safe for concurrent use.
type Store struct {
	path  string
	w     *sql.DB // exactly one connection: all writes
	r     *sql.DB // read pool
	clock clock.Clock
	busy  time.Duration

	// Every write transaction of the store (and, through Writer, of the engine and the bus)
	// goes through one group-commit writer on w, started on first use.
	gcOnce sync.Once
	gc     *groupcommit.Writer

	pub       OutboxPublisher // SetPublisher; nil: the relay publishes the outbox
	onPending func()          // OnPendingOutbox
}

var _ store.Store = (*Store)(nil)

type options struct {
	clock       clock.Clock
	busyTimeout time.Duration
	readers     int
}

// Option configures Open.
type Option func(*options) error

// WithClock sets the clock used for outbox timestamps and idempotency-key expiry.
func WithClock(c clock.Clock) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("sqlite: nil clock")
		}
		o.clock = c
		return nil
	}
}

// WithBusyTimeout sets how long a write waits for another process holding the file's write lock
// (default 5s) before failing with a "locked" error.
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("sqlite: negative busy timeout %s", d)
		}
		o.busyTimeout = d
		return nil
	}
}

// Open opens (creating if needed) the store file at path and applies pending migrations. A file
// that is not a SQLite database, or that another process keeps locked, is an error naming path.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{clock: clock.Real{}, busyTimeout: 5 * time.Second, readers: 4}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if path == "" {
		return nil, errors.New("open sqlite store: empty path")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("open sqlite store %s: is a directory, want a database file", path)
	} else if errors.Is(err, os.ErrNotExist) {
		// A new file is the owner's alone: it holds the link-signing key, sessions and personal
		// data. SQLite gives its -wal and -shm files the database file's permissions.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
		}
		if f != nil {
			f.Close()
		}
	}
	dsn := func(extra string) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout("+strconv.FormatInt(o.busyTimeout.Milliseconds(), 10)+")")
		q.Add("_pragma", "foreign_keys(1)")
		// NORMAL is durable against process crashes in WAL mode and much faster than FULL; only a
		// power loss can lose the last transactions (https://sqlite.org/pragma.html#pragma_synchronous).
		q.Add("_pragma", "synchronous(NORMAL)")
		// 32 MiB of page cache per connection (default 2 MiB): digests and console pages read
		// thousands of rows by index, which otherwise re-read the same pages on every request.
		q.Add("_pragma", "cache_size(-32768)")
		if extra != "" {
			q.Add("_pragma", extra)
		}
		q.Set("_txlock", "immediate")
		return "file:" + path + "?" + q.Encode()
	}
	// Statements stay prepared per connection (stmtcache). The writer keeps a 2 MiB page cache
	// (512 pages, SQLite's default size): with 32 MiB every commit scanned the larger cache's hash
	// table in sqlite3PcacheTruncate, ~8 % of the lead pipeline's CPU. modernc runs the pragmas
	// sorted, and "cache_size(512)" sorts after "cache_size(-32768)", so it is the one that holds.
	// Its statements are not interrupted by their callers' contexts (stmtcache.OpenDetached).
	w, err := stmtcache.OpenDetached(dsn("journal_mode(WAL)") + "&_pragma=cache_size%28512%29")
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &Store{path: path, w: w, clock: o.clock, busy: o.busyTimeout}
	if err := s.migrate(context.Background()); err != nil {
		w.Close()
		return nil, s.describe("open sqlite store", err)
	}
	r, err := stmtcache.Open(dsn("query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	r.SetMaxOpenConns(o.readers)
	r.SetMaxIdleConns(o.readers)
	s.r = r
	return s, nil
}

// describe turns driver errors into messages a user can act on, always naming the file.
func (s *Store) describe(op string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "not a database") || strings.Contains(msg, "SQLITE_NOTADB") ||
		strings.Contains(msg, "malformed") || strings.Contains(msg, "SQLITE_CORRUPT"):
		return fmt.Errorf("%s %s: the file is not a valid SQLite database (corrupt, or another kind of file); move it away or point --db elsewhere: %w", op, s.path, err)
	case strings.Contains(msg, "locked") || strings.Contains(msg, "SQLITE_BUSY"):
		return fmt.Errorf("%s %s: the database is locked by another process (waited %s); stop the other dealflow process or use another --db file: %w", op, s.path, s.busy, err)
	case strings.Contains(msg, "unable to open database file"):
		return fmt.Errorf("%s %s: cannot create or open the file; check that its directory exists and is writable: %w", op, s.path, err)
	}
	return fmt.Errorf("%s %s: %w", op, s.path, err)
}

// DB returns the single write connection pool so the workflow engine and the event bus can keep
// their own tables in the same file. Do not call Store methods while holding a transaction from
// it, nor from inside a Writer transaction: the Store would wait for the same connection.
func (s *Store) DB() *sql.DB { return s.w }

// Writer is the group-commit writer of the file: the engine and the bus run their write
// transactions through it so that they share commits with the store's.
func (s *Store) Writer() *groupcommit.Writer {
	s.gcOnce.Do(func() { s.gc = groupcommit.New(s.w) })
	return s.gc
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes both pools.
func (s *Store) Close() error {
	var errs []error
	errs = append(errs, s.Writer().Close()) // later writes get groupcommit.ErrClosed
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

// migrate applies embedded migrations in file-name order. The version table is prefixed
// because the engine and bus keep their own migrations in the same file.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS store_schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for i, name := range names {
		want := i + 1
		err := s.tx(ctx, func(tx *sql.Tx) error {
			var cur sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM store_schema_version`).Scan(&cur); err != nil {
				return err
			}
			if int(cur.Int64) >= want {
				return nil
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			if step := afterMigration[name]; step != nil {
				if err := step(ctx, tx); err != nil {
					return fmt.Errorf("migration %s: %w", name, err)
				}
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO store_schema_version (version) VALUES (?)`, want)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// afterMigration holds the Go steps of migrations that add index columns: they fill the new
// columns of existing rows from the stored JSON, in the migration's transaction.
var afterMigration = map[string]func(context.Context, *sql.Tx) error{
	"migrations/0002_digest_queries.sql": func(ctx context.Context, tx *sql.Tx) error {
		if err := reindex(ctx, tx, leads); err != nil {
			return err
		}
		if err := reindex(ctx, tx, handoffs); err != nil {
			return err
		}
		return reindex(ctx, tx, deals)
	},
}

// reindex recomputes every index column of a table from each row's JSON.
func reindex[T any](ctx context.Context, tx *sql.Tx, tb table[T]) error {
	rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT id, data FROM %s", tb.name))
	if err != nil {
		return fmt.Errorf("reindex %s: %w", tb.name, err)
	}
	type row struct {
		id   string
		vals []any
	}
	var all []row
	for rows.Next() {
		var id, data string
		if err := rows.Scan(&id, &data); err != nil {
			rows.Close()
			return fmt.Errorf("reindex %s: %w", tb.name, err)
		}
		var v T
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			rows.Close()
			return fmt.Errorf("reindex %s %s: decode: %w", tb.name, id, err)
		}
		all = append(all, row{id, tb.vals(v)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reindex %s: %w", tb.name, err)
	}
	sets := make([]string, len(tb.cols))
	for i, c := range tb.cols {
		sets[i] = c + " = ?"
	}
	stmt, err := tx.PrepareContext(ctx, fmt.Sprintf("UPDATE %s SET %s WHERE id = ?", tb.name, strings.Join(sets, ", ")))
	if err != nil {
		return fmt.Errorf("reindex %s: %w", tb.name, err)
	}
	defer stmt.Close()
	for _, r := range all {
		if _, err := stmt.ExecContext(ctx, append(r.vals, r.id)...); err != nil {
			return fmt.Errorf("reindex %s %s: %w", tb.name, r.id, err)
		}
	}
	return nil
}

// tx runs fn in a savepoint of the next group commit (BEGIN IMMEDIATE, via _txlock) and returns
// after that commit; fn's own errors (ErrAlreadyExists, ErrConflict, ...) come back unchanged.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.fileProblem(s.Writer().Tx(ctx, fn))
}

// fileProblem names the file in lock and corruption errors that surface after Open (another
// process taking the lock, the file being damaged underneath us); other errors pass unchanged.
func (s *Store) fileProblem(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked") ||
		strings.Contains(msg, "not a database") || strings.Contains(msg, "malformed") {
		return s.describe("sqlite store", err)
	}
	return err
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func (s *Store) now() time.Time { return s.clock.Now() }

func nullable(cond bool, v string) any {
	if cond {
		return v
	}
	return nil
}
