package sfn

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

const tinyDefinition = `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`

func durableEngine(t *testing.T, retain int) (*Engine, *SQLitePersistence) {
	t.Helper()
	db := openCrashDB(t, t.TempDir()+"/sfn.db")
	t.Cleanup(func() { db.Close() })
	p, err := NewSQLitePersistence(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(WithPersistence(p), WithRetention(retain))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e, p
}

// runAll starts executions named prefix-0..n-1 on 8 goroutines and waits for each to end.
func runAll(t *testing.T, e *Engine, smARN, prefix string, n int) []string {
	t.Helper()
	ctx := context.Background()
	arns := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				out, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: smARN, Name: fmt.Sprintf("%s-%d", prefix, i), Input: fmt.Sprintf(`{"i":%d}`, i)})
				if err != nil {
					errs <- err
					return
				}
				arns[i] = out.ExecutionArn
				if x, ok := e.Execution(out.ExecutionArn); ok {
					<-x.Done()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return arns
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// A durable engine that runs for weeks keeps the most recently finished executions in memory and
// reads the others from the store: memory stays bounded, and nothing is lost to the API.
func TestDurableEngineKeepsOnlyRecentExecutionsInMemory(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	const retain = 100
	e, _ := durableEngine(t, retain)
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "tiny", []byte(tinyDefinition), "")
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, e, sm.ARN, "warm", 2*retain)
	before := heapInUse()
	arns := runAll(t, e, sm.ARN, "x", n)
	grown := int64(heapInUse()) - int64(before)

	if got := e.InMemory(); got > retain {
		t.Errorf("%d executions in memory after %d, want at most %d", got, n, retain)
	}
	// Each execution with its history takes a few KiB: keeping all would be tens of MiB.
	if grown > 8<<20 {
		t.Errorf("heap grew by %d KiB over %d executions", grown>>10, n)
	}
	d, err := e.DescribeExecution(ctx, arns[0])
	if err != nil || d.Status != StatusSucceeded || d.Input != `{"i":0}` || d.Output == nil || *d.Output != `{"i":0}` || d.StopDate.IsZero() {
		t.Fatalf("describe an evicted execution: %+v, %v", d, err)
	}
	h, err := e.GetExecutionHistory(ctx, arns[0], false)
	if got := typesOf(h); err != nil || got != "ExecutionStarted,PassStateEntered,PassStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Fatalf("history of an evicted Standard execution: %s, %v", got, err)
	}
	list, err := e.ListExecutions(ctx, sm.ARN, StatusSucceeded)
	if err != nil || len(list) != n+2*retain {
		t.Fatalf("ListExecutions: %d items, %v; want %d", len(list), err, n+2*retain)
	}
	for i := 1; i < len(list); i++ {
		if list[i].StartDate.After(list[i-1].StartDate) {
			t.Fatalf("list not newest first at %d: %v after %v", i, list[i].StartDate, list[i-1].StartDate)
		}
	}
	if st := e.Stats(sm.ARN); st.Started != int64(n+2*retain) || st.Succeeded != st.Started || st.Running != 0 || st.Transitions != 2*st.Started {
		t.Errorf("stats %+v after %d executions", st, n+2*retain)
	}
}

func typesOf(h []HistoryEvent) string {
	var ts []string
	for _, ev := range h {
		ts = append(ts, ev.Type)
	}
	return strings.Join(ts, ",")
}

// Starting an execution again with the same name and input returns it, also once it has left
// memory; another input is ExecutionAlreadyExists
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
func TestStartExecutionIsIdempotentForEvictedExecutions(t *testing.T) {
	e, p := durableEngine(t, 1)
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "tiny", []byte(tinyDefinition), "")
	if err != nil {
		t.Fatal(err)
	}
	arns := runAll(t, e, sm.ARN, "slot", 3)
	// They ran concurrently: which one is still in memory depends on the order they ended.
	gone := -1
	for i, arn := range arns {
		if _, ok := e.Execution(arn); !ok {
			gone = i
		}
	}
	if gone < 0 || e.InMemory() != 1 {
		t.Fatalf("%d executions in memory with a retention of 1", e.InMemory())
	}
	name := fmt.Sprintf("slot-%d", gone)
	out, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Name: name, Input: fmt.Sprintf(`{"i":%d}`, gone)})
	if err != nil || out.ExecutionArn != arns[gone] {
		t.Fatalf("same name and input: %+v, %v; want the existing execution", out, err)
	}
	if _, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Name: name, Input: `{"i":9}`}); !errors.Is(err, ErrExecutionAlreadyExists) {
		t.Fatalf("same name, other input: %v, want ExecutionAlreadyExists", err)
	}
	if err := e.StopExecution(ctx, arns[gone], "", ""); err != nil {
		t.Errorf("stopping an evicted (finished) execution: %v, want no error as for a finished one in memory", err)
	}
	if err := e.StopExecution(ctx, arns[0]+"-nope", "", ""); !errors.Is(err, ErrExecutionDoesNotExist) {
		t.Errorf("stopping an unknown execution: %v", err)
	}
	recs, _ := p.Executions(ctx, ExecutionQuery{StateMachineARN: sm.ARN})
	if len(recs) != 3 {
		t.Fatalf("%d stored executions, want 3 (nothing ran twice)", len(recs))
	}
}

// Express executions keep their history in memory only: nothing in sfn_history, the recent ones
// readable, the older ones describable with a clear error for their history.
func TestExpressHistoryIsNotStored(t *testing.T) {
	e, p := durableEngine(t, 2)
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "express", []byte(tinyDefinition), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetType(sm.ARN, TypeExpress); err != nil {
		t.Fatal(err)
	}
	arns := runAll(t, e, sm.ARN, "lead", 5)
	var rows int
	if err := p.db.QueryRow(`SELECT COUNT(*) FROM sfn_history`).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("%d sfn_history rows, %v; want none for Express", rows, err)
	}
	// What each used is on its row instead: two Pass states entered, no Lambda call.
	var transitions, lambdas int
	if err := p.db.QueryRow(`SELECT SUM(transitions), SUM(lambda_invocations) FROM sfn_executions`).Scan(&transitions, &lambdas); err != nil || transitions != 2*5 || lambdas != 0 {
		t.Fatalf("stored usage: %d transitions, %d Lambda invocations, %v; want 10 and 0", transitions, lambdas, err)
	}
	recent := 0
	for _, arn := range arns {
		h, err := e.GetExecutionHistory(ctx, arn, false)
		switch {
		case err == nil:
			recent++
			if !strings.HasSuffix(typesOf(h), "ExecutionSucceeded") {
				t.Errorf("recent history %s", typesOf(h))
			}
		case errors.Is(err, ErrHistoryNotRetained):
			if !strings.Contains(err.Error(), "2 most recently finished") || !strings.Contains(err.Error(), "API_GetExecutionHistory") {
				t.Errorf("error does not explain itself: %v", err)
			}
		default:
			t.Fatalf("history of %s: %v", arn, err)
		}
		if d, err := e.DescribeExecution(ctx, arn); err != nil || d.Status != StatusSucceeded {
			t.Fatalf("describe %s: %+v, %v", arn, d, err)
		}
	}
	if recent != 2 {
		t.Errorf("%d Express histories readable, want the 2 retained", recent)
	}
	if _, err := e.GetExecutionHistory(ctx, sm.ARN+"-nope", false); !errors.Is(err, ErrExecutionDoesNotExist) {
		t.Errorf("unknown execution: %v", err)
	}
}

// A restarted engine loads only what is running, and its counters start from the store.
func TestRecoverLoadsOnlyRunningExecutions(t *testing.T) {
	e, p := durableEngine(t, 1000)
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "tiny", []byte(tinyDefinition), "")
	if err != nil {
		t.Fatal(err)
	}
	arns := runAll(t, e, sm.ARN, "x", 50)
	e.Close()

	e2, err := New(WithPersistence(p))
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	if n, err := e2.Recover(ctx); err != nil || n != 0 {
		t.Fatalf("Recover = %d, %v", n, err)
	}
	if got := e2.InMemory(); got != 0 {
		t.Errorf("%d executions loaded, want none (all finished)", got)
	}
	if st := e2.Stats(sm.ARN); st.Started != 50 || st.Succeeded != 50 || st.Running != 0 {
		t.Errorf("stats after restart %+v, want 50 started and succeeded", st)
	}
	if d, err := e2.DescribeExecution(ctx, arns[7]); err != nil || d.Status != StatusSucceeded {
		t.Errorf("describe after restart: %+v, %v", d, err)
	}
}
