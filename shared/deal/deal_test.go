package deal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store/sqlite"
	"github.com/dealflow/dealflow/shared/webhook"
	"github.com/dealflow/dealflow/shared/workhours"
)

// dealsFixture runs the deal capability's HTTP routes over the sample org.
type dealsFixture struct {
	deps   *platform.Deps
	outbox *notify.Outbox
	clock  *clock.Fake
	srv    *httptest.Server
	token  string // deals:write, activities:write, read
}

func newDealsFixture(t *testing.T) *dealsFixture {
	t.Helper()
	org, err := config.Load("../../examples/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)) // a Monday
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
		LeadSecrets: []string{"lead-secret"}, LinkKey: []byte("0123456789abcdef0123456789abcdef")}
	srv := httptest.NewServer(httpapi.Mux(Routes(New(d)), "", identity.NewGuard(d)))
	t.Cleanup(srv.Close)
	_, token, err := identity.CreateToken(context.Background(), st, "crm-sync", []identity.Scope{identity.ScopeDealsWrite, identity.ScopeActivitiesWrite, identity.ScopeRead}, "", clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &dealsFixture{deps: d, outbox: ob, clock: clk, srv: srv, token: token}
}

// call sends a JSON request with the fixture's API token and decodes the answer.
func (f *dealsFixture) call(t *testing.T, method, path, body string, hdr ...string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.token)
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

// pendingTypes lists the detail types (and ids) waiting in the outbox.
func (f *dealsFixture) pending(t *testing.T) []string {
	t.Helper()
	evs, err := f.deps.Store.ListPendingOutbox(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.DetailType)
	}
	return out
}

func (f *dealsFixture) markPublished(t *testing.T) {
	t.Helper()
	evs, _ := f.deps.Store.ListPendingOutbox(context.Background(), 1000)
	for _, e := range evs {
		if err := f.deps.Store.MarkOutboxPublished(context.Background(), e.ID); err != nil {
			t.Fatal(err)
		}
	}
}

func fieldsOf(out map[string]any) []string {
	e, _ := out["error"].(map[string]any)
	fs, _ := e["fields"].([]any)
	var names []string
	for _, x := range fs {
		names = append(names, x.(map[string]any)["field"].(string))
	}
	return names
}

func TestCreateDeal(t *testing.T) {
	f := newDealsFixture(t)
	body := `{"name":"Firma GmbH","ownerId":"anna-weber","amount":"24000.50","currency":"EUR","closeDate":"2026-12-18","nextStep":"demo"}`
	code, out := f.call(t, "POST", "/v1/deals", body, "Idempotency-Key", "k1")
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	id := out["id"].(string)
	if out["stage"] != "discovery" || out["probability"] != 10.0 || out["pipeline"] != "new-business" || out["teamId"] != "dach-sales" || out["amountDecimal"] != "24000.50" {
		t.Errorf("defaults from the org file: %v", out)
	}
	deal, err := f.deps.Store.GetDeal(context.Background(), id)
	if err != nil || deal.Amount != (domain.Money{AmountMinor: 2_400_050, Currency: "EUR"}) || len(deal.StageHistory) != 1 ||
		!deal.StageHistory[0].EnteredAt.Equal(f.clock.Now()) {
		t.Fatalf("stored deal: %+v %v", deal, err)
	}
	if got := f.pending(t); len(got) != 1 || got[0] != events.DealCreated {
		t.Fatalf("events: %v", got)
	}
	code, again := f.call(t, "POST", "/v1/deals", body, "Idempotency-Key", "k1")
	if code != http.StatusOK || again["id"] != id || len(f.pending(t)) != 1 {
		t.Fatalf("retry with the same key: %d %v", code, again)
	}

	tests := []struct {
		name   string
		body   string
		code   int
		fields []string
	}{
		{"unknown owner and stage", `{"name":"x","ownerId":"nobody","stage":"signed"}`, 400, []string{"ownerId", "stage"}},
		{"inactive owner", `{"name":"x","ownerId":"grace-lee"}`, 400, []string{"ownerId"}},
		{"too many decimals for EUR", `{"name":"x","ownerId":"anna-weber","amount":"1.234"}`, 400, []string{"amount"}},
		{"bad date", `{"name":"x","ownerId":"anna-weber","closeDate":"18.12.2026"}`, 400, []string{"closeDate"}},
		{"unknown field", `{"name":"x","ownerId":"anna-weber","probability":90}`, 400, []string{"probability"}},
		{"hubspot needs the HubSpot id", `{"name":"x","ownerId":"anna-weber","source":"hubspot"}`, 400, []string{"externalId"}},
		{"a currency without a rate in the org file", `{"name":"x","ownerId":"olivia-brown","amount":"1500000","currency":"JPY"}`, 400, []string{"currency"}},
		{"a currency with a rate", `{"name":"x","ownerId":"olivia-brown","amount":"1500.50","currency":"USD"}`, 201, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := f.call(t, "POST", "/v1/deals", tc.body)
			if code != tc.code || fmt.Sprint(fieldsOf(out)) != fmt.Sprint(tc.fields) {
				t.Fatalf("got %d %v, want %d with fields %v", code, out, tc.code, tc.fields)
			}
		})
	}
	req, _ := http.NewRequest("POST", f.srv.URL+"/v1/deals", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer dft_guessed")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unknown token: %v %v", res.StatusCode, err)
	}
	// The lead intake's shared secret does not move deals: a valid signature is known but not allowed.
	req, _ = http.NewRequest("POST", f.srv.URL+"/v1/deals", bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Dealflow-Signature", webhook.Sign([]byte(body), f.clock.Now(), "lead-secret"))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("signed with the lead secret: %v %v", res.StatusCode, err)
	}
}

func TestDealStagesHistoryCloseAndReopen(t *testing.T) {
	f := newDealsFixture(t)
	ctx := context.Background()
	created := f.clock.Now()
	_, out := f.call(t, "POST", "/v1/deals", `{"name":"Acme","ownerId":"max-hoffmann","amount":"10000","closeDate":"2026-12-01"}`)
	id := out["id"].(string)
	f.markPublished(t)
	steps := []struct {
		name   string
		after  time.Duration
		patch  string
		code   int
		stage  string
		status domain.DealStatus
		events []string
	}{
		{"move on", 26 * time.Hour, `{"stage":"demo","nextStep":"send proposal"}`, 200, "demo", domain.DealOpen, []string{events.DealStageChanged}},
		{"same stage again changes nothing", time.Hour, `{"stage":"demo"}`, 200, "demo", domain.DealOpen, nil},
		{"amount only", time.Hour, `{"amount":"12500.00"}`, 200, "demo", domain.DealOpen, nil},
		{"lost reason on an open deal", time.Hour, `{"lostReason":"budget"}`, 400, "demo", domain.DealOpen, nil},
		{"unknown stage", time.Hour, `{"stage":"signed"}`, 400, "demo", domain.DealOpen, nil},
		{"won", 48 * time.Hour, `{"stage":"closed-won"}`, 200, "closed-won", domain.DealWon, []string{events.DealStageChanged, events.DealClosedWon}},
		{"reopened", 24 * time.Hour, `{"stage":"negotiation"}`, 200, "negotiation", domain.DealOpen, []string{events.DealStageChanged}},
		{"lost with reason", 24 * time.Hour, `{"stage":"closed-lost","lostReason":"went with a competitor"}`, 200, "closed-lost", domain.DealLost, []string{events.DealStageChanged, events.DealClosedLost}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.clock.Advance(s.after)
			code, out := f.call(t, "PATCH", "/v1/deals/"+id, s.patch)
			if code != s.code {
				t.Fatalf("PATCH %s: %d %v", s.patch, code, out)
			}
			d, _ := f.deps.Store.GetDeal(ctx, id)
			if d.Stage != s.stage || d.Status != s.status {
				t.Fatalf("deal is %s/%s, want %s/%s", d.Stage, d.Status, s.stage, s.status)
			}
			if got := f.pending(t); fmt.Sprint(got) != fmt.Sprint(s.events) {
				t.Fatalf("events %v, want %v", got, s.events)
			}
			f.markPublished(t)
		})
	}
	if code, _ := f.call(t, "PATCH", "/v1/deals/deal_nope", `{"stage":"demo"}`); code != 404 {
		t.Errorf("unknown deal: %d", code)
	}
	code, view := f.call(t, "GET", "/v1/deals/"+id, "")
	if code != 200 || view["stage"] != "closed-lost" || view["probability"] != 0.0 || len(view["stageHistory"].([]any)) != 5 {
		t.Errorf("GET: %d %v", code, view)
	}
	d, _ := f.deps.Store.GetDeal(ctx, id)
	if d.Amount.AmountMinor != 1_250_000 || d.LostReason != "went with a competitor" || d.ClosedAt == nil || !d.ClosedAt.Equal(f.clock.Now()) {
		t.Errorf("final deal: amount %v reason %q closed %v", d.Amount, d.LostReason, d.ClosedAt)
	}
	if want := "2026-11-07"; d.CloseDate.Format(time.DateOnly) != want {
		t.Errorf("close date of a lost deal = the day it closed: %s, want %s", d.CloseDate.Format(time.DateOnly), want)
	}
	var stages []string
	for _, e := range d.StageHistory {
		stages = append(stages, e.Stage)
	}
	if fmt.Sprint(stages) != "[discovery demo closed-won negotiation closed-lost]" {
		t.Fatalf("history %v", stages)
	}
	var sum time.Duration
	for _, v := range d.TimeInStages(f.clock.Now()) {
		sum += v
	}
	if sum != f.clock.Now().Sub(created) {
		t.Errorf("time in stages %s, age %s", sum, f.clock.Now().Sub(created))
	}
}

func TestActivitiesMoveTheLastTouch(t *testing.T) {
	f := newDealsFixture(t)
	ctx := context.Background()
	_, out := f.call(t, "POST", "/v1/deals", `{"name":"Acme","ownerId":"anna-weber"}`)
	id := out["id"].(string)
	f.markPublished(t)
	f.clock.Advance(3 * time.Hour)
	callAt := f.clock.Now().Add(-time.Hour).Format(time.RFC3339)
	tests := []struct {
		name   string
		body   string
		code   int
		fields []string
	}{
		{"call on the deal", `{"type":"call","repId":"anna-weber","dealId":"` + id + `","at":"` + callAt + `","subject":"intro"}`, 201, nil},
		{"proposal sent on a lead-less deal", `{"type":"proposal_sent","repId":"anna-weber","dealId":"` + id + `"}`, 201, nil},
		{"unknown type", `{"type":"fax","repId":"anna-weber","dealId":"` + id + `"}`, 400, []string{"type"}},
		{"neither deal nor lead", `{"type":"note","repId":"anna-weber"}`, 400, []string{"dealId"}},
		{"unknown deal", `{"type":"note","repId":"anna-weber","dealId":"deal_nope"}`, 400, []string{"dealId"}},
		{"in the future", `{"type":"call","repId":"anna-weber","dealId":"` + id + `","at":"2030-01-01T00:00:00Z"}`, 400, []string{"at"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := f.call(t, "POST", "/v1/activities", tc.body)
			if code != tc.code || fmt.Sprint(fieldsOf(out)) != fmt.Sprint(tc.fields) {
				t.Fatalf("got %d %v, want %d %v", code, out, tc.code, tc.fields)
			}
		})
	}
	d, _ := f.deps.Store.GetDeal(ctx, id)
	if d.LastActivityAt == nil || !d.LastActivityAt.Equal(f.clock.Now()) {
		t.Fatalf("last activity %v, want the latest activity's time %v", d.LastActivityAt, f.clock.Now())
	}
	if got := f.pending(t); fmt.Sprint(got) != "[Activity Logged Activity Logged]" {
		t.Fatalf("events %v", got)
	}
	// An older activity logged late does not move the last touch back.
	f.call(t, "POST", "/v1/activities", `{"type":"email","repId":"anna-weber","dealId":"`+id+`","at":"2026-11-01T10:00:00Z"}`)
	if d2, _ := f.deps.Store.GetDeal(ctx, id); !d2.LastActivityAt.Equal(*d.LastActivityAt) {
		t.Fatalf("last activity moved back to %v", d2.LastActivityAt)
	}
}
