package sfn

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// SQLitePersistence keeps executions in the sfn_ tables of a SQLite database (modernc.org/sqlite),
// typically the store's file (shared/store/sqlite Store.DB()).
type SQLitePersistence struct {
	db *sql.DB
	// Prepared once: preparing dominates the cost of these small statements in modernc.org/sqlite.
	insertExec, insertEvent, finishExec, saveCheckpoint *sql.Stmt
}

// NewSQLitePersistence switches db to WAL and applies the embedded migrations.
func NewSQLitePersistence(ctx context.Context, db *sql.DB) (*SQLitePersistence, error) {
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return nil, fmt.Errorf("sfn sqlite: enable WAL: %w", err)
	}
	p := &SQLitePersistence{db: db}
	if err := p.migrate(ctx); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		dst  **sql.Stmt
		text string
	}{
		{&p.insertExec, `INSERT INTO sfn_executions (arn, name, state_machine_arn, input, status, start_date) VALUES (?, ?, ?, ?, ?, ?)`},
		{&p.insertEvent, `INSERT INTO sfn_history (execution_arn, id, previous_event_id, timestamp, type, details) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (execution_arn, id) DO UPDATE SET previous_event_id = excluded.previous_event_id, timestamp = excluded.timestamp, type = excluded.type, details = excluded.details`},
		{&p.finishExec, `UPDATE sfn_executions SET status = ?, output = ?, error = ?, cause = ?, stop_date = ?,
			checkpoint = NULL, phase = NULL, due_at = NULL, token = NULL WHERE arn = ?`},
		{&p.saveCheckpoint, `UPDATE sfn_executions SET checkpoint = ?, phase = ?, due_at = ?, token = ? WHERE arn = ?`},
	} {
		st, err := db.PrepareContext(ctx, s.text)
		if err != nil {
			return nil, fmt.Errorf("sfn sqlite: prepare: %w", err)
		}
		*s.dst = st
	}
	return p, nil
}

// TruncateHistory drops events after the first n; recovery calls it when a crashed run wrote
// events past its last checkpoint.
func (p *SQLitePersistence) TruncateHistory(ctx context.Context, arn string, n int) error {
	if _, err := p.db.ExecContext(ctx, `DELETE FROM sfn_history WHERE execution_arn = ? AND id > ?`, arn, n); err != nil {
		return fmt.Errorf("sfn sqlite: truncate history of %s: %w", arn, err)
	}
	return nil
}

func (p *SQLitePersistence) migrate(ctx context.Context) error {
	if _, err := p.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS sfn_schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("sfn sqlite: create migrations table: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sfn sqlite: list migrations: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		var n int
		if err := p.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sfn_schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
			return fmt.Errorf("sfn sqlite: read migrations: %w", err)
		}
		if n > 0 {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return fmt.Errorf("sfn sqlite: read %s: %w", name, err)
		}
		tx, err := p.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sfn sqlite: migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sfn sqlite: migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sfn_schema_migrations (name, applied_at) VALUES (?, ?)`, name, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sfn sqlite: migrate %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sfn sqlite: migrate %s: %w", name, err)
		}
	}
	return nil
}

const tsLayout = time.RFC3339Nano

func fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(tsLayout)
}

func parseTime(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	t, _ := time.Parse(tsLayout, s.String)
	return t
}

func nullStr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func (p *SQLitePersistence) SaveStateMachine(ctx context.Context, sm StateMachineRecord) error {
	_, err := p.db.ExecContext(ctx, `INSERT INTO sfn_state_machines (arn, name, definition, file, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (arn) DO UPDATE SET definition = excluded.definition, file = excluded.file`,
		sm.ARN, sm.Name, sm.Definition, sm.File, fmtTime(sm.CreatedAt))
	if err != nil {
		return fmt.Errorf("sfn sqlite: save state machine %s: %w", sm.Name, err)
	}
	return nil
}

func (p *SQLitePersistence) StateMachines(ctx context.Context) ([]StateMachineRecord, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT arn, name, definition, file, created_at FROM sfn_state_machines ORDER BY arn`)
	if err != nil {
		return nil, fmt.Errorf("sfn sqlite: list state machines: %w", err)
	}
	defer rows.Close()
	var out []StateMachineRecord
	for rows.Next() {
		var r StateMachineRecord
		var created sql.NullString
		if err := rows.Scan(&r.ARN, &r.Name, &r.Definition, &r.File, &created); err != nil {
			return nil, fmt.Errorf("sfn sqlite: list state machines: %w", err)
		}
		r.CreatedAt = parseTime(created)
		out = append(out, r)
	}
	return out, rows.Err()
}

func (p *SQLitePersistence) CreateExecution(ctx context.Context, x ExecutionRecord) error {
	_, err := p.insertExec.ExecContext(ctx, x.ARN, x.Name, x.StateMachineARN, x.Input, x.Status, fmtTime(x.StartDate))
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") || strings.Contains(err.Error(), "constraint") {
			return ErrExecutionAlreadyExists
		}
		return fmt.Errorf("sfn sqlite: create execution %s: %w", x.ARN, err)
	}
	return nil
}

func (p *SQLitePersistence) Commit(ctx context.Context, arn string, events []HistoryEvent, cp *checkpoint, final *ExecutionRecord) error {
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sfn sqlite: commit %s: %w", arn, err)
	}
	defer tx.Rollback()
	if len(events) > 0 {
		stmt := tx.StmtContext(ctx, p.insertEvent)
		for _, ev := range events {
			var details any
			if ev.Details != nil {
				details = encodeJSON(ev.Details)
			}
			if _, err := stmt.ExecContext(ctx, arn, ev.ID, ev.PreviousEventID, fmtTime(ev.Timestamp), ev.Type, details); err != nil {
				return fmt.Errorf("sfn sqlite: append history of %s: %w", arn, err)
			}
		}
	}
	switch {
	case final != nil:
		_, err = tx.StmtContext(ctx, p.finishExec).ExecContext(ctx, final.Status, nullStr(final.Output), nullStr(final.Error), nullStr(final.Cause), fmtTime(final.StopDate), arn)
	case cp != nil:
		b, merr := cp.marshal()
		if merr != nil {
			return fmt.Errorf("sfn sqlite: encode checkpoint of %s: %w", arn, merr)
		}
		var token any
		if cp.Token != "" {
			token = cp.Token
		}
		_, err = tx.StmtContext(ctx, p.saveCheckpoint).ExecContext(ctx, string(b), cp.Phase, fmtTime(cp.DueAt), token, arn)
	}
	if err != nil {
		return fmt.Errorf("sfn sqlite: update execution %s: %w", arn, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sfn sqlite: commit %s: %w", arn, err)
	}
	return nil
}

const execColumns = `arn, name, state_machine_arn, input, status, output, error, cause, start_date, stop_date, checkpoint`

func scanExecution(sc interface{ Scan(...any) error }) (ExecutionRecord, sql.NullString, error) {
	var r ExecutionRecord
	var output, errName, cause, start, stop, cp sql.NullString
	if err := sc.Scan(&r.ARN, &r.Name, &r.StateMachineARN, &r.Input, &r.Status, &output, &errName, &cause, &start, &stop, &cp); err != nil {
		return r, cp, err
	}
	str := func(n sql.NullString) *string {
		if !n.Valid {
			return nil
		}
		s := n.String
		return &s
	}
	r.Output, r.Error, r.Cause = str(output), str(errName), str(cause)
	r.StartDate, r.StopDate = parseTime(start), parseTime(stop)
	return r, cp, nil
}

func (p *SQLitePersistence) Executions(ctx context.Context) ([]ExecutionRecord, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT `+execColumns+` FROM sfn_executions ORDER BY start_date`)
	if err != nil {
		return nil, fmt.Errorf("sfn sqlite: list executions: %w", err)
	}
	defer rows.Close()
	var out []ExecutionRecord
	for rows.Next() {
		r, _, err := scanExecution(rows)
		if err != nil {
			return nil, fmt.Errorf("sfn sqlite: list executions: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (p *SQLitePersistence) Execution(ctx context.Context, arn string) (ExecutionRecord, *checkpoint, error) {
	r, cp, err := scanExecution(p.db.QueryRowContext(ctx, `SELECT `+execColumns+` FROM sfn_executions WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil, ErrExecutionDoesNotExist
	}
	if err != nil {
		return r, nil, fmt.Errorf("sfn sqlite: read execution %s: %w", arn, err)
	}
	if !cp.Valid {
		return r, nil, nil
	}
	c, err := unmarshalCheckpoint([]byte(cp.String))
	if err != nil {
		return r, nil, fmt.Errorf("sfn sqlite: execution %s: %w", arn, err)
	}
	return r, c, nil
}

func (p *SQLitePersistence) History(ctx context.Context, arn string) ([]HistoryEvent, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT id, previous_event_id, timestamp, type, details FROM sfn_history WHERE execution_arn = ? ORDER BY id`, arn)
	if err != nil {
		return nil, fmt.Errorf("sfn sqlite: read history of %s: %w", arn, err)
	}
	defer rows.Close()
	var out []HistoryEvent
	for rows.Next() {
		var ev HistoryEvent
		var ts, details sql.NullString
		if err := rows.Scan(&ev.ID, &ev.PreviousEventID, &ts, &ev.Type, &details); err != nil {
			return nil, fmt.Errorf("sfn sqlite: read history of %s: %w", arn, err)
		}
		ev.Timestamp = parseTime(ts)
		if details.Valid {
			var m map[string]any
			dec := json.NewDecoder(strings.NewReader(details.String))
			dec.UseNumber()
			if err := dec.Decode(&m); err != nil {
				return nil, fmt.Errorf("sfn sqlite: decode history of %s: %w", arn, err)
			}
			ev.Details = m
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}
