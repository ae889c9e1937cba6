package server

import (
	"context"
	"strings"
	"testing"
)

// dumpExecutions logs the newest executions' status and history event types, for failing tests.
func dumpExecutions(t *testing.T, rt *Runtime) {
	ctx := context.Background()
	for _, sm := range rt.Machine {
		list, _ := rt.Engine.ListExecutions(ctx, sm.ARN, "")
		for i, x := range list {
			if i > 2 {
				break
			}
			d, _ := rt.Engine.DescribeExecution(ctx, x.ExecutionArn)
			h, _ := rt.Engine.GetExecutionHistory(ctx, x.ExecutionArn, false)
			var types []string
			for _, e := range h {
				types = append(types, e.Type)
			}
			t.Logf("%s %s: %s", x.ExecutionArn, d.Status, strings.Join(types, " → "))
		}
	}
}
