package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
	"github.com/dealflow/dealflow/shared/webhook"
)

func mkdirAll(p string) error           { return os.MkdirAll(p, 0o755) }
func writeAll(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func signLead(body string) string { return webhook.Sign([]byte(body), time.Now(), "lead-secret") }

// integrationToken creates an API token for an integration that writes leads, deals and
// activities and reads, as a CRM sync would hold.
func integrationToken(t testing.TB, st store.Store) string {
	t.Helper()
	_, secret, err := identity.CreateToken(context.Background(), st, "crm-sync",
		[]identity.Scope{identity.ScopeLeadsWrite, identity.ScopeDealsWrite, identity.ScopeActivitiesWrite, identity.ScopeRead}, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func jsonDecode(res *http.Response, v any) error { return json.NewDecoder(res.Body).Decode(v) }

// checkView opens a database a child process is using, read-side, for assertions.
type checkView struct {
	Store  *sqlite.Store
	Outbox *notify.Outbox
}

func openForCheck(db string) (*checkView, error) {
	st, err := sqlite.Open(db)
	if err != nil {
		return nil, err
	}
	ob, err := notify.OpenOutbox(st.DB(), clock.Real{})
	if err != nil {
		return nil, err
	}
	return &checkView{Store: st, Outbox: ob}, nil
}

// launch starts a runtime on the repository's state machines and the test org, with cfg's other
// fields; stop (also registered as a cleanup, so calling it is optional) ends it.
func launch(t *testing.T, cfg Config) (rt *Runtime, stop func()) {
	t.Helper()
	if cfg.Root == "" {
		cfg.Root = "../.."
	}
	if cfg.OrgFile == "" {
		cfg.OrgFile = "testdata/org.yaml"
	}
	if cfg.Env == nil {
		cfg.Env = testEnv
	}
	if cfg.DBPath == "" {
		cfg.DBPath = filepath.Join(t.TempDir(), "db")
	}
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); rt.Close() }) }
	t.Cleanup(stop)
	return rt, stop
}
