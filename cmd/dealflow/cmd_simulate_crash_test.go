package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dealflow/dealflow/local/server"
)

// TestSimulateChild is the simulate process TestKillNineDuringSimulate kills.
func TestSimulateChild(t *testing.T) {
	db := os.Getenv("DEALFLOW_SIMULATE_CHILD_DB")
	if db == "" {
		t.Skip("only runs as the child of TestKillNineDuringSimulate")
	}
	var out, errb bytes.Buffer
	dispatch([]string{"simulate", "--days", "3", "--leads-per-day", "60", "--seed", "7", "--quiet",
		"--start", "2026-11-02T00:00:00Z", "--root", "../..", "--config", "../../examples/org.yaml", "--db", db}, &out, &errb)
}

// TestKillNineDuringSimulate kills `dealflow simulate` with SIGKILL part-way, restarts the
// product on the same database, and checks what the console shows: every stored lead is routed
// (or disqualified) exactly once, with one owner notification per routed lead.
func TestKillNineDuringSimulate(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test")
	}
	db := filepath.Join(t.TempDir(), "dealflow.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSimulateChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DEALFLOW_SIMULATE_CHILD_DB="+db)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill once leads are flowing: wait for the database, then a little more.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if fi, err := os.Stat(db); err == nil && fi.Size() > 200_000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("simulate produced no data")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, err := server.New(ctx, server.Config{Root: "../..", OrgFile: "../../examples/org.yaml", DBPath: db,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); rt.Close() }()
	srv := httptest.NewServer(rt.Handler())
	defer srv.Close()

	sqlDB := rt.Store.DB()
	var total, pending int
	deadline = time.Now().Add(60 * time.Second)
	for {
		if err := sqlDB.QueryRow(`SELECT COUNT(*), COUNT(CASE WHEN json_extract(data,'$.status') NOT IN ('routed','disqualified','handed_off','converted','won','lost','recycled') THEN 1 END) FROM leads`).Scan(&total, &pending); err != nil {
			t.Fatalf("count leads: %v", err)
		}
		if pending == 0 && total > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d leads still unrouted a minute after the restart", pending, total)
		}
		time.Sleep(50 * time.Millisecond)
	}
	notified := func() map[string]int {
		msgs, err := rt.Outbox.List(ctx, "", 1_000_000)
		if err != nil {
			t.Fatal(err)
		}
		perLead := map[string]int{}
		for _, m := range msgs {
			if strings.HasPrefix(m.Message.IdempotencyKey, "notify-owner:") {
				perLead[m.Message.Refs["leadId"]]++
			}
		}
		return perLead
	}
	routedIDs := func() map[string]string {
		rows, err := sqlDB.Query(`SELECT id, COALESCE(json_extract(data,'$.ownerId'),'') || '/' || COALESCE(json_extract(data,'$.queue'),'') FROM leads WHERE json_extract(data,'$.status') = 'routed'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var id, who string
			rows.Scan(&id, &who)
			out[id] = who
		}
		return out
	}
	var perLead map[string]int
	var routed map[string]string
	deadline = time.Now().Add(30 * time.Second)
	for {
		perLead, routed = notified(), routedIDs()
		missing := 0
		for id, who := range routed {
			if perLead[id] == 0 && !strings.HasPrefix(who, "/") {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // let any duplicate show up
	perLead = notified()
	for id, who := range routed {
		// A lead with an owner is notified exactly once; one parked in a queue (the sample org's
		// fallback has no rep to tell) at most once.
		if want := 1; perLead[id] != want && !(strings.HasPrefix(who, "/") && perLead[id] == 0) {
			t.Errorf("routed lead %s (owner/queue %s) has %d owner notifications", id, who, perLead[id])
		}
	}
	// The console's leads page lists them (it reads the same table).
	res, err := http.Get(srv.URL + "/console/leads")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Contains(body, []byte("routed")) {
		t.Fatalf("console leads page: %d", res.StatusCode)
	}
	b, _ := json.Marshal(map[string]int{"leads": total, "routed": len(routed), "notified": len(perLead)})
	t.Logf("after SIGKILL of simulate and a restart: %s", b)
}
