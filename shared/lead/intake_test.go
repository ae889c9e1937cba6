package lead

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/webhook"
)

func newIntake(t *testing.T) (fixture, *httptest.Server) {
	f := newFixture(t, func(d *platform.Deps) {
		d.Org.Forms = []domain.Form{{ID: "demo", Honeypot: "website_url", RateLimit: domain.RateLimit{Requests: 3, Per: domain.DurationSpec{Duration: time.Minute}}}}
		d.LeadSecrets = []string{"new-secret", "old-secret"}
	})
	srv := httptest.NewServer(httpapi.Mux(Routes(f.svc), "", identity.NewGuard(f.deps)))
	t.Cleanup(srv.Close)
	return f, srv
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
	f, srv := newIntake(t)
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
	l, err := f.svc.Store.GetLead(ctx, id)
	if err != nil || l.Email != "max@mueller.de" || l.Country != "DE" || l.Title != "CTO" || l.Status != domain.LeadNew {
		t.Fatalf("stored lead = %+v, %v", l, err)
	}
	pending, _ := f.svc.Store.ListPendingOutbox(ctx, 10)
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
		{"too large", "application/json", strings.Repeat(" ", httpapi.MaxBodyBytes+1), map[string]string{"Dealflow-Signature": "t=1,v1=00"}, 413, "over"},
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
	if pending, _ := f.svc.Store.ListPendingOutbox(ctx, 10); len(pending) != 1 {
		t.Fatalf("rejected requests stored %d events", len(pending)-1)
	}
}

func TestFormsHoneypotRateLimitAndUnknownForms(t *testing.T) {
	f, srv := newIntake(t)
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
	if pending, _ := f.svc.Store.ListPendingOutbox(ctx, 10); len(pending) != 2 {
		t.Fatalf("outbox has %d events, want 2 (spam and invalid ones store nothing)", len(pending))
	}
}
