// Package apptest runs every sales capability over a SQLite store, a fake clock and the mail
// outbox, behind the real HTTP routes, for tests that cross capabilities (a deal's HubSpot
// webhook, reminders on deals, onboarding on a won deal). Tests of one capability's internals use
// that package's own fixtures.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/registry"
	"github.com/dealflow/dealflow/shared/store/sqlite"
	"github.com/dealflow/dealflow/shared/webhook"
	"github.com/dealflow/dealflow/shared/workhours"
)

// Secrets the App's routes verify with.
const (
	LeadSecret    = "lead-secret"
	HubSpotSecret = "hs-secret"
)

// LinkKey signs the App's links.
var LinkKey = []byte("0123456789abcdef0123456789abcdef")

// App is every capability over one store, served over HTTP.
type App struct {
	Deps   *platform.Deps
	Caps   *registry.Capabilities
	Store  *sqlite.Store
	Outbox *notify.Outbox
	Clock  *clock.Fake
	Srv    *httptest.Server
	// Token is an API token with the admin scope, which Call sends.
	Token string
}

// Root is the repository root (for examples/ and statemachines/).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// SampleOrg is examples/org.yaml.
func SampleOrg(t testing.TB) *domain.Org {
	t.Helper()
	org, err := config.Load(filepath.Join(Root(), "examples", "org.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// New starts an App for org at the fake time at; edit may change the Deps before the
// capabilities are built (a workflow engine, Slack).
func New(t testing.TB, org *domain.Org, at time.Time, edit ...func(*platform.Deps)) *App {
	t.Helper()
	clk := clock.NewFake(at)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "dealflow.db"), sqlite.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := notify.OpenOutbox(st.DB(), clk)
	if err != nil {
		t.Fatal(err)
	}
	d := &platform.Deps{Store: st, Org: org, Clock: clk, Mailer: ob, Available: workhours.Availability(org),
		LeadSecrets: []string{LeadSecret}, LinkKey: LinkKey, HubSpot: webhook.HubSpotVerifier{Secrets: []string{HubSpotSecret}}}
	for _, e := range edit {
		e(d)
	}
	caps := registry.New(d, charts.Draw)
	a := &App{Deps: d, Caps: caps, Store: st, Outbox: ob, Clock: clk}
	a.Srv = httptest.NewServer(caps.Handler())
	t.Cleanup(a.Srv.Close)
	_, a.Token, err = identity.CreateToken(context.Background(), st, "apptest", []identity.Scope{identity.ScopeAdmin}, "", clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Call sends a JSON request with the App's admin token and decodes the answer.
func (a *App) Call(t testing.TB, method, path, body string, hdr ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, a.Srv.URL+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.Token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// Pending lists the detail types waiting in the outbox.
func (a *App) Pending(t testing.TB) []string {
	t.Helper()
	evs, err := a.Store.ListPendingOutbox(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.DetailType)
	}
	return out
}

// MarkPublished marks every pending outbox event published.
func (a *App) MarkPublished(t testing.TB) {
	t.Helper()
	evs, _ := a.Store.ListPendingOutbox(context.Background(), 1000)
	for _, e := range evs {
		if err := a.Store.MarkOutboxPublished(context.Background(), e.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// FieldsOf lists the field names of an error answer.
func FieldsOf(out map[string]any) []string {
	e, _ := out["error"].(map[string]any)
	fs, _ := e["fields"].([]any)
	var names []string
	for _, x := range fs {
		names = append(names, x.(map[string]any)["field"].(string))
	}
	return names
}
