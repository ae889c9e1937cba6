package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite/groupcommit"

	// go-json decodes the stored bodies about twice as fast as encoding/json (digests read
	// thousands of deals), with the same semantics.
	json "github.com/goccy/go-json"
)

// table describes how one entity type maps onto its SQL table: the JSON body plus the index
// columns computed from the entity.
type table[T any] struct {
	name string // SQL table
	kind string // for error messages: "lead"
	cols []string
	vals func(T) []any
	id   func(T) string
	ver  func(*T) *int64
	// immutable checks keys the table treats as unique (id is always checked).
	immutable func(old, new T) error
}

func (tb table[T]) insertSQL() string {
	cols := append([]string{"id", "version", "data"}, tb.cols...)
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", tb.name, strings.Join(cols, ", "),
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
}

// updateSQL sets the body and only the key columns whose bit is set in changed: SQLite rewrites
// every index on a column an UPDATE assigns, even to the same value (https://sqlite.org/lang_update.html
// leaves this to the planner; update.c marks an index for rewriting by the columns in SET), and a
// lead's keys rarely change after intake.
func (tb table[T]) updateSQL(changed uint64) string {
	k := updateKey{tb.name, changed}
	if q, ok := updateSQLs.Load(k); ok {
		return q.(string)
	}
	sets := []string{"version = ?", "data = ?"}
	for i, c := range tb.cols {
		if changed&(1<<i) != 0 {
			sets = append(sets, c+" = ?")
		}
	}
	q := fmt.Sprintf("UPDATE %s SET %s WHERE id = ? AND version = ?", tb.name, strings.Join(sets, ", "))
	updateSQLs.Store(k, q)
	return q
}

type updateKey struct {
	table   string
	changed uint64
}

var updateSQLs sync.Map // updateKey → SQL text

func create[T any](ctx context.Context, s *Store, tb table[T], v T, events []store.OutboxEvent) (T, error) {
	return createWith(ctx, s, tb, v, events, nil)
}

// createWith is create with pre run first in the same transaction; pre's error ends it.
func createWith[T any](ctx context.Context, s *Store, tb table[T], v T, events []store.OutboxEvent, pre func(*sql.Tx) error) (T, error) {
	var zero T
	id := tb.id(v)
	if id == "" {
		return zero, fmt.Errorf("create %s: empty id", tb.kind)
	}
	ow, err := s.prepareOutbox(events)
	if err != nil {
		return zero, fmt.Errorf("create %s %s: %w", tb.kind, id, err)
	}
	*tb.ver(&v) = 1
	data, err := json.Marshal(v)
	if err != nil {
		return zero, fmt.Errorf("create %s %s: %w", tb.kind, id, err)
	}
	if err := store.CheckItemSize(tb.kind, id, len(data)); err != nil {
		return zero, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		if pre != nil {
			if err := pre(tx); err != nil {
				return err
			}
		}
		args := append([]any{id, int64(1), string(data)}, tb.vals(v)...)
		if _, err := tx.ExecContext(ctx, tb.insertSQL(), args...); err != nil {
			if isUniqueViolation(err) {
				return store.ErrAlreadyExists
			}
			return err
		}
		if err := s.writeAudit(ctx, tx, tb.kind, id, nil, data); err != nil {
			return err
		}
		return s.writeOutbox(ctx, tx, ow)
	})
	if err != nil {
		return zero, fmt.Errorf("create %s %s: %w", tb.kind, id, err)
	}
	return v, nil
}

func get[T any](ctx context.Context, s *Store, tb table[T], where string, args ...any) (T, error) {
	var zero T
	var data string
	q := fmt.Sprintf("SELECT data FROM %s WHERE %s", tb.name, where)
	// A lookup by key takes microseconds: it runs without its context's cancellation, which in
	// modernc.org/sqlite costs a watcher goroutine per statement; an ended context still stops it.
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if err := s.r.QueryRowContext(context.WithoutCancel(ctx), q, args...).Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return zero, store.ErrNotFound
		}
		return zero, err
	}
	var v T
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return zero, fmt.Errorf("decode %s: %w", tb.kind, err)
	}
	return v, nil
}

func getByID[T any](ctx context.Context, s *Store, tb table[T], id string) (T, error) {
	v, err := get(ctx, s, tb, "id = ?", id)
	if err != nil {
		return v, fmt.Errorf("get %s %s: %w", tb.kind, id, err)
	}
	return v, nil
}

func update[T any](ctx context.Context, s *Store, tb table[T], id string, fn func(T) (T, error), events []store.OutboxEvent) (T, error) {
	var out T
	ow, err := s.prepareOutbox(events)
	if err != nil {
		return out, fmt.Errorf("update %s %s: %w", tb.kind, id, err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var data string
		err := tx.QueryRowContext(ctx, fmt.Sprintf("SELECT data FROM %s WHERE id = ?", tb.name), id).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		var old T
		if err := json.Unmarshal([]byte(data), &old); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		oldVer := *tb.ver(&old)
		nv, err := fn(old)
		if err != nil {
			return err
		}
		if err := store.CheckImmutable(tb.kind, id, "id", id, tb.id(nv)); err != nil {
			return err
		}
		if tb.immutable != nil {
			if err := tb.immutable(old, nv); err != nil {
				return err
			}
		}
		*tb.ver(&nv) = oldVer + 1
		body, err := json.Marshal(nv)
		if err != nil {
			return err
		}
		if err := store.CheckItemSize(tb.kind, id, len(body)); err != nil {
			return err
		}
		args := []any{oldVer + 1, string(body)}
		var changed uint64
		oldVals := tb.vals(old)
		for i, v := range tb.vals(nv) {
			if v != oldVals[i] { // key values are strings or nil
				changed |= 1 << i
				args = append(args, v)
			}
		}
		args = append(args, id, oldVer)
		res, err := tx.ExecContext(ctx, tb.updateSQL(changed), args...)
		if err != nil {
			if isUniqueViolation(err) {
				return store.ErrAlreadyExists
			}
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return store.ErrConflict
		}
		out = nv
		if err := s.writeAudit(ctx, tx, tb.kind, id, []byte(data), body); err != nil {
			return err
		}
		return s.writeOutbox(ctx, tx, ow)
	})
	if err != nil {
		return out, fmt.Errorf("update %s %s: %w", tb.kind, id, err)
	}
	return out, nil
}

// listQuery is a keyset-paginated query: rows matching where, ordered by sort columns then id.
type listQuery struct {
	where string
	args  []any
	sort  []string
}

func list[T any](ctx context.Context, s *Store, tb table[T], q listQuery, p store.Page) ([]T, string, error) {
	n := p.Size()
	keyCols := append(append([]string{}, q.sort...), "id")
	where, args := q.where, append([]any{}, q.args...)
	if p.Cursor != "" {
		after, err := decodeCursor(p.Cursor, len(keyCols))
		if err != nil {
			return nil, "", fmt.Errorf("list %s: %w", tb.kind, err)
		}
		where += fmt.Sprintf(" AND (%s) > (%s)", strings.Join(keyCols, ", "),
			strings.TrimSuffix(strings.Repeat("?, ", len(keyCols)), ", "))
		for _, a := range after {
			args = append(args, a)
		}
	}
	sqlText := fmt.Sprintf("SELECT data, %s FROM %s WHERE %s ORDER BY %s LIMIT %d",
		strings.Join(keyCols, ", "), tb.name, where, strings.Join(keyCols, ", "), n+1)
	rows, err := s.r.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, "", fmt.Errorf("list %s: %w", tb.kind, err)
	}
	defer rows.Close()
	var out []T
	var last []string
	// data is scanned as RawBytes: the driver's buffer, reused for every row, is decoded in place
	// (the JSON decoder copies what it keeps), instead of a fresh string and []byte per row.
	var data sql.RawBytes
	for rows.Next() {
		keys := make([]string, len(keyCols))
		dest := []any{&data}
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, "", fmt.Errorf("list %s: %w", tb.kind, err)
		}
		if len(out) == n {
			return out, encodeCursor(last), rows.Close()
		}
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, "", fmt.Errorf("list %s: decode: %w", tb.kind, err)
		}
		out = append(out, v)
		last = keys
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list %s: %w", tb.kind, err)
	}
	return out, "", nil
}

func encodeCursor(keys []string) string {
	b, _ := json.Marshal(keys)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	var keys []string
	if err == nil {
		err = json.Unmarshal(b, &keys)
	}
	if err != nil || len(keys) != n {
		return nil, store.ErrBadCursor
	}
	return keys, nil
}

// OutboxPublisher publishes outbox events inside the transaction that writes them: the local
// runtime's event bus, which shares the store's file and writer (SetPublisher).
type OutboxPublisher interface {
	// PrepareOutbox validates and encodes entries outside any transaction.
	PrepareOutbox(entries []events.Entry) (OutboxBatch, error)
}

// OutboxBatch is prepared entries ready to be written in a transaction.
type OutboxBatch interface {
	// Accepted reports whether entry i will be published (a refused one stays pending in the
	// outbox, where the relay retries and reports it).
	Accepted(i int) bool
	// Write stores the accepted entries in tx; after is called once tx has committed.
	Write(ctx context.Context, tx *sql.Tx) (after func(), err error)
}

// SetPublisher makes every later write publish its outbox events in its own transaction, so an
// accepted lead has started its workflow when intake answers, with no relay in between. The
// events are still recorded in the outbox, as published. Call it before the store is shared.
func (s *Store) SetPublisher(p OutboxPublisher) { s.pub = p }

// OnPendingOutbox sets f to be called after each write that left outbox events pending for the
// relay (all of them without a publisher; those the bus refused with one). The local runtime
// wakes its relay with it. Call it before the store is shared.
func (s *Store) OnPendingOutbox(f func()) { s.onPending = f }

// outboxWrite is the outbox part of one write, prepared before its transaction.
type outboxWrite struct {
	evs   []store.OutboxEvent
	batch OutboxBatch // nil: the relay publishes them
}

func (s *Store) prepareOutbox(in []store.OutboxEvent) (outboxWrite, error) {
	if len(in) == 0 {
		return outboxWrite{}, nil
	}
	evs, err := store.PrepareEvents(in, s.now())
	if err != nil {
		return outboxWrite{}, err
	}
	ow := outboxWrite{evs: evs}
	if s.pub != nil {
		entries := make([]events.Entry, len(evs))
		for i, e := range evs {
			entries[i] = e.Entry()
		}
		if b, err := s.pub.PrepareOutbox(entries); err == nil {
			ow.batch = b
		}
	}
	return ow, nil
}

// writeOutbox records the events in tx, published there when the store has a publisher and the
// bus accepts them (in a savepoint of their own: if the bus cannot write them, they stay pending
// for the relay and the rest of the write goes on).
func (s *Store) writeOutbox(ctx context.Context, tx *sql.Tx, ow outboxWrite) error {
	if len(ow.evs) == 0 {
		return nil
	}
	published := false
	if ow.batch != nil {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT outbox_publish`); err != nil {
			return err
		}
		after, err := ow.batch.Write(ctx, tx)
		if err == nil {
			if _, err := tx.ExecContext(ctx, `RELEASE outbox_publish`); err != nil {
				return err
			}
			groupcommit.AfterCommit(tx, after)
			published = true
		} else if _, err := tx.ExecContext(ctx, `ROLLBACK TO outbox_publish; RELEASE outbox_publish`); err != nil {
			return err
		}
	}
	now := store.TimeKey(s.now())
	pending := false
	for i, e := range ow.evs {
		var at any
		if published && ow.batch.Accepted(i) {
			at = now
		} else {
			pending = true
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO store_outbox (id, detail_type, detail, created_at, published_at) VALUES (?, ?, ?, ?, ?)`,
			e.ID, e.DetailType, string(e.Detail), store.TimeKey(e.CreatedAt), at)
		if isUniqueViolation(err) {
			return fmt.Errorf("outbox event %s: %w", e.ID, store.ErrAlreadyExists)
		}
		if err != nil {
			return fmt.Errorf("outbox event %s: %w", e.ID, err)
		}
	}
	if pending && s.onPending != nil {
		groupcommit.AfterCommit(tx, s.onPending)
	}
	return nil
}
