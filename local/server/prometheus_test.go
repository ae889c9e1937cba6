package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/domain"
)

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$`)

// parseMetrics checks the text exposition format (every sample preceded by its # TYPE, values
// parse) and returns samples keyed by name{labels}.
func parseMetrics(t *testing.T, r io.Reader) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	typed := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# TYPE ") {
			f := strings.Fields(line)
			typed[f[2]] = f[3]
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("malformed sample line %q", line)
		}
		base := m[1]
		if typed[base] == "" {
			base = regexp.MustCompile(`_(bucket|sum|count)$`).ReplaceAllString(base, "")
		}
		if typed[base] == "" {
			t.Fatalf("sample %s has no # TYPE", m[1])
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("value in %q: %v", line, err)
		}
		out[m[1]+m[2]] = v
	}
	return out
}

func TestMetricsCountExecutionsDeliveriesAndWebhookAnswers(t *testing.T) {
	rt, srv, stop := start(t, filepath.Join(t.TempDir(), "dealflow.db"))
	defer stop()
	ctx := context.Background()
	var ids []string
	for i := range 3 {
		code, id := postLead(t, srv.URL, fmt.Sprintf(`{"email":"m%d@firma%d.de","company":"Firma","country":"DE","employees":"300"}`, i, i))
		if code != http.StatusAccepted {
			t.Fatalf("lead %d: %d", i, code)
		}
		ids = append(ids, id)
	}
	// One unsigned request: a 401 the webhook metric must show.
	res, err := http.Post(srv.URL+"/v1/leads", "application/json", strings.NewReader(`{"email":"x@y.de"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, id := range ids {
		waitFor(t, "lead routed", func() bool { l, err := rt.Store.GetLead(ctx, id); return err == nil && l.Status == domain.LeadRouted })
	}
	sm := rt.Machine["lead-qualification"]
	waitFor(t, "executions finished", func() bool {
		xs, _ := rt.Engine.ListExecutions(ctx, sm.ARN, sfn.StatusSucceeded)
		return len(xs) == 3
	})
	wantTransitions := 0
	xs, _ := rt.Engine.ListExecutions(ctx, sm.ARN, "")
	for _, x := range xs {
		h, _ := rt.Engine.GetExecutionHistory(ctx, x.ExecutionArn, false)
		for _, e := range h {
			if strings.HasSuffix(e.Type, "StateEntered") {
				wantTransitions++
			}
		}
	}

	res, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("content type %q", ct)
	}
	m := parseMetrics(t, res.Body)
	res.Body.Close()
	lq := `{state_machine="lead-qualification"}`
	tests := []struct {
		sample string
		want   float64
	}{
		{"dealflow_executions_started_total" + lq, 3},
		{"dealflow_executions_succeeded_total" + lq, 3},
		{"dealflow_executions_failed_total" + lq, 0},
		{"dealflow_executions_running" + lq, 0},
		{"dealflow_state_transitions_total" + lq, float64(wantTransitions)},
		{"dealflow_execution_duration_seconds_count" + lq, 3},
		{`dealflow_execution_duration_seconds_bucket{state_machine="lead-qualification",le="+Inf"}`, 3},
		{`dealflow_event_deliveries_total{rule="lead-received-qualify",outcome="success"}`, 3},
		{`dealflow_webhook_responses_total{route="POST /v1/leads",code="202"}`, 3},
		{`dealflow_webhook_responses_total{route="POST /v1/leads",code="401"}`, 1},
		{`dealflow_http_request_duration_seconds_count{route="POST /v1/leads"}`, 4},
		{"dealflow_dlq_depth", 0},
	}
	for _, tc := range tests {
		t.Run(tc.sample, func(t *testing.T) {
			got, ok := m[tc.sample]
			if !ok {
				t.Fatalf("missing")
			}
			if got != tc.want {
				t.Fatalf("= %v, want %v", got, tc.want)
			}
		})
	}
	if wantTransitions < 3*3 {
		t.Errorf("only %d transitions for 3 executions", wantTransitions)
	}
	// Buckets are cumulative.
	prev := -1.0
	for _, le := range []string{"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"} {
		v := m[`dealflow_http_request_duration_seconds_bucket{route="POST /v1/leads",le="`+le+`"}`]
		if v < prev {
			t.Fatalf("bucket le=%s = %v below the previous %v", le, v, prev)
		}
		prev = v
	}
	if prev != 4 {
		t.Fatalf("+Inf bucket = %v, want 4", prev)
	}
}

func TestMetricLabelsAreEscaped(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, `{k="plain"}`},
		{`a"b`, `{k="a\"b"}`},
		{`a\b`, `{k="a\\b"}`},
		{"a\nb", `{k="a\nb"}`},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := labels("k", tc.in); got != tc.want {
				t.Fatalf("got %s", got)
			}
		})
	}
}
