package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
)

// RawSender delivers a rendered message; *SMTP is one.
type RawSender interface {
	SendRaw(ctx context.Context, from string, rcpts []string, raw []byte) error
}

// SMTPRelay delivers the local outbox through a mail server, like an MTA's queue: the workflow's
// notify step only stores the message (Outbox.Send, idempotent by key, so it never fails because
// the mail server is down), and the relay sends each stored message until the server accepts it,
// retrying with backoff for as long as the outage lasts. A message is sent once; only a crash
// between the server's "250 queued" and recording it can repeat it, with the same Message-ID.
// Messages stored before the relay was first enabled are never sent.
type SMTPRelay struct {
	db    *sql.DB
	next  RawSender
	clock clock.Clock
	log   *slog.Logger
	since int64
	// MaxBackoff caps the wait between attempts for one message (default 5 minutes).
	MaxBackoff time.Duration
	wake       chan struct{}
}

// OpenSMTPRelay prepares the delivery table next to the outbox in db.
func OpenSMTPRelay(ctx context.Context, db *sql.DB, next RawSender, c clock.Clock, log *slog.Logger) (*SMTPRelay, error) {
	if log == nil {
		log = slog.Default()
	}
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS mail_smtp_delivery (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_ms INTEGER NOT NULL,
  sent_ms INTEGER,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS mail_smtp_delivery_retry ON mail_smtp_delivery(status, next_ms);
CREATE TABLE IF NOT EXISTS mail_smtp_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL);`)
	if err != nil {
		return nil, fmt.Errorf("smtp relay: create tables: %w", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO mail_smtp_state(name, value) VALUES('since_ms', ?) ON CONFLICT(name) DO NOTHING`, c.Now().UnixMilli()); err != nil {
		return nil, fmt.Errorf("smtp relay: record start: %w", err)
	}
	r := &SMTPRelay{db: db, next: next, clock: c, log: log, MaxBackoff: 5 * time.Minute, wake: make(chan struct{}, 1)}
	if err := db.QueryRowContext(ctx, `SELECT value FROM mail_smtp_state WHERE name = 'since_ms'`).Scan(&r.since); err != nil {
		return nil, fmt.Errorf("smtp relay: read start: %w", err)
	}
	return r, nil
}

// Wake makes Run look for new messages now.
func (r *SMTPRelay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Mailer returns an outbox Mailer that wakes the relay after each stored message.
func (r *SMTPRelay) Mailer(o *Outbox) Mailer { return relayedOutbox{o, r} }

type relayedOutbox struct {
	o *Outbox
	r *SMTPRelay
}

func (m relayedOutbox) Send(ctx context.Context, msg Message) (string, error) {
	id, err := m.o.Send(ctx, msg)
	if err == nil {
		m.r.Wake()
	}
	return id, err
}

// RelayOnce sends the messages that are due and reports how many were sent.
func (r *SMTPRelay) RelayOnce(ctx context.Context) (sent int, err error) {
	now := r.clock.Now()
	rows, err := r.db.QueryContext(ctx, `SELECT o.id, o.meta, o.eml, COALESCE(d.attempts, 0) FROM mail_outbox o
LEFT JOIN mail_smtp_delivery d ON d.id = o.id
WHERE o.sent_ms >= ? AND (d.id IS NULL OR (d.status = 'retry' AND d.next_ms <= ?))
ORDER BY o.sent_ms, o.rowid LIMIT 50`, r.since, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("smtp relay: list due messages: %w", err)
	}
	type due struct {
		id       string
		meta     string
		eml      []byte
		attempts int
	}
	var todo []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.meta, &d.eml, &d.attempts); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, d)
	}
	rows.Close()
	for _, d := range todo {
		var m Message
		if err := json.Unmarshal([]byte(d.meta), &m); err != nil {
			return sent, fmt.Errorf("smtp relay: message %s: %w", d.id, err)
		}
		serr := r.next.SendRaw(ctx, m.From, append(append([]string{}, m.To...), m.Cc...), d.eml)
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		attempts := d.attempts + 1
		status, nextAt, sentMS, lastErr := "sent", now, sql.NullInt64{Int64: r.clock.Now().UnixMilli(), Valid: true}, ""
		if serr != nil {
			sentMS, lastErr = sql.NullInt64{}, serr.Error()
			var se *SMTPError
			if errors.As(serr, &se) && !se.Temporary {
				status = "dead" // the server refused it for good (bad recipient, policy): retrying cannot help
				r.log.Error("smtp relay: message refused permanently", "message_id", d.id, "error", lastErr)
			} else {
				status, nextAt = "retry", now.Add(r.backoff(attempts))
				r.log.Warn("smtp relay: send failed; will retry", "message_id", d.id, "attempt", attempts, "next", nextAt, "error", lastErr)
			}
		}
		if _, err := r.db.ExecContext(ctx, `INSERT INTO mail_smtp_delivery(id, status, attempts, next_ms, sent_ms, last_error) VALUES(?,?,?,?,?,?)
ON CONFLICT(id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts, next_ms = excluded.next_ms, sent_ms = excluded.sent_ms, last_error = excluded.last_error`,
			d.id, status, attempts, nextAt.UnixMilli(), sentMS, lastErr); err != nil {
			return sent, fmt.Errorf("smtp relay: record delivery of %s: %w", d.id, err)
		}
		if serr == nil {
			sent++
		} else if status == "retry" {
			// The server is likely down: stop this round instead of failing every message once.
			return sent, nil
		}
	}
	return sent, nil
}

func (r *SMTPRelay) backoff(attempts int) time.Duration {
	d := time.Second << min(attempts, 20)
	return min(d, r.MaxBackoff)
}

// Run relays until ctx ends: right away when woken, when a retry falls due, and every minute.
func (r *SMTPRelay) Run(ctx context.Context) {
	for {
		n, err := r.RelayOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			r.log.Error("smtp relay failed", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		wait := time.Minute
		var next sql.NullInt64
		if err := r.db.QueryRowContext(ctx, `SELECT MIN(next_ms) FROM mail_smtp_delivery WHERE status = 'retry'`).Scan(&next); err == nil && next.Valid {
			wait = min(wait, max(time.Duration(next.Int64-r.clock.Now().UnixMilli())*time.Millisecond, 0))
		}
		tm := r.clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			tm.Stop()
			return
		case <-r.wake:
			tm.Stop()
		case <-tm.C():
		}
	}
}

// DeliveryStatus counts the relay's messages by status ("sent", "retry", "dead").
func (r *SMTPRelay) DeliveryStatus(ctx context.Context) (map[string]int, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM mail_smtp_delivery GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
