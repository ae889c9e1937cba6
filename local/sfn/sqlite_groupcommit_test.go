package sfn

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/dealflow/dealflow/shared/store/sqlite/groupcommit"
)

// The local runtime persists executions through the store's group-commit writer: concurrent
// executions share commits, each one's history is stored whole, and a duplicate name still
// reaches its caller as ErrExecutionAlreadyExists.
func TestSQLitePersistenceThroughGroupCommit(t *testing.T) {
	db := openCrashDB(t, t.TempDir()+"/sfn.db")
	defer db.Close()
	w := groupcommit.New(db)
	defer w.Close()
	ctx := context.Background()
	p, err := NewSQLitePersistence(ctx, db, WithTxRunner(w))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(WithPersistence(p))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	sm, err := e.CreateStateMachine(ctx, "m", []byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Name: fmt.Sprintf("x-%d", i), Input: `{}`})
			if err != nil {
				errs <- err
				return
			}
			x, _ := e.Execution(out.ExecutionArn)
			errs <- x.Wait(ctx)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	recs, err := p.Executions(ctx, ExecutionQuery{})
	if err != nil || len(recs) != n {
		t.Fatalf("%d stored executions, %v; want %d", len(recs), err, n)
	}
	for _, r := range recs {
		h, err := p.History(ctx, r.ARN)
		if r.Status != StatusSucceeded || err != nil || len(h) != 6 {
			t.Fatalf("%s: status %s, %d history events, %v; want SUCCEEDED with 6", r.Name, r.Status, len(h), err)
		}
	}
	if err := p.CreateExecution(ctx, recs[0]); !errors.Is(err, ErrExecutionAlreadyExists) {
		t.Fatalf("CreateExecution of an existing arn: %v, want ErrExecutionAlreadyExists", err)
	}
	if st := w.Stats(); st.Batches >= st.Txs {
		t.Logf("no commit was shared (%+v): the machine ran the executions one after another", st)
	}
}
