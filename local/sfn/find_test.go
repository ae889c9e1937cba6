package sfn

import (
	"context"
	"fmt"
	"testing"
)

// FindExecutions selects by input text and keeps the newest, from the store of a durable engine
// and from memory otherwise.
func TestFindExecutionsByInputNewestFirst(t *testing.T) {
	ctx := context.Background()
	durable := func() *Engine {
		db := openCrashDB(t, t.TempDir()+"/sfn.db")
		t.Cleanup(func() { db.Close() })
		p, err := NewSQLitePersistence(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		e, err := New(WithPersistence(p), WithRetention(1))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	memory := func() *Engine {
		e, err := New()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	for name, mk := range map[string]func() *Engine{"durable": durable, "memory": memory} {
		t.Run(name, func(t *testing.T) {
			e := mk()
			defer e.Close()
			sm, err := e.CreateStateMachine(ctx, "m", []byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`), "")
			if err != nil {
				t.Fatal(err)
			}
			for i := range 6 {
				lead := "lead_a"
				if i%2 == 1 {
					lead = "lead_b"
				}
				out, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Name: fmt.Sprintf("x%d", i), Input: fmt.Sprintf(`{"leadId":%q,"n":%d}`, lead, i)})
				if err != nil {
					t.Fatal(err)
				}
				x, _ := e.Execution(out.ExecutionArn)
				if x != nil {
					_ = x.Wait(ctx)
				}
			}
			got, err := e.FindExecutions(ctx, ExecutionQuery{InputContains: `"lead_b"`, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].Name != "x5" || got[1].Name != "x3" {
				t.Fatalf("found %+v; want x5 then x3 (lead_b's newest two)", got)
			}
			all, _ := e.FindExecutions(ctx, ExecutionQuery{StateMachineARN: sm.ARN})
			if len(all) != 6 {
				t.Fatalf("%d executions listed; want 6", len(all))
			}
		})
	}
}
