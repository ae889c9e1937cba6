package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"

	// go-json decodes the stored bodies about twice as fast as encoding/json (digests read
	// thousands of deals), with the same semantics.
	json "github.com/goccy/go-json"
)

func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// PutDigest inserts the record unless one exists for the manager and period.
func (s *Store) PutDigest(ctx context.Context, d domain.DigestRecord, ev ...store.OutboxEvent) (domain.DigestRecord, bool, error) {
	if d.ManagerID == "" || d.PeriodKey == "" {
		return d, false, errors.New("put digest: empty manager id or period key")
	}
	d.Version = 1
	body, err := json.Marshal(d)
	if err != nil {
		return d, false, fmt.Errorf("put digest %s/%s: %w", d.ManagerID, d.PeriodKey, err)
	}
	existing, created := d, false
	ow, err := s.prepareOutbox(ev)
	if err != nil {
		return d, false, fmt.Errorf("put digest %s/%s: %w", d.ManagerID, d.PeriodKey, err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO digests (manager_id, period_key, version, data) VALUES (?, ?, 1, ?)
			ON CONFLICT (manager_id, period_key) DO NOTHING`, d.ManagerID, d.PeriodKey, string(body))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			created = true
			return s.writeOutbox(ctx, tx, ow)
		}
		var data string
		if err := tx.QueryRowContext(ctx, `SELECT data FROM digests WHERE manager_id = ? AND period_key = ?`,
			d.ManagerID, d.PeriodKey).Scan(&data); err != nil {
			return err
		}
		return json.Unmarshal([]byte(data), &existing)
	})
	if err != nil {
		return domain.DigestRecord{}, false, fmt.Errorf("put digest %s/%s: %w", d.ManagerID, d.PeriodKey, err)
	}
	return existing, created, nil
}

func (s *Store) GetDigest(ctx context.Context, managerID, periodKey string) (domain.DigestRecord, error) {
	var data string
	err := s.r.QueryRowContext(ctx, `SELECT data FROM digests WHERE manager_id = ? AND period_key = ?`, managerID, periodKey).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		err = store.ErrNotFound
	}
	var d domain.DigestRecord
	if err == nil {
		err = json.Unmarshal([]byte(data), &d)
	}
	return d, wrap(err, "get digest %s/%s", managerID, periodKey)
}

func (s *Store) PutIdempotencyKey(ctx context.Context, key, value string, ttl time.Duration) (string, bool, error) {
	if key == "" {
		return "", false, errors.New("put idempotency key: empty key")
	}
	now := s.now()
	var expires any
	if ttl > 0 {
		expires = store.TimeKey(now.Add(ttl))
	}
	existing, created := value, false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var cur string
		var exp sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT value, expires_at FROM store_idempotency_keys WHERE key = ?`, key).Scan(&cur, &exp)
		switch {
		case err == nil && (!exp.Valid || exp.String > store.TimeKey(now)):
			existing = cur
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		created = true
		_, err = tx.ExecContext(ctx, `INSERT INTO store_idempotency_keys (key, value, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`, key, value, expires)
		return err
	})
	if err != nil {
		return "", false, fmt.Errorf("put idempotency key %s: %w", key, err)
	}
	return existing, created, nil
}

func (s *Store) ReleaseIdempotencyKey(ctx context.Context, key, value string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM store_idempotency_keys WHERE key = ? AND value = ?`, key, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("release idempotency key %s: %w", key, err)
	}
	return nil
}

func (s *Store) IncrementCounter(ctx context.Context, key string, delta int64) (int64, error) {
	var v int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO store_counters (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = value + excluded.value RETURNING value`, key, delta).Scan(&v)
	})
	if err != nil {
		return 0, fmt.Errorf("increment counter %s: %w", key, err)
	}
	return v, nil
}

func (s *Store) IncrementCounters(ctx context.Context, keys []string, delta int64) ([]int64, error) {
	out := make([]int64, len(keys))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for i, k := range keys {
			if err := tx.QueryRowContext(ctx, `INSERT INTO store_counters (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = value + excluded.value RETURNING value`, k, delta).Scan(&out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("increment counters %s: %w", strings.Join(keys, ", "), err)
	}
	return out, nil
}

func (s *Store) GetCounters(ctx context.Context, keys ...string) (map[string]int64, error) {
	out := make(map[string]int64, len(keys))
	for _, k := range keys {
		out[k] = 0
	}
	for start := 0; start < len(keys); start += 500 {
		chunk := keys[start:min(start+500, len(keys))]
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k
		}
		rows, err := s.r.QueryContext(ctx, `SELECT key, value FROM store_counters WHERE key IN (`+
			strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("get counters: %w", err)
		}
		for rows.Next() {
			var k string
			var v int64
			if err := rows.Scan(&k, &v); err != nil {
				rows.Close()
				return nil, fmt.Errorf("get counters: %w", err)
			}
			out[k] = v
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("get counters: %w", err)
		}
	}
	return out, nil
}

func (s *Store) ListPendingOutbox(ctx context.Context, limit int) ([]store.OutboxEvent, error) {
	if limit <= 0 {
		limit = store.DefaultPageSize
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, detail_type, detail, created_at FROM store_outbox
		WHERE published_at IS NULL ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list pending outbox: %w", err)
	}
	defer rows.Close()
	var out []store.OutboxEvent
	for rows.Next() {
		var e store.OutboxEvent
		var detail, created string
		if err := rows.Scan(&e.ID, &e.DetailType, &detail, &created); err != nil {
			return nil, fmt.Errorf("list pending outbox: %w", err)
		}
		e.Detail = json.RawMessage(detail)
		if e.CreatedAt, err = time.Parse(time.RFC3339Nano, created); err != nil {
			return nil, fmt.Errorf("list pending outbox: event %s: %w", e.ID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *Store) MarkOutboxPublished(ctx context.Context, ids ...string) error {
	now := store.TimeKey(s.now())
	var missing []string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, `UPDATE store_outbox SET published_at = COALESCE(published_at, ?) WHERE id = ?`, now, id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				missing = append(missing, id)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark outbox published: %w", err)
	}
	if len(missing) > 0 {
		return fmt.Errorf("mark outbox published: unknown events %s: %w", strings.Join(missing, ", "), store.ErrNotFound)
	}
	return nil
}
