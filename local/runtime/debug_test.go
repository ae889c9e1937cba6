package runtime

import (
	"context"
	"testing"
)

func dumpExecutions(t *testing.T, rt *Runtime) {
	ctx := context.Background()
	for _, sm := range rt.Machine {
		list, _ := rt.Engine.ListExecutions(ctx, sm.ARN, "")
		for i, x := range list {
			if i > 0 {
				break
			}
			d, _ := rt.Engine.DescribeExecution(ctx, x.ExecutionArn)
			t.Logf("%+v", d)
			h, _ := rt.Engine.GetExecutionHistory(ctx, x.ExecutionArn, false)
			for _, e := range h {
				t.Logf("  %s %s", e.Type, e.Details)
			}
		}
	}
}
