package loadgen

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/local/server"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/domain"
)

func TestWALCommitsCountsEveryTransactionAcrossCheckpoints(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(20)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	w := NewWALCommits(path)
	defer w.Close()
	const n = 500
	big := strings.Repeat("x", 3000) // most rows span a page: the WAL restarts every ~20 frames
	for i := 0; i < n; i++ {
		if _, err := db.Exec(`INSERT INTO t (v) VALUES (?)`, big); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			w.Poll()
		}
		if i == 100 { // a transaction of several statements is one commit
			tx, _ := db.Begin()
			for j := 0; j < 5; j++ {
				if _, err := tx.Exec(`INSERT INTO t (v) VALUES ('y')`); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.Poll()
	if got := w.Commits(); got != n+1 {
		t.Fatalf("counted %d commits, want %d (restarts seen %d)", got, n+1, w.Restarts())
	}
	if w.Restarts() == 0 {
		t.Fatal("the test did not exercise a WAL restart")
	}
}

func TestCheckLoopbackRefusesOtherHosts(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://localhost:8080", true},
		{"http://[::1]:8080", true},
		{"http://127.9.9.9:1", true},
		{"http://10.0.0.1:8080", false},
		{"http://example.com", false},
		{"http://0.0.0.0:8080", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8080", false},
	} {
		t.Run(tc.url, func(t *testing.T) {
			_, err := CheckLoopback(tc.url)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckLoopback(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
		})
	}
}

func TestParseMix(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Mix
		err  bool
	}{
		{"leads", Mix{"leads": 1}, false},
		{"leads,deals", Mix{"leads": 1, "deals": 1}, false},
		{"leads=8, handoffs=2", Mix{"leads": 8, "handoffs": 2}, false},
		{"leeds", nil, true},
		{"leads=0", nil, true},
		{"leads=-1", nil, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMix(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v", err)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("%s = %d, want %d", k, got[k], v)
				}
			}
		})
	}
	m := Mix{"leads": 3, "deals": 1}
	counts := map[string]int{}
	for i := 0; i < 400; i++ {
		counts[m.pick(i)]++
	}
	if counts["leads"] != 300 || counts["deals"] != 100 {
		t.Fatalf("shares = %v", counts)
	}
}

func TestSummarizeNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	l := Summarize(ds)
	if l.P50 != 50 || l.P95 != 95 || l.P99 != 99 || l.Max != 100 || l.N != 100 {
		t.Fatalf("summary = %+v", l)
	}
}

// TestRunAgainstTheLocalRuntime sends a short open-model load through the real HTTP handler and
// checks that every accepted lead is seen routed and that commits were counted.
func TestRunAgainstTheLocalRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "dealflow.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := func(n string) string { return map[string]string{"TEST_LEAD_SECRET": "s3cret"}[n] }
	rt, err := server.New(ctx, server.Config{Root: "../..", OrgFile: "../../local/server/testdata/org.yaml", DBPath: db, Env: env, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt.Handler())
	defer func() { srv.Close(); cancel(); rt.Close() }()

	res, err := Run(ctx, Config{URL: srv.URL, Rate: 50, Duration: time.Second, Secret: "s3cret", DB: db, Drain: 20 * time.Second, CommitRate: 100 * time.Millisecond, ServerPID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + res.Text())
	if res.Sent != 50 || res.Accepted != 50 || res.Routed != 50 || res.Errors != 0 {
		t.Fatalf("sent %d accepted %d routed %d errors %v", res.Sent, res.Accepted, res.Routed, res.ErrorKinds)
	}
	if res.WebhookToRouted.N != 50 || res.WebhookToRouted.P50 <= 0 {
		t.Fatalf("webhook→routed = %+v", res.WebhookToRouted)
	}
	// Each lead is stored, qualified, routed, notified and announced: several commits each.
	if res.CommitsPerLead < 3 {
		t.Fatalf("commits per lead = %.1f", res.CommitsPerLead)
	}
	if res.ServerCPUMsPerLead <= 0 || res.CapacityEstimate <= 0 {
		t.Fatalf("server CPU per lead = %v", res.ServerCPUMsPerLead)
	}
	if res.StoredToStarted.N != 50 || res.StartedToRouted.N != 50 {
		t.Fatalf("legs: %+v %+v", res.StoredToStarted, res.StartedToRouted)
	}
	if len(res.CommitRate) != 2 || res.CommitRate[0].PerSecond <= 0 {
		t.Fatalf("commit rate = %+v", res.CommitRate)
	}
	lq := res.Usage.Machines["lead-qualification"]
	if lq.Executions != 50 || lq.Transitions < 50*4 || res.Usage.LambdaInvocations < 150 {
		t.Fatalf("usage = %+v", res.Usage)
	}

	bad := Config{URL: "http://192.0.2.1:8080", Rate: 1, Duration: time.Second, Secret: "x", DB: db}
	if _, err := Run(ctx, bad); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("non-loopback run: %v", err)
	}
}

// TestProfileLoad runs the load in-process at DEALFLOW_PROFILE_RATE leads/s for 5 s, for
// `go test -run TestProfileLoad -cpuprofile cpu.out` (make bench-profile).
func TestProfileLoad(t *testing.T) {
	rate, _ := strconv.ParseFloat(os.Getenv("DEALFLOW_PROFILE_RATE"), 64)
	if rate <= 0 {
		t.Skip("set DEALFLOW_PROFILE_RATE")
	}
	db := filepath.Join(t.TempDir(), "dealflow.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := func(n string) string { return map[string]string{"TEST_LEAD_SECRET": "s3cret"}[n] }
	rt, err := server.New(ctx, server.Config{Root: "../..", OrgFile: "../../local/server/testdata/org.yaml", DBPath: db, Env: env, Log: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt.Handler())
	defer func() { srv.Close(); cancel(); rt.Close() }()
	res, err := Run(ctx, Config{URL: srv.URL, Rate: rate, Duration: 5 * time.Second, Secret: "s3cret", DB: db, Drain: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + res.Text())
}

func TestBracketFindsTheHighestSustainableRate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		start     float64
		limit     float64 // rates at or below hold
		wantLo    float64
		wantHi    float64
		wantSteps int
	}{
		{"grows from a good start", 200, 700, 590, 700, 7},
		{"shrinks from a bad start", 200, 70, 59, 70, 5},
		{"nothing holds", 200, 1, 0, 0, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tried []float64
			got, err := bracket(tc.start, func(rate float64) (bool, error) {
				tried = append(tried, rate)
				return rate <= tc.limit, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got < tc.wantLo || got > tc.wantHi || len(tried) != tc.wantSteps {
				t.Fatalf("bracket = %.1f after %v, want %.0f–%.0f in %d steps", got, tried, tc.wantLo, tc.wantHi, tc.wantSteps)
			}
		})
	}
}

func TestMixBodiesFollowTheOrgFile(t *testing.T) {
	org, err := config.Load("../../examples/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := newMixState(org, nil)
	if err != nil {
		t.Fatal(err)
	}
	var deal struct{ Pipeline, Stage, OwnerID, Currency string }
	if err := json.Unmarshal(m.dealBody("r", 3), &deal); err != nil {
		t.Fatal(err)
	}
	p, _ := org.Pipeline(deal.Pipeline)
	st, ok := p.Stage(deal.Stage)
	owner, isRep := org.Rep(deal.OwnerID)
	if !ok || st.Won || st.Lost || !isRep || owner.Role != domain.RoleAE || deal.Currency != org.Settings.Currency {
		t.Fatalf("deal body %+v does not fit the org", deal)
	}
	var h struct {
		SDRID string
		Notes struct{ Fields map[string]string }
	}
	if err := json.Unmarshal(m.handoffBody("sdr-1"), &h); err != nil {
		t.Fatal(err)
	}
	for _, f := range org.Handoff.Fields() {
		if h.Notes.Fields[f] == "" {
			t.Fatalf("handoff body lacks required field %q: %+v", f, h)
		}
	}
	if _, err := newMixState(&domain.Org{}, nil); err == nil {
		t.Fatal("an org without AEs or pipelines was accepted for deals")
	}
}
