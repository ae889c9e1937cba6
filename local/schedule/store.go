package schedule

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// State is the durable state of one schedule.
type State struct {
	FirstSeen time.Time // when the runner first armed the schedule; a rate() without StartDate counts from it
	LastSlot  time.Time // the last slot fired; zero if none
}

// SlotStore keeps, per schedule, the last slot fired, so that no slot fires twice, also across
// restarts and processes sharing the store.
type SlotStore interface {
	// Arm returns the schedule's state, recording firstSeen if the schedule is new.
	Arm(ctx context.Context, name string, firstSeen time.Time) (State, error)
	// Claim atomically records slot as fired if it is later than the last slot recorded. It
	// reports false when that slot (or a later one) was already claimed: the caller must not fire.
	Claim(ctx context.Context, name string, slot time.Time) (bool, error)
}

// MemoryStore is a SlotStore for tests and throw-away runs.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string]State
}

// NewMemoryStore returns an empty in-memory store; its state dies with the process.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string]State{}} }

func (s *MemoryStore) Arm(_ context.Context, name string, firstSeen time.Time) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[name]
	if !ok {
		st = State{FirstSeen: firstSeen}
		s.m[name] = st
	}
	return st, nil
}

func (s *MemoryStore) Claim(_ context.Context, name string, slot time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[name]
	if !ok {
		st.FirstSeen = slot
	}
	if !st.LastSlot.IsZero() && !slot.After(st.LastSlot) {
		return false, nil
	}
	st.LastSlot = slot
	s.m[name] = st
	return true, nil
}

// SQLStore is a SlotStore in a SQLite database (table sched_slots). Times are stored as Unix
// nanoseconds; Claim is one conditional upsert, so two processes cannot both claim a slot.
type SQLStore struct{ db *sql.DB }

// NewSQLStore creates the table if needed.
func NewSQLStore(ctx context.Context, db *sql.DB) (*SQLStore, error) {
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS sched_slots (
		name       TEXT PRIMARY KEY,
		first_seen INTEGER NOT NULL,
		last_slot  INTEGER
	)`)
	if err != nil {
		return nil, fmt.Errorf("schedule store: create sched_slots: %w", err)
	}
	return &SQLStore{db: db}, nil
}

func (s *SQLStore) Arm(ctx context.Context, name string, firstSeen time.Time) (State, error) {
	if _, err := s.db.ExecContext(ctx,
		`INSERT INTO sched_slots (name, first_seen) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
		name, firstSeen.UnixNano()); err != nil {
		return State{}, fmt.Errorf("schedule store: arm %s: %w", name, err)
	}
	var first int64
	var last sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT first_seen, last_slot FROM sched_slots WHERE name = ?`, name).
		Scan(&first, &last); err != nil {
		return State{}, fmt.Errorf("schedule store: read %s: %w", name, err)
	}
	st := State{FirstSeen: time.Unix(0, first).UTC()}
	if last.Valid {
		st.LastSlot = time.Unix(0, last.Int64).UTC()
	}
	return st, nil
}

func (s *SQLStore) Claim(ctx context.Context, name string, slot time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO sched_slots (name, first_seen, last_slot) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET last_slot = excluded.last_slot
		WHERE sched_slots.last_slot IS NULL OR sched_slots.last_slot < excluded.last_slot`,
		name, slot.UnixNano(), slot.UnixNano())
	if err != nil {
		return false, fmt.Errorf("schedule store: claim %s slot %s: %w", name, slot.UTC().Format(time.RFC3339), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("schedule store: claim %s: %w", name, err)
	}
	return n == 1, nil
}
