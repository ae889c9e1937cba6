package server

import (
	"context"
	"database/sql"
	"fmt"
)

// writable checks that the database takes writes: it writes a row and rolls back, so the check
// changes nothing but still meets a read-only file, a full disk or a lock it cannot get.
func writable(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS runtime_ready (ok INTEGER)`); err != nil {
		return fmt.Errorf("write probe: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO runtime_ready(ok) VALUES(1)`); err != nil {
		return fmt.Errorf("write probe: %w", err)
	}
	return nil
}
