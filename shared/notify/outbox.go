package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/store/sqlite/groupcommit"
)

// Outbox is the local default Mailer: messages are stored in the SQLite file, shown in the console
// and exportable as .eml. Nothing leaves the machine.
type Outbox struct {
	db    *sql.DB
	clock clock.Clock
	w     groupcommit.Runner
}

// OutboxOption configures OpenOutbox.
type OutboxOption func(*Outbox)

// WithWriter stores messages through w (the local runtime passes the store's group-commit
// writer, so a message shares the commit of the writes around it instead of taking the file's
// one write connection for a commit of its own). Default: a transaction of its own on db.
func WithWriter(w groupcommit.Runner) OutboxOption { return func(o *Outbox) { o.w = w } }

// OpenOutbox prepares the outbox table in db.
func OpenOutbox(db *sql.DB, c clock.Clock, opts ...OutboxOption) (*Outbox, error) {
	_, err := db.Exec(`CREATE TABLE IF NOT EXISTS mail_outbox (
  id TEXT PRIMARY KEY,
  idem_key TEXT NOT NULL UNIQUE,
  sent_ms INTEGER NOT NULL,
  recipients TEXT NOT NULL,
  subject TEXT NOT NULL,
  meta TEXT NOT NULL,
  eml BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS mail_outbox_sent ON mail_outbox(sent_ms);`)
	if err != nil {
		return nil, fmt.Errorf("mail outbox: create table: %w", err)
	}
	o := &Outbox{db: db, clock: c, w: groupcommit.Single{DB: db}}
	for _, opt := range opts {
		opt(o)
	}
	return o, nil
}

// Send stores the message once per idempotency key and returns the stored message's id (the
// first one's, for a repeated key).
func (o *Outbox) Send(ctx context.Context, m Message) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	now := o.clock.Now()
	id := NewMessageID("")
	eml, err := RenderMIME(m, id, now)
	if err != nil {
		return "", err
	}
	meta, _ := json.Marshal(m)
	to := strings.Join(append(append([]string{}, m.To...), m.Cc...), ", ")
	var stored string
	err = o.w.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO mail_outbox(id, idem_key, sent_ms, recipients, subject, meta, eml) VALUES(?,?,?,?,?,?,?)
ON CONFLICT(idem_key) DO NOTHING`, id, m.IdempotencyKey, now.UnixMilli(), to, m.Subject, string(meta), eml); err != nil {
			return err
		}
		// A Send with the same key may have stored it before: answer with whichever is stored.
		return tx.QueryRowContext(ctx, `SELECT id FROM mail_outbox WHERE idem_key = ?`, m.IdempotencyKey).Scan(&stored)
	})
	if err != nil {
		return "", fmt.Errorf("mail outbox: store: %w", err)
	}
	return stored, nil
}

// StoredMessage is one message of the outbox.
type StoredMessage struct {
	ID      string    `json:"id"`
	SentAt  time.Time `json:"sentAt"`
	Message Message   `json:"message"`
}

// List returns the newest messages first; to filters by recipient address when not empty.
func (o *Outbox) List(ctx context.Context, to string, limit int) ([]StoredMessage, error) {
	q := `SELECT id, sent_ms, meta FROM mail_outbox`
	var args []any
	if to != "" {
		q += ` WHERE recipients LIKE ? ESCAPE '\'`
		args = append(args, "%"+strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(to)+"%")
	}
	q += ` ORDER BY sent_ms DESC, rowid DESC LIMIT ?`
	args = append(args, limit)
	rows, err := o.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredMessage
	for rows.Next() {
		var s StoredMessage
		var ms int64
		var meta string
		if err := rows.Scan(&s.ID, &ms, &meta); err != nil {
			return nil, err
		}
		s.SentAt = time.UnixMilli(ms).UTC()
		if err := json.Unmarshal([]byte(meta), &s.Message); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// EML returns the stored RFC 5322 form of a message.
func (o *Outbox) EML(ctx context.Context, id string) ([]byte, error) {
	var eml []byte
	err := o.db.QueryRowContext(ctx, `SELECT eml FROM mail_outbox WHERE id = ?`, id).Scan(&eml)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("message %s: not found", id)
	}
	return eml, err
}

// Count returns how many messages the outbox holds.
func (o *Outbox) Count(ctx context.Context) (int, error) {
	var n int
	err := o.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox`).Scan(&n)
	return n, err
}
