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
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/store/sqlite/groupcommit"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// SQLitePersistence keeps executions in the sfn_ tables of a SQLite database (modernc.org/sqlite),
// typically the store's file (shared/store/sqlite Store.DB()).
type SQLitePersistence struct {
	db *sql.DB
	w  TxRunner
	// Prepared once: preparing dominates the cost of these small statements in modernc.org/sqlite.
	insertExec, insertExecIfNew, insertEvent, finishExec, saveCheckpoint *sql.Stmt
}

// TxRunner runs fn in a write transaction and returns once it is committed. The local runtime
// passes the store's group-commit writer (shared/store/sqlite/groupcommit), so the engine's
// checkpoints share commits with the store's and the bus's writes; fn must not Commit or Rollback.
type TxRunner = groupcommit.Runner

// SQLiteOption configures NewSQLitePersistence.
type SQLiteOption func(*SQLitePersistence)

// WithTxRunner runs every write transaction through w instead of a transaction of its own on db.
func WithTxRunner(w TxRunner) SQLiteOption { return func(p *SQLitePersistence) { p.w = w } }

// NewSQLitePersistence switches db to WAL and applies the embedded migrations.
func NewSQLitePersistence(ctx context.Context, db *sql.DB, opts ...SQLiteOption) (*SQLitePersistence, error) {
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return nil, fmt.Errorf("sfn sqlite: enable WAL: %w", err)
	}
	p := &SQLitePersistence{db: db, w: groupcommit.Single{DB: db}}
	for _, o := range opts {
		o(p)
	}
	if err := p.migrate(ctx); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		dst  **sql.Stmt
		text string
	}{
		{&p.insertExec, `INSERT INTO sfn_executions (arn, name, state_machine_arn, input, status, start_date) VALUES (?, ?, ?, ?, ?, ?)`},
		{&p.insertExecIfNew, `INSERT INTO sfn_executions (arn, name, state_machine_arn, input, status, start_date) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (arn) DO NOTHING`},
		{&p.insertEvent, `INSERT INTO sfn_history (execution_arn, id, previous_event_id, timestamp, type, details) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (execution_arn, id) DO UPDATE SET previous_event_id = excluded.previous_event_id, timestamp = excluded.timestamp, type = excluded.type, details = excluded.details`},
		{&p.finishExec, `UPDATE sfn_executions SET status = ?, output = ?, error = ?, cause = ?, stop_date = ?, transitions = ?, lambda_invocations = ?,
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
	if err := p.w.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sfn_history WHERE execution_arn = ? AND id > ?`, arn, n)
		return err
	}); err != nil {
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
		err = p.w.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO sfn_schema_migrations (name, applied_at) VALUES (?, ?)`, name, time.Now().UTC().Format(time.RFC3339Nano))
			return err
		})
		if err != nil {
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
	err := p.w.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sfn_state_machines (arn, name, definition, file, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (arn) DO UPDATE SET definition = excluded.definition, file = excluded.file`,
			sm.ARN, sm.Name, sm.Definition, sm.File, fmtTime(sm.CreatedAt))
		return err
	})
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
	err := p.w.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, p.insertExec).ExecContext(ctx, x.ARN, x.Name, x.StateMachineARN, x.Input, x.Status, fmtTime(x.StartDate))
		return err
	})
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") || strings.Contains(err.Error(), "constraint") {
			return ErrExecutionAlreadyExists
		}
		return fmt.Errorf("sfn sqlite: create execution %s: %w", x.ARN, err)
	}
	return nil
}

func (p *SQLitePersistence) Commit(ctx context.Context, arn string, events []HistoryEvent, cp *checkpoint, final *ExecutionRecord) error {
	// Encoded before the transaction: the group-commit writer runs fn on its one goroutine.
	var cpJSON []byte
	if final == nil && cp != nil {
		b, err := cp.marshal()
		if err != nil {
			return fmt.Errorf("sfn sqlite: encode checkpoint of %s: %w", arn, err)
		}
		cpJSON = b
	}
	details := make([]any, len(events))
	for i, ev := range events {
		if ev.Details != nil {
			details[i] = encodeJSON(ev.Details)
		}
	}
	err := p.w.Tx(ctx, func(tx *sql.Tx) error { return p.commit(ctx, tx, arn, events, details, cp, cpJSON, final) })
	if err != nil {
		return fmt.Errorf("sfn sqlite: commit %s: %w", arn, err)
	}
	return nil
}

func (p *SQLitePersistence) commit(ctx context.Context, tx *sql.Tx, arn string, events []HistoryEvent, details []any, cp *checkpoint, cpJSON []byte, final *ExecutionRecord) error {
	var err error
	if len(events) > 0 {
		stmt := tx.StmtContext(ctx, p.insertEvent)
		for i, ev := range events {
			if _, err := stmt.ExecContext(ctx, arn, ev.ID, ev.PreviousEventID, fmtTime(ev.Timestamp), ev.Type, details[i]); err != nil {
				return fmt.Errorf("append history: %w", err)
			}
		}
	}
	switch {
	case final != nil:
		_, err = tx.StmtContext(ctx, p.finishExec).ExecContext(ctx, final.Status, nullStr(final.Output), nullStr(final.Error), nullStr(final.Cause), fmtTime(final.StopDate),
			final.Transitions, final.LambdaInvocations, arn)
	case cp != nil:
		var token any
		if cp.Token != "" {
			token = cp.Token
		}
		_, err = tx.StmtContext(ctx, p.saveCheckpoint).ExecContext(ctx, string(cpJSON), cp.Phase, fmtTime(cp.DueAt), token, arn)
	}
	if err != nil {
		return fmt.Errorf("update execution: %w", err)
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

func (p *SQLitePersistence) Executions(ctx context.Context, q ExecutionQuery) ([]ExecutionRecord, error) {
	cols := execColumns
	if q.Brief {
		cols = `arn, name, state_machine_arn, '', status, NULL, NULL, NULL, start_date, stop_date, NULL`
	}
	var where []string
	var args []any
	if q.StateMachineARN != "" {
		where, args = append(where, "state_machine_arn = ?"), append(args, q.StateMachineARN)
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, q.Status)
	}
	if q.InputContains != "" {
		where, args = append(where, "instr(input, ?) > 0"), append(args, q.InputContains)
	}
	text := `SELECT ` + cols + ` FROM sfn_executions`
	if len(where) > 0 {
		text += ` WHERE ` + strings.Join(where, " AND ")
	}
	if q.Limit > 0 {
		// Rows are inserted when executions start, so the newest rowids are the newest starts.
		text += ` ORDER BY rowid DESC LIMIT ` + strconv.Itoa(q.Limit)
	}
	rows, err := p.db.QueryContext(ctx, text, args...)
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sfn sqlite: list executions: %w", err)
	}
	// Sorted here: start_date is RFC 3339 text with trimmed fractions, which does not sort as time.
	sortRecords(out)
	return out, nil
}

func (p *SQLitePersistence) ExecutionCounts(ctx context.Context) (map[[2]string]int, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT state_machine_arn, status, COUNT(*) FROM sfn_executions GROUP BY state_machine_arn, status`)
	if err != nil {
		return nil, fmt.Errorf("sfn sqlite: count executions: %w", err)
	}
	defer rows.Close()
	out := map[[2]string]int{}
	for rows.Next() {
		var arn, status string
		var n int
		if err := rows.Scan(&arn, &status, &n); err != nil {
			return nil, fmt.Errorf("sfn sqlite: count executions: %w", err)
		}
		out[[2]string{arn, status}] = n
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
