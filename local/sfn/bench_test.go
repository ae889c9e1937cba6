package sfn

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dealflow/dealflow/shared/store/sqlite/groupcommit"
)

// The 10-state Pass/Choice workflow shaped like lead routing, and its input; bench/engine-peer.sh
// runs the same files on aws-local-stepfunctions.
var (
	tenStateDefinition = mustRead("testdata/bench-ten-states.asl.json")
	benchInput         = mustRead("testdata/bench-ten-states.input.json")
)

func mustRead(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(b))
}

func benchRun(b *testing.B, e *Engine, def string, input string) {
	benchRunParallel(b, e, def, input, 1)
}

// benchRunParallel keeps parallelism×GOMAXPROCS executions in flight.
func benchRunParallel(b *testing.B, e *Engine, def string, input string, parallelism int) {
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "bench", []byte(def), "bench.asl.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	b.ResetTimer()
	var n int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := atomicAdd(&n)
			out, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Name: fmt.Sprintf("x-%d", i), Input: input})
			if err != nil {
				b.Fatal(err)
			}
			x, _ := e.Execution(out.ExecutionArn)
			<-x.Done()
			if st, _, _, _ := x.Status(); st != StatusSucceeded {
				b.Fatalf("execution %s", st)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "exec/s")
}

func BenchmarkTenStatesMemory(b *testing.B) {
	e, err := New()
	if err != nil {
		b.Fatal(err)
	}
	benchRun(b, e, tenStateDefinition, benchInput)
}

func BenchmarkTenStatesDurable(b *testing.B) {
	db := openCrashDB(b, filepath.Join(b.TempDir(), "bench.db"))
	defer db.Close()
	p, err := NewSQLitePersistence(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(WithPersistence(p))
	if err != nil {
		b.Fatal(err)
	}
	benchRun(b, e, tenStateDefinition, benchInput)
}

// BenchmarkTenStatesDurableGroupCommit is the durable engine as `dealflow serve` runs it: its
// transactions go through the file's group-commit writer (local/server: sfn.WithTxRunner) and
// many executions are in flight, so their commits are shared.
func BenchmarkTenStatesDurableGroupCommit(b *testing.B) {
	db := openCrashDB(b, filepath.Join(b.TempDir(), "bench.db"))
	defer db.Close()
	w := groupcommit.New(db)
	defer w.Close()
	p, err := NewSQLitePersistence(context.Background(), db, WithTxRunner(w))
	if err != nil {
		b.Fatal(err)
	}
	e, err := New(WithPersistence(p))
	if err != nil {
		b.Fatal(err)
	}
	benchRunParallel(b, e, tenStateDefinition, benchInput, 32)
}

func BenchmarkMap100Items(b *testing.B) {
	e, err := New()
	if err != nil {
		b.Fatal(err)
	}
	items := make([]string, 100)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id": %d, "amount": %d}`, i, i*10)
	}
	def := `{"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 10,
	  "ItemProcessor": {"StartAt": "Tag", "States": {"Tag": {"Type": "Pass", "Parameters": {"id.$": "$.id", "big": true}, "End": true}}},
	  "End": true}}}`
	benchRun(b, e, def, `{"items": [`+strings.Join(items, ",")+`]}`)
}

func atomicAdd(n *int64) int64 { return atomic.AddInt64(n, 1) }
