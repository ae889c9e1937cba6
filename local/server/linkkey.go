package server

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// LinkKeyEnv overrides the key that signs links in emails (accept/decline, snooze).
const LinkKeyEnv = "DEALFLOW_LINK_KEY"

// linkKey returns the link-signing key: from the environment, or else a random key made on first
// start and kept in the database, so links in emails already sent keep working after a restart.
func linkKey(ctx context.Context, db *sql.DB, env func(string) string) ([]byte, error) {
	if v := env(LinkKeyEnv); v != "" {
		if len(v) < 32 {
			return nil, fmt.Errorf("%s must be at least 32 characters", LinkKeyEnv)
		}
		return []byte(v), nil
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS runtime_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)`); err != nil {
		return nil, fmt.Errorf("create secrets table: %w", err)
	}
	var v string
	err := db.QueryRowContext(ctx, `SELECT value FROM runtime_secrets WHERE name = 'link-key'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		if _, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO runtime_secrets(name, value) VALUES('link-key', ?)`, hex.EncodeToString(b[:])); err != nil {
			return nil, err
		}
		err = db.QueryRowContext(ctx, `SELECT value FROM runtime_secrets WHERE name = 'link-key'`).Scan(&v)
	}
	if err != nil {
		return nil, fmt.Errorf("read link key: %w", err)
	}
	return hex.DecodeString(v)
}
