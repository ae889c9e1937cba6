package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/webhook"
)

type fakeCRM map[int64]map[string]string

func (f fakeCRM) Contact(_ context.Context, id int64) (map[string]string, error) {
	p, ok := f[id]
	if !ok {
		return nil, fmt.Errorf("contact %d not found", id)
	}
	out := map[string]string{}
	for k, v := range p {
		out[k] = v
	}
	return out, nil
}

func newIntake(t *testing.T) (fixture, *httptest.Server, *Intake) {
	f := newFixture(t)
	f.deps.Org.Forms = []domain.Form{{ID: "demo", Honeypot: "website_url", RateLimit: domain.RateLimit{Requests: 3, Per: domain.DurationSpec{Duration: time.Minute}}}}
	in := &Intake{Deps: f.deps, LeadSecrets: []string{"new-secret", "old-secret"},
		HubSpot: webhook.HubSpotVerifier{Secrets: []string{"hs-secret"}},
		CRM:     fakeCRM{501: {"email": "Ada@Lovelace.io", "firstname": "Ada", "lastname": "Lovelace", "company": "Lovelace Ltd", "country": "Germany"}}}
	mux := http.NewServeMux()
	for p, h := range in.Handlers() {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv, in
}

func post(t *testing.T, url, ctype string, body []byte, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	for k, v := range hdr {
		req.Header.Set(k, v)
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

func TestPostLeadAnswersAndStoresExactlyOnce(t *testing.T) {
	f, srv, _ := newIntake(t)
	ctx := context.Background()
	now := f.clock.Now()
	signed := func(body string, at time.Time, secret string) map[string]string {
		return map[string]string{"Dealflow-Signature": webhook.Sign([]byte(body), at, secret)}
	}
	lead := `{"email":" Max@Mueller.DE ","firstName":"Max","company":"Müller GmbH","country":"Deutschland","employees":"2.500"}`
	code, out := post(t, srv.URL+"/v1/leads", "application/json", []byte(lead), map[string]string{
		"Dealflow-Signature": webhook.Sign([]byte(lead), now, "old-secret"), "Idempotency-Key": "k-1"})
	if code != http.StatusAccepted {
		t.Fatalf("first post: %d %v", code, out)
	}
	id := out["id"].(string)
	code, out = post(t, srv.URL+"/v1/leads", "application/json", []byte(lead), map[string]string{
		"Dealflow-Signature": webhook.Sign([]byte(lead), now, "new-secret"), "Idempotency-Key": "k-1"})
	if code != http.StatusOK || out["id"] != id || out["duplicate"] != true {
		t.Fatalf("replay with the same Idempotency-Key: %d %v", code, out)
	}
	other := `{"email":"max@mueller.de","title":"CTO"}`
	code, out = post(t, srv.URL+"/v1/leads", "application/json", []byte(other), signed(other, now, "new-secret"))
	if code != http.StatusOK || out["id"] != id || out["merged"] != true {
		t.Fatalf("same email: %d %v", code, out)
	}
	// A merged submission sent again with its own Idempotency-Key finds the lead it was merged
	// into: no second lead.
	again := `{"email":"MAX@mueller.de","phone":"+49 30 1234567"}`
	for range 2 {
		code, out = post(t, srv.URL+"/v1/leads", "application/json", []byte(again), map[string]string{
			"Dealflow-Signature": webhook.Sign([]byte(again), now, "new-secret"), "Idempotency-Key": "k-2"})
		if code != http.StatusOK || out["id"] != id {
			t.Fatalf("merged submission, then its retry: %d %v; want 200 with %s", code, out, id)
		}
	}
	l, err := f.deps.Store.GetLead(ctx, id)
	if err != nil || l.Email != "max@mueller.de" || l.Country != "DE" || l.Title != "CTO" || l.Status != domain.LeadNew {
		t.Fatalf("stored lead = %+v, %v", l, err)
	}
	pending, _ := f.deps.Store.ListPendingOutbox(ctx, 10)
	if len(pending) != 1 || pending[0].DetailType != "Lead Received" || !strings.Contains(string(pending[0].Detail), id) {
		t.Fatalf("outbox = %+v; want one Lead Received for %s", pending, id)
	}

	bad := []struct {
		name  string
		ctype string
		body  string
		hdr   map[string]string
		code  int
		want  string
	}{
		{"no signature", "application/json", lead, nil, 401, "missing Dealflow-Signature"},
		{"wrong secret", "application/json", lead, signed(lead, now, "guess"), 401, "signature"},
		{"replayed after 6 minutes", "application/json", lead, signed(lead, now.Add(-6*time.Minute), "new-secret"), 401, "old"},
		{"wrong content type", "text/plain", lead, signed(lead, now, "new-secret"), 415, "Content-Type must be application/json"},
		{"invalid email", "application/json", `{"email":"not-an-email"}`, signed(`{"email":"not-an-email"}`, now, "new-secret"), 400, "email"},
		{"too large", "application/json", strings.Repeat(" ", MaxBodyBytes+1), nil, 413, "over"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			code, out := post(t, srv.URL+"/v1/leads", tc.ctype, []byte(tc.body), tc.hdr)
			b, _ := json.Marshal(out)
			if code != tc.code || !strings.Contains(string(b), tc.want) {
				t.Fatalf("got %d %s; want %d containing %q", code, b, tc.code, tc.want)
			}
		})
	}
	if pending, _ := f.deps.Store.ListPendingOutbox(ctx, 10); len(pending) != 1 {
		t.Fatalf("rejected requests stored %d events", len(pending)-1)
	}
}

func TestHubSpotBatchIsVerifiedFetchedAndDeduplicated(t *testing.T) {
	f, srv, _ := newIntake(t)
	ctx := context.Background()
	batch := `[{"eventId":1,"subscriptionId":7,"portalId":99,"occurredAt":1764147600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":501},
	           {"eventId":2,"subscriptionId":8,"portalId":99,"occurredAt":1764147600000,"subscriptionType":"deal.creation","attemptNumber":0,"objectId":9}]`
	sign := func(body string) map[string]string {
		ts := strconv.FormatInt(f.clock.Now().UnixMilli(), 10)
		return map[string]string{"X-HubSpot-Signature-v3": webhook.SignHubSpotV3("hs-secret", "POST", srv.URL+"/v1/webhooks/hubspot", []byte(body), ts),
			"X-HubSpot-Request-Timestamp": ts}
	}
	code, out := post(t, srv.URL+"/v1/webhooks/hubspot", "application/json", []byte(batch), sign(batch))
	if code != 200 || len(out["accepted"].([]any)) != 1 || len(out["ignored"].([]any)) != 1 {
		t.Fatalf("first delivery: %d %v", code, out)
	}
	id := out["accepted"].([]any)[0].(string)
	l, _ := f.deps.Store.GetLead(ctx, id)
	if l.Email != "ada@lovelace.io" || l.Source != "hubspot" || l.ExternalID != "501" || l.Country != "DE" {
		t.Fatalf("lead from CRM = %+v", l)
	}
	code, out = post(t, srv.URL+"/v1/webhooks/hubspot", "application/json", []byte(batch), sign(batch))
	if code != 200 || out["duplicates"].(float64) != 1 {
		t.Fatalf("redelivery: %d %v", code, out)
	}
	if code, _ := post(t, srv.URL+"/v1/webhooks/hubspot", "application/json", []byte(batch), map[string]string{"X-HubSpot-Signature-v3": "bm9wZQ==", "X-HubSpot-Request-Timestamp": "1"}); code != 401 {
		t.Fatalf("bad signature answered %d", code)
	}
	if pending, _ := f.deps.Store.ListPendingOutbox(ctx, 10); len(pending) != 1 {
		t.Fatalf("outbox has %d events, want 1", len(pending))
	}
}

func TestFormsHoneypotRateLimitAndUnknownForms(t *testing.T) {
	f, srv, _ := newIntake(t)
	ctx := context.Background()
	form := "application/x-www-form-urlencoded"
	if code, out := post(t, srv.URL+"/v1/forms/demo", form, []byte("email=a%40b.de&website_url=http%3A%2F%2Fspam"), nil); code != 202 || out["id"] != nil {
		t.Fatalf("honeypot: %d %v", code, out)
	}
	if code, out := post(t, srv.URL+"/v1/forms/demo", form, []byte("email=jo%40firma.de&name=Jo"), nil); code != 202 || out["id"] == nil {
		t.Fatalf("valid form: %d %v", code, out)
	}
	if code, _ := post(t, srv.URL+"/v1/forms/demo", form, []byte("email=x"), nil); code != 400 {
		t.Fatalf("invalid form answered %d", code)
	}
	code, _ := post(t, srv.URL+"/v1/forms/demo", form, []byte("email=k%40firma.de"), nil)
	if code != 429 {
		t.Fatalf("4th submission in a minute answered %d, want 429", code)
	}
	f.clock.Advance(time.Minute)
	if code, _ := post(t, srv.URL+"/v1/forms/demo", form, []byte("email=k%40firma.de"), nil); code != 202 {
		t.Fatalf("after the window: %d", code)
	}
	for _, p := range []string{"/v1/forms/nope", "/v1/forms/..%2F..%2Fetc%2Fpasswd", "/v1/forms/DEMO"} {
		if code, _ := post(t, srv.URL+p, form, []byte("email=a%40b.de"), nil); code != 404 {
			t.Errorf("%s answered %d, want 404", p, code)
		}
	}
	if pending, _ := f.deps.Store.ListPendingOutbox(ctx, 10); len(pending) != 2 {
		t.Fatalf("outbox has %d events, want 2 (spam and invalid ones store nothing)", len(pending))
	}
}
