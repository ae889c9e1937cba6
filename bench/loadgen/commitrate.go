package loadgen

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the driver the product uses
)

// CommitRate is this machine's rate of tiny SQLite transactions: the physical limit of the local
// runtime, which commits every step durably.
type CommitRate struct {
	Synchronous string  `json:"synchronous"` // NORMAL is what the store uses; FULL fsyncs every commit
	Commits     int     `json:"commits"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"perSecond"`
}

// MeasureCommitRate commits one-row INSERTs in a loop for d in a temporary WAL database under
// dir (the same file system as the product's database when dir is its folder).
func MeasureCommitRate(ctx context.Context, dir, synchronous string, d time.Duration) (CommitRate, error) {
	tmp, err := os.MkdirTemp(dir, "commitrate-")
	if err != nil {
		return CommitRate{}, fmt.Errorf("commit rate: temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+synchronous+")")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(tmp, "rate.db")+"?"+q.Encode())
	if err != nil {
		return CommitRate{}, fmt.Errorf("commit rate: open: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
		return CommitRate{}, fmt.Errorf("commit rate: create table: %w", err)
	}
	stmt, err := db.PrepareContext(ctx, `INSERT INTO t (v) VALUES (?)`)
	if err != nil {
		return CommitRate{}, fmt.Errorf("commit rate: prepare: %w", err)
	}
	defer stmt.Close()
	start := time.Now()
	n := 0
	for time.Since(start) < d {
		// Each autocommit INSERT is one transaction.
		if _, err := stmt.ExecContext(ctx, "lead-sized row of about sixty bytes, like an idempotency key"); err != nil {
			return CommitRate{}, fmt.Errorf("commit rate: insert: %w", err)
		}
		n++
	}
	secs := time.Since(start).Seconds()
	return CommitRate{Synchronous: synchronous, Commits: n, Seconds: secs, PerSecond: float64(n) / secs}, nil
}
