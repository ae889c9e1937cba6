package sfn

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

func startTxEngine(t *testing.T, db *sql.DB) (*Engine, *StateMachine) {
	t.Helper()
	ctx := context.Background()
	p, err := NewSQLitePersistence(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(WithPersistence(p))
	if err != nil {
		t.Fatal(err)
	}
	sm, err := e.CreateStateMachine(ctx, "m", []byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"ok":true},"End":true}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	return e, sm
}

func inTx(t *testing.T, db *sql.DB, commit bool, fn func(tx *sql.Tx) (func(), error)) (func(), error) {
	t.Helper()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	run, err := fn(tx)
	if !commit || err != nil {
		_ = tx.Rollback()
		return run, err
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return run, nil
}

// An execution started inside a caller's transaction exists once that transaction commits, runs
// when the caller says so, and is idempotent by name like StartExecution.
func TestStartExecutionTx(t *testing.T) {
	ctx := context.Background()
	db := openCrashDB(t, t.TempDir()+"/sfn.db")
	defer db.Close()
	e, sm := startTxEngine(t, db)
	defer e.Close()
	in := StartExecutionInput{StateMachineArn: sm.ARN, Name: "n1", Input: `{"a":1}`}

	// Rolled back: nothing stored, nothing to run.
	if _, err := inTx(t, db, false, func(tx *sql.Tx) (func(), error) { return e.StartExecutionTx(ctx, tx, in) }); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sfn_executions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d executions stored after a rollback (%v); want 0", n, err)
	}

	run, err := inTx(t, db, true, func(tx *sql.Tx) (func(), error) { return e.StartExecutionTx(ctx, tx, in) })
	if err != nil || run == nil {
		t.Fatalf("run = %v, err = %v", run != nil, err)
	}
	arn := "arn:aws:states:us-east-1:000000000000:execution:m:n1"
	if _, ok := e.Execution(arn); ok {
		t.Fatal("the execution runs before the caller calls run")
	}
	var status string
	if err := db.QueryRow(`SELECT status FROM sfn_executions WHERE name = 'n1'`).Scan(&status); err != nil || status != StatusRunning {
		t.Fatalf("stored status %q, %v; want RUNNING before run", status, err)
	}
	run()
	x, ok := e.Execution(arn)
	if !ok {
		t.Fatalf("execution %s not found after run", arn)
	}
	if err := x.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if st, out, _, _ := x.Status(); st != StatusSucceeded || out == nil || *out != `{"ok":true}` {
		t.Fatalf("status %s output %v", st, out)
	}

	// Same name, same input: the execution already there (no second run).
	again, err := inTx(t, db, true, func(tx *sql.Tx) (func(), error) { return e.StartExecutionTx(ctx, tx, in) })
	if err != nil || again != nil {
		t.Fatalf("same name and input: run %v, err %v; want nothing to run", again != nil, err)
	}
	// Same name, other input: ExecutionAlreadyExists.
	other := in
	other.Input = `{"a":2}`
	if _, err := inTx(t, db, true, func(tx *sql.Tx) (func(), error) { return e.StartExecutionTx(ctx, tx, other) }); !errors.Is(err, ErrExecutionAlreadyExists) {
		t.Fatalf("same name, other input: err %v; want ErrExecutionAlreadyExists", err)
	}
	// Invalid input is refused before anything is written.
	bad := StartExecutionInput{StateMachineArn: sm.ARN, Name: "n2", Input: `{`}
	if _, err := inTx(t, db, true, func(tx *sql.Tx) (func(), error) { return e.StartExecutionTx(ctx, tx, bad) }); !errors.Is(err, ErrInvalidExecutionInput) {
		t.Fatalf("invalid input: err %v", err)
	}
}

// A crash after the commit and before run leaves a RUNNING execution without a checkpoint; the
// next engine's Recover runs it from the start.
func TestStartExecutionTxRecoveredAfterCrashBeforeRun(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/sfn.db"
	db := openCrashDB(t, path)
	e, sm := startTxEngine(t, db)
	if _, err := inTx(t, db, true, func(tx *sql.Tx) (func(), error) {
		return e.StartExecutionTx(ctx, tx, StartExecutionInput{StateMachineArn: sm.ARN, Name: "lost", Input: `{}`})
	}); err != nil {
		t.Fatal(err)
	}
	e.Close() // run never called: the process "died"
	db.Close()

	db = openCrashDB(t, path)
	defer db.Close()
	e2, _ := startTxEngine(t, db)
	defer e2.Close()
	if n, err := e2.Recover(ctx); err != nil || n != 1 {
		t.Fatalf("recovered %d, %v; want 1", n, err)
	}
	x, ok := e2.Execution("arn:aws:states:us-east-1:000000000000:execution:m:lost")
	if !ok {
		t.Fatal("execution not recovered")
	}
	if err := x.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _, _, _ := x.Status(); st != StatusSucceeded {
		t.Fatalf("status %s; want SUCCEEDED", st)
	}
}

// The memory engine has no SQL transaction to join.
func TestStartExecutionTxNeedsSQL(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.StartExecutionTx(context.Background(), nil, StartExecutionInput{}); !errors.Is(err, ErrNoTransaction) {
		t.Fatalf("err %v; want ErrNoTransaction", err)
	}
}
