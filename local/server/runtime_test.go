package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/webhook"
)

func testEnv(name string) string {
	return map[string]string{"TEST_LEAD_SECRET": "lead-secret", "TEST_HUBSPOT_SECRET": "hs-secret"}[name]
}

func start(t *testing.T, dbPath string) (*Runtime, *httptest.Server, context.CancelFunc) {
	t.Helper()
	rt, stop := launch(t, Config{DBPath: dbPath})
	srv := newServer(rt)
	return rt, srv, func() { srv.Close(); stop() }
}

func postLead(t *testing.T, url string, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/leads", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Dealflow-Signature", webhook.Sign([]byte(body), time.Now(), "lead-secret"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.ID
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLeadsPostedOverHTTPAreRoutedOnceAndOwnersNotified(t *testing.T) {
	rt, srv, stop := start(t, filepath.Join(t.TempDir(), "dealflow.db"))
	defer stop()
	ctx := context.Background()
	var ids []string
	for i := 0; i < 20; i++ {
		body := fmt.Sprintf(`{"email":"lead%d@firma%d.de","name":"Lead %d","company":"Firma %d","country":"DE","employees":"%d"}`, i, i, i, i, 500*i)
		code, id := postLead(t, srv.URL, body)
		if code != http.StatusAccepted {
			t.Fatalf("lead %d answered %d", i, code)
		}
		ids = append(ids, id)
	}
	// A duplicate by email is merged and starts nothing.
	if code, id := postLead(t, srv.URL, `{"email":"LEAD3@firma3.de","title":"CEO"}`); code != http.StatusOK || id != ids[3] {
		t.Fatalf("duplicate answered %d %s", code, id)
	}
	owners := map[string]int{}
	for _, id := range ids {
		waitFor(t, "lead "+id+" routed", func() bool {
			l, err := rt.Store.GetLead(ctx, id)
			return err == nil && l.Status == domain.LeadRouted
		})
		l, _ := rt.Store.GetLead(ctx, id)
		owners[l.OwnerID]++
		if !strings.HasPrefix(l.RoutingExplanation, "rule dach → pool dach-sdr; ") {
			t.Errorf("lead %s explanation %q", id, l.RoutingExplanation)
		}
	}
	if owners["sam"] != 10 || owners["sue"] != 10 {
		t.Fatalf("owners = %v, want 10 each", owners)
	}
	defer func() {
		if t.Failed() {
			dumpExecutions(t, rt)
		}
	}()
	waitFor(t, "20 notifications", func() bool { n, _ := rt.Outbox.Count(ctx); return n >= 20 })
	time.Sleep(100 * time.Millisecond)
	if n, _ := rt.Outbox.Count(ctx); n != 20 {
		t.Fatalf("outbox has %d messages, want exactly 20", n)
	}
	// Each routed lead produced one Lead Routed event on the bus.
	arch, err := rt.Bus.Archive(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, a := range arch {
		var env struct {
			DetailType string `json:"detail-type"`
		}
		json.Unmarshal(a.Envelope, &env)
		kinds[env.DetailType]++
	}
	if kinds["Lead Received"] != 20 || kinds["Lead Qualified"] != 20 || kinds["Lead Routed"] != 20 {
		t.Fatalf("archived events = %v", kinds)
	}
}

func TestBrokenStateMachineRefusesToStartNamingFileAndField(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(writeFile(filepath.Join(root, "statemachines", "x.asl.json"), `{"StartAt":"Route","States":{"Route":{"Type":"Pass","Next":"Notfy"},"Notify":{"Type":"Succeed"}}}`))
	_, err := New(context.Background(), Config{Root: root, OrgFile: "testdata/org.yaml", DBPath: filepath.Join(root, "db"), Env: testEnv})
	if err == nil || !strings.Contains(err.Error(), `x.asl.json`) || !strings.Contains(err.Error(), `Notfy`) {
		t.Fatalf("err = %v", err)
	}
}

func writeFile(path, s string) error {
	if err := mkdirAll(filepath.Dir(path)); err != nil {
		return err
	}
	return writeAll(path, bytes.NewBufferString(s).Bytes())
}

func newServer(rt *Runtime) *httptest.Server { return httptest.NewServer(rt.Handler()) }

// The workflow a lead starts is named after its Lead Received event (started in intake's own
// transaction, nothing left queued), and replaying the archive starts it no second time.
func TestLeadWorkflowIsNamedAfterItsEventAndReplayStartsNothingNew(t *testing.T) {
	rt, srv, stop := start(t, filepath.Join(t.TempDir(), "dealflow.db"))
	defer stop()
	ctx := context.Background()
	code, id := postLead(t, srv.URL, `{"email":"named@firma.de","name":"Named","company":"Firma","country":"DE"}`)
	if code != http.StatusAccepted {
		t.Fatalf("lead answered %d", code)
	}
	waitFor(t, "lead routed", func() bool {
		l, err := rt.Store.GetLead(ctx, id)
		return err == nil && l.Status == domain.LeadRouted
	})
	arch, err := rt.Bus.Archive(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	var received string
	for _, e := range arch {
		var env struct {
			ID         string `json:"id"`
			DetailType string `json:"detail-type"`
		}
		if json.Unmarshal(e.Envelope, &env) == nil && env.DetailType == "Lead Received" {
			received = env.ID
		}
	}
	xs, err := rt.Engine.ListExecutions(ctx, rt.Machine["lead-qualification"].ARN, "")
	if err != nil || len(xs) != 1 {
		t.Fatalf("%d executions, %v; want 1", len(xs), err)
	}
	if received == "" || !strings.HasPrefix(xs[0].Name, received+"-") {
		t.Fatalf("execution %q is not named after the Lead Received event %q", xs[0].Name, received)
	}
	if n, err := rt.Bus.Replay(ctx, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), "lead-received-qualify"); err != nil || n != 1 {
		t.Fatalf("replayed %d, %v; want 1", n, err)
	}
	waitFor(t, "replayed delivery done", func() bool { p, _, err := rt.Bus.Pending(ctx); return err == nil && p == 0 })
	if xs, _ := rt.Engine.ListExecutions(ctx, rt.Machine["lead-qualification"].ARN, ""); len(xs) != 1 {
		t.Fatalf("%d executions after the replay; want still 1", len(xs))
	}
}

// One runtime per SQLite file: a second one is refused with a message naming the file and the
// process holding it, and the file is free again once the first closes.
func TestSecondRuntimeOnTheSameFileIsRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dealflow.db")
	ctx := context.Background()
	first, err := New(ctx, Config{Root: "../..", OrgFile: "testdata/org.yaml", DBPath: db, Env: testEnv})
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(ctx, Config{Root: "../..", OrgFile: "testdata/org.yaml", DBPath: db, Env: testEnv})
	if err == nil || !strings.Contains(err.Error(), db) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Fatalf("second runtime: err %v; want the file and this process named", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := New(ctx, Config{Root: "../..", OrgFile: "testdata/org.yaml", DBPath: db, Env: testEnv})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	again.Close()
}
