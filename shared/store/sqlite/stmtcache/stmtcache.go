// Package stmtcache opens SQLite databases (modernc.org/sqlite) whose connections keep the
// statements they run prepared. database/sql hands every Exec and Query that is not on a
// *sql.Stmt to the driver as SQL text, and the driver parses and plans it again each time
// (sqlite3_prepare_v2 was ~18 % of the local pipeline's CPU). Here each connection keeps the
// last Size statements it ran, by SQL text, and reuses them: callers change nothing.
//
// A cached statement belongs to its connection, like every SQLite statement, so it is correct
// inside transactions; it is finalised when evicted or when the connection closes. Strings with
// several statements (migrations) are not cached. A statement whose rows are still open when the
// same text runs again on the connection (a nested query in a transaction) is not shared: the
// second call prepares its own. A schema change needs nothing: statements from
// sqlite3_prepare_v2 re-prepare themselves when the schema they were compiled against changed
// (https://sqlite.org/c3ref/prepare.html).
package stmtcache

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"reflect"
	"strings"
	"sync"

	"modernc.org/sqlite"
)

// Size is the default number of statements each connection keeps.
const Size = 256

// Open is sql.Open("sqlite", dsn) with a statement cache of Size entries on every connection.
func Open(dsn string) (*sql.DB, error) {
	c, err := NewConnector(dsn, Size)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// OpenDetached is Open for a connection whose statements are not interrupted by their context:
// each statement fails fast if its context is already done, and otherwise runs to the end. The
// store's single write connection uses it. modernc.org/sqlite starts a watcher goroutine for
// every statement whose context can be cancelled (to call sqlite3_interrupt), a few percent of
// the lead pipeline's CPU; and on a connection shared by a group commit, interrupting one
// caller's statement could abort the transaction its neighbours' writes are in.
func OpenDetached(dsn string) (*sql.DB, error) {
	c, err := NewConnector(dsn, Size)
	if err != nil {
		return nil, err
	}
	c.(*connector).detached = true
	return sql.OpenDB(c), nil
}

// NewConnector returns a connector for sql.OpenDB whose connections cache up to size
// statements each (size ≤ 0 disables the cache).
func NewConnector(dsn string, size int) (driver.Connector, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return &connector{base: base, size: size}, nil
}

type connector struct {
	base     driver.Connector
	size     int
	detached bool
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	in, ok := dc.(innerConn)
	if !ok { // not expected from modernc: pass it through untouched
		return dc, nil
	}
	return &Conn{in: in, size: c.size, detached: c.detached, byText: map[string]*list.Element{}}, nil
}

func (c *connector) Driver() driver.Driver { return c.base.Driver() }

// innerConn is what every modernc connection implements.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type innerStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// Stats counts what a connection's cache did; for tests and diagnostics.
type Stats struct {
	Hits, Misses, Evictions, Bypassed int
	Len                               int
}

// Conn is a modernc connection with a statement cache. database/sql never uses a driver
// connection from two goroutines at once; the mutex only guards against a rows Close racing
// the connection's Close.
type Conn struct {
	in       innerConn
	size     int
	detached bool // see OpenDetached

	mu     sync.Mutex
	byText map[string]*list.Element // of *entry
	lru    list.List                // front: most recently used
	stats  Stats
}

type entry struct {
	query   string
	st      innerStmt
	busy    bool // rows from it are open: not shared until closed
	dropped bool // evicted or connection closed while busy: finalise when released
}

var (
	_ innerConn   = (*Conn)(nil)
	_ driver.Conn = (*Conn)(nil)
)

// Unwrap returns the driver's own connection (modernc's sqlite.Limit and friends look through it).
func (c *Conn) Unwrap() driver.Conn { return c.in }

// Stats returns the cache's counters; call it through sql.Conn.Raw.
func (c *Conn) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Len = c.lru.Len()
	return s
}

// cacheable reports whether query is one statement (a trailing ';' allowed). A ';' anywhere
// else, even inside a string literal, sends the query to the driver uncached: always correct.
func cacheable(query string) bool {
	q := strings.TrimRight(query, " \t\r\n;")
	return q != "" && !strings.Contains(q, ";")
}

// acquire returns the cached statement for query, preparing it on a miss, marked busy; nil (and
// no error) when the query must bypass the cache.
func (c *Conn) acquire(ctx context.Context, query string) (*entry, error) {
	if c.size <= 0 || !cacheable(query) {
		c.mu.Lock()
		c.stats.Bypassed++
		c.mu.Unlock()
		return nil, nil
	}
	c.mu.Lock()
	if el, ok := c.byText[query]; ok {
		e := el.Value.(*entry)
		if e.busy {
			c.stats.Bypassed++
			c.mu.Unlock()
			return nil, nil
		}
		c.lru.MoveToFront(el)
		e.busy = true
		c.stats.Hits++
		c.mu.Unlock()
		return e, nil
	}
	c.stats.Misses++
	c.mu.Unlock()

	ds, err := c.in.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(innerStmt)
	if !ok {
		ds.Close()
		return nil, nil
	}
	e := &entry{query: query, st: st, busy: true}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byText[query] = c.lru.PushFront(e)
	for c.lru.Len() > c.size {
		c.remove(c.lru.Back())
		c.stats.Evictions++
	}
	return e, nil
}

// remove takes el out of the cache and finalises its statement, or leaves that to release if
// the statement is in use. c.mu is held.
func (c *Conn) remove(el *list.Element) {
	e := el.Value.(*entry)
	c.lru.Remove(el)
	delete(c.byText, e.query)
	if e.busy {
		e.dropped = true
		return
	}
	e.st.Close()
}

// release makes e available again; failed drops it from the cache (a statement that failed is
// prepared afresh next time, so no error state can stick to the text).
func (c *Conn) release(e *entry, failed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.busy = false
	if e.dropped {
		e.st.Close()
		return
	}
	if failed {
		if el, ok := c.byText[e.query]; ok && el.Value == e {
			c.remove(el)
		}
	}
}

// run returns the context a statement runs with: ctx itself, or on a detached connection an
// error if ctx is done and otherwise ctx without its cancellation.
func (c *Conn) run(ctx context.Context) (context.Context, error) {
	if !c.detached {
		return ctx, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return context.WithoutCancel(ctx), nil
}

// ExecContext runs query through the cache.
func (c *Conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ctx, err := c.run(ctx)
	if err != nil {
		return nil, err
	}
	e, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return c.in.ExecContext(ctx, query, args)
	}
	r, err := e.st.ExecContext(ctx, args)
	c.release(e, err != nil)
	return r, err
}

// QueryContext runs query through the cache; the statement is shared again once the rows close.
func (c *Conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	ctx, err := c.run(ctx)
	if err != nil {
		return nil, err
	}
	e, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return c.in.QueryContext(ctx, query, args)
	}
	r, err := e.st.QueryContext(ctx, args)
	if err != nil {
		c.release(e, true)
		return nil, err
	}
	return &rows{Rows: r, c: c, e: e}, nil
}

// PrepareContext is not cached: the caller keeps and closes the statement itself.
func (c *Conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.in.PrepareContext(ctx, query)
	if err != nil || !c.detached {
		return st, err
	}
	in, ok := st.(innerStmt)
	if !ok {
		return st, nil
	}
	return &detachedStmt{innerStmt: in, c: c}, nil
}

// detachedStmt is a prepared statement of a detached connection.
type detachedStmt struct {
	innerStmt
	c *Conn
}

func (s *detachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	ctx, err := s.c.run(ctx)
	if err != nil {
		return nil, err
	}
	return s.innerStmt.ExecContext(ctx, args)
}

func (s *detachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	ctx, err := s.c.run(ctx)
	if err != nil {
		return nil, err
	}
	return s.innerStmt.QueryContext(ctx, args)
}

func (c *Conn) Prepare(query string) (driver.Stmt, error) { return c.in.Prepare(query) }

// Begin is driver.Conn's context-free Begin; database/sql calls BeginTx.
func (c *Conn) Begin() (driver.Tx, error) {
	return c.in.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *Conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	ctx, err := c.run(ctx)
	if err != nil {
		return nil, err
	}
	return c.in.BeginTx(ctx, opts)
}

func (c *Conn) Ping(ctx context.Context) error         { return c.in.Ping(ctx) }
func (c *Conn) ResetSession(ctx context.Context) error { return c.in.ResetSession(ctx) }
func (c *Conn) IsValid() bool                          { return c.in.IsValid() }

// Close finalises the cached statements, then closes the connection.
func (c *Conn) Close() error {
	c.mu.Lock()
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		c.remove(el)
		el = next
	}
	c.mu.Unlock()
	return c.in.Close()
}

// rows releases its statement to the cache when closed.
type rows struct {
	driver.Rows
	c    *Conn
	e    *entry
	done bool
}

func (r *rows) Close() error {
	if r.done {
		return nil
	}
	r.done = true
	err := r.Rows.Close()
	r.c.release(r.e, err != nil)
	return err
}

// The column-type methods modernc's rows implement, forwarded for sql.Rows.ColumnTypes.

func (r *rows) ColumnTypeDatabaseTypeName(i int) string {
	if x, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return x.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *rows) ColumnTypeLength(i int) (int64, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return x.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *rows) ColumnTypeNullable(i int) (bool, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return x.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *rows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return x.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

func (r *rows) ColumnTypeScanType(i int) reflect.Type {
	if x, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return x.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}
