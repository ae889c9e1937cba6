package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/domain"
)

// Executions that left the engine's memory (ExecutionRetention) still show in the console: a
// Standard one with its history from the database, an Express one with its status and input.
func TestConsoleShowsExecutionsThatLeftMemory(t *testing.T) {
	ctx := context.Background()
	rt, _ := launch(t, Config{ExecutionRetention: 1})
	srv := httptest.NewServer(rt.Handler())
	defer srv.Close()
	var err error

	_, id := postLead(t, srv.URL, `{"email":"old@firma.de","name":"Evicted Lead","company":"Firma","country":"DE"}`)
	waitFor(t, "routed", func() bool { l, err := rt.Store.GetLead(ctx, id); return err == nil && l.Status == domain.LeadRouted })
	lq := rt.Machine["lead-qualification"]
	var leads []sfn.ExecutionListItem
	waitFor(t, "lead-qualification succeeded", func() bool {
		leads, err = rt.Engine.ListExecutions(ctx, lq.ARN, sfn.StatusSucceeded)
		return err == nil && len(leads) == 1
	})
	// A Standard execution that fails in its first state (no digest id), then another one that
	// pushes it out of memory.
	digest := rt.Machine["manager-digest"]
	var arns []string
	for i := range 2 {
		out, err := rt.Engine.StartExecution(ctx, sfn.StartExecutionInput{StateMachineArn: digest.ARN, Name: fmt.Sprintf("broken-%d", i), Input: `{}`})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, out.ExecutionArn)
		waitFor(t, "digest ended", func() bool {
			d, err := rt.Engine.DescribeExecution(ctx, out.ExecutionArn)
			return err == nil && d.Status != sfn.StatusRunning
		})
	}
	waitFor(t, "first digest evicted", func() bool { _, ok := rt.Engine.Execution(arns[0]); return !ok })
	if _, ok := rt.Engine.Execution(leads[0].ExecutionArn); ok {
		t.Fatal("the lead's execution is still in memory with a retention of 1")
	}

	code, body := getPage(t, srv.URL+"/console/execution?arn="+url.QueryEscape(arns[0]))
	if code != http.StatusOK {
		t.Fatalf("evicted Standard execution page: status %d", code)
	}
	for _, w := range []string{"broken-0", "FAILED", "ExecutionStarted", "TaskStateEntered", "ExecutionFailed"} {
		if !strings.Contains(body, w) {
			t.Errorf("evicted Standard execution page lacks %q", w)
		}
	}
	code, body = getPage(t, srv.URL+"/console/execution?arn="+url.QueryEscape(leads[0].ExecutionArn))
	if code != http.StatusOK || !strings.Contains(body, "SUCCEEDED") || !strings.Contains(body, id) {
		t.Fatalf("evicted Express execution page: status %d, SUCCEEDED and lead id shown: %v, %v", code, strings.Contains(body, "SUCCEEDED"), strings.Contains(body, id))
	}
	if _, err := rt.Engine.GetExecutionHistory(ctx, leads[0].ExecutionArn, false); err == nil || !strings.Contains(err.Error(), "most recently finished") {
		t.Errorf("history of an evicted Express execution: %v, want the retention explained", err)
	}
}
