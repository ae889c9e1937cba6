package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The console reads the runtime: leads from the store, events newest first with their rules,
// schedules with next fire times.
func TestConsoleShowsWhatTheRuntimeHolds(t *testing.T) {
	rt, srv, stop := start(t, filepath.Join(t.TempDir(), "dealflow.db"))
	defer stop()
	ctx := context.Background()
	var ids []string
	for i := range 2 {
		_, id := postLead(t, srv.URL, fmt.Sprintf(`{"email":"c%d@firma%d.de","name":"Console Lead %d","company":"Firma","country":"DE"}`, i, i, i))
		ids = append(ids, id)
	}
	for _, id := range ids {
		waitFor(t, "routed", func() bool { l, err := rt.Store.GetLead(ctx, id); return err == nil && l.Status == domain.LeadRouted })
	}
	tests := []struct {
		page string
		want []string
	}{
		{"/console/leads", []string{"Console Lead 0", "Console Lead 1", "/console/leads/" + ids[0]}},
		{"/console/leads/" + ids[1], []string{`id="routing-explanation"`, "rule dach", "lead-qualification · ", "status-SUCCEEDED"}},
		{"/console/events", []string{"Lead Routed", "Lead Received", "lead-received-qualify"}},
		{"/console/schedules", []string{"outbox-relay", "rate(1 minute)"}},
		{"/console/executions?machine=lead-qualification", []string{"SUCCEEDED"}},
		{"/console/dlq", []string{"empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.page, func(t *testing.T) {
			code, body := getPage(t, srv.URL+tc.page)
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
	// Newest event first: the last Lead Routed comes before the first Lead Received.
	_, body := getPage(t, srv.URL+"/console/events")
	if strings.Index(body, "Lead Routed") > strings.LastIndex(body, "Lead Received") {
		t.Error("events are not listed newest first")
	}
}

func TestConsoleTokenFromConfig(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, err := New(ctx, Config{Root: "../..", OrgFile: "testdata/org.yaml", DBPath: filepath.Join(t.TempDir(), "db"), Env: testEnv,
		ConsoleToken: "a-console-token-long-enough"})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	srv := newServer(rt)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/console/leads")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/console/login" {
		t.Fatalf("without the token the console answered %s", res.Request.URL.Path)
	}
	// The API itself is not behind the console token.
	if code, _ := getPage(t, srv.URL+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz %d", code)
	}
}
