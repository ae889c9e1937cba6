package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store/sqlite"
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

// newWebhook serves the HubSpot webhook over SQLite, the mail outbox and a fake clock, with a
// CRM that knows contact 501.
func newWebhook(t *testing.T) (*Service, *clock.Fake, *httptest.Server) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "dealflow.db"), sqlite.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := notify.OpenOutbox(st.DB(), clk)
	if err != nil {
		t.Fatal(err)
	}
	org := &domain.Org{Settings: domain.OrgSettings{Timezone: "Europe/Berlin", Locale: "en-US", EmailFrom: "dealflow <noreply@example.com>"}}
	d := &platform.Deps{Store: st, Org: org, Clock: clk, Mailer: ob, PhoneE164: phone.E164,
		HubSpot: webhook.HubSpotVerifier{Secrets: []string{"hs-secret"}},
		CRM:     fakeCRM{501: {"email": "Ada@Lovelace.io", "firstname": "Ada", "lastname": "Lovelace", "company": "Lovelace Ltd", "country": "Germany"}}}
	s := New(d)
	srv := httptest.NewServer(httpapi.Mux(Routes(s), "", identity.NewGuard(d)))
	t.Cleanup(srv.Close)
	return s, clk, srv
}

func post(t *testing.T, url string, body []byte, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
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

func TestHubSpotBatchIsVerifiedFetchedAndDeduplicated(t *testing.T) {
	s, clk, srv := newWebhook(t)
	ctx := context.Background()
	batch := `[{"eventId":1,"subscriptionId":7,"portalId":99,"occurredAt":1764147600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":501},
	           {"eventId":2,"subscriptionId":8,"portalId":99,"occurredAt":1764147600000,"subscriptionType":"deal.creation","attemptNumber":0,"objectId":9}]`
	sign := func(body string) map[string]string {
		ts := strconv.FormatInt(clk.Now().UnixMilli(), 10)
		return map[string]string{"X-HubSpot-Signature-v3": webhook.SignHubSpotV3("hs-secret", "POST", srv.URL+"/v1/webhooks/hubspot", []byte(body), ts),
			"X-HubSpot-Request-Timestamp": ts}
	}
	code, out := post(t, srv.URL+"/v1/webhooks/hubspot", []byte(batch), sign(batch))
	if code != 200 || len(out["accepted"].([]any)) != 1 || len(out["ignored"].([]any)) != 1 {
		t.Fatalf("first delivery: %d %v", code, out)
	}
	id := out["accepted"].([]any)[0].(string)
	// Answered once stored: the lead knows only the contact id until the workflow reads it.
	l, _ := s.Store.GetLead(ctx, id)
	if l.Source != "hubspot" || l.ExternalID != "501" || l.Email != "" {
		t.Fatalf("lead stored by the webhook = %+v", l)
	}
	if res, err := s.FetchContact(ctx, lead.LeadRef{LeadID: id}); err != nil || !res.Fetched {
		t.Fatalf("fetch: %+v %v", res, err)
	}
	l, _ = s.Store.GetLead(ctx, id)
	if l.Email != "ada@lovelace.io" || l.Name != "Ada Lovelace" || l.Company != "Lovelace Ltd" || l.Country != "DE" {
		t.Fatalf("lead from CRM = %+v", l)
	}
	code, out = post(t, srv.URL+"/v1/webhooks/hubspot", []byte(batch), sign(batch))
	if code != 200 || out["duplicates"].(float64) != 1 {
		t.Fatalf("redelivery: %d %v", code, out)
	}
	if code, _ := post(t, srv.URL+"/v1/webhooks/hubspot", []byte(batch), map[string]string{"X-HubSpot-Signature-v3": "bm9wZQ==", "X-HubSpot-Request-Timestamp": "1"}); code != 401 {
		t.Fatalf("bad signature answered %d", code)
	}
	if pending, _ := s.Store.ListPendingOutbox(ctx, 10); len(pending) != 1 {
		t.Fatalf("outbox has %d events, want 1", len(pending))
	}
}

// A v3 signature covers the URL HubSpot called. With settings.public_url naming another origin
// (a proxy or custom domain in front), a request signed over either is accepted; one signed over
// anything else is refused, and the answer names the URIs it was checked against.
func TestHubSpotV3SignatureOverTheCalledURLOrPublicURL(t *testing.T) {
	s, clk, srv := newWebhook(t)
	s.PublicURL = "https://crm-hooks.example.com/"
	batch := `[{"eventId":3,"subscriptionId":7,"portalId":99,"occurredAt":1764147600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":501}]`
	signedOver := func(uri string) map[string]string {
		ts := strconv.FormatInt(clk.Now().UnixMilli(), 10)
		return map[string]string{"X-HubSpot-Signature-v3": webhook.SignHubSpotV3("hs-secret", "POST", uri, []byte(batch), ts),
			"X-HubSpot-Request-Timestamp": ts}
	}
	tests := []struct {
		name, uri string
		want      int
	}{
		{"the URL that was called", srv.URL + "/v1/webhooks/hubspot", 200},
		{"settings.public_url", "https://crm-hooks.example.com/v1/webhooks/hubspot", 200},
		{"another host", "https://evil.example/v1/webhooks/hubspot", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := post(t, srv.URL+"/v1/webhooks/hubspot", []byte(batch), signedOver(tc.uri))
			if code != tc.want {
				t.Fatalf("answered %d %v, want %d", code, out, tc.want)
			}
			if code == 401 {
				msg, _ := out["error"].(map[string]any)["message"].(string)
				if !strings.Contains(msg, srv.URL+"/v1/webhooks/hubspot") || !strings.Contains(msg, "https://crm-hooks.example.com/v1/webhooks/hubspot") {
					t.Fatalf("401 message %q does not name the URIs it checked", msg)
				}
			}
		})
	}
}
