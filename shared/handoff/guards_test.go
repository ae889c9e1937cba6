package handoff

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
)

const bantJSON = `"notes":{"fields":{"budget":"40k","authority":"CFO","need":"reporting","timeline":"Q1"}}`

func (f *handoffFixture) post(t *testing.T, srv *httptest.Server, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+guardsToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// guardsToken is an integration token with deals:write: the actor is taken from sdrId.
var guardsToken string

func answerField(out map[string]any) (string, string) {
	e, _ := out["error"].(map[string]any)
	fs, _ := e["fields"].([]any)
	if len(fs) == 0 {
		return "", ""
	}
	m := fs[0].(map[string]any)
	return m["field"].(string), m["reason"].(string)
}

// Every handoff guard through HTTP: the status, the field named and why.
func TestHandoffGuards(t *testing.T) {
	f := newHandoffFixture(t, time.Date(2026, 11, 2, 10, 0, 0, 0, tzBerlin), nil)
	d := &platform.Deps{Store: f.d.Store, Org: f.d.Org, Clock: f.d.Clock, Mailer: f.d.Mailer, LinkKey: f.d.LinkKey}
	var err error
	_, guardsToken, err = identity.CreateToken(context.Background(), f.d.Store, "crm-sync", []identity.Scope{identity.ScopeDealsWrite}, "", f.d.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.Mux(Routes(f.d), "", identity.NewGuard(d)))
	t.Cleanup(srv.Close)
	ctx := context.Background()

	disq := f.lead(t, domain.Lead{ID: "l-disq", Email: "student@gmail.com", Name: "Student", OwnerID: "jonas-becker"})
	if _, err := f.d.Store.UpdateLead(ctx, disq.ID, func(l domain.Lead) (domain.Lead, error) {
		l.Status, l.DisqualifyReason = domain.LeadDisqualified, "free-mail address"
		return l, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.lead(t, domain.Lead{ID: "l-other-team", Email: "a@b.example", OwnerID: "jonas-becker"})
	open := f.lead(t, domain.Lead{ID: "l-open-deal", Email: "c@d.example", OwnerID: "jonas-becker"})
	won := f.lead(t, domain.Lead{ID: "l-won", Email: "e@f.example", OwnerID: "jonas-becker"})
	for _, x := range []struct {
		lead   domain.Lead
		status domain.DealStatus
	}{{open, domain.DealOpen}, {won, domain.DealWon}} {
		dl := domain.Deal{ID: "deal_" + x.lead.ID, Name: "x", Pipeline: "new-business", Stage: "discovery", Status: x.status, OwnerID: "anna-weber", LeadID: x.lead.ID}
		if _, err := f.d.Store.CreateDeal(ctx, dl); err != nil {
			t.Fatal(err)
		}
		if _, err := f.d.Store.UpdateLead(ctx, x.lead.ID, func(l domain.Lead) (domain.Lead, error) {
			l.Status, l.DealID = domain.LeadConverted, dl.ID
			return l, nil
		}); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name, lead, body string
		code             int
		field, reason    string
	}{
		{"disqualified lead", "l-disq", `{"sdrId":"jonas-becker",` + bantJSON + `}`, 422, "override", "free-mail address"},
		{"override without a reason", "l-disq", `{"sdrId":"jonas-becker","override":true,` + bantJSON + `}`, 400, "overrideReason", "required"},
		{"an SDR of another team", "l-other-team", `{"sdrId":"emily-davis",` + bantJSON + `}`, 403, "sdrId", "not the lead's owner"},
		{"a lead with an open deal", "l-open-deal", `{"sdrId":"jonas-becker",` + bantJSON + `}`, 409, "leadId", "deal_l-open-deal"},
		{"a lead already converted and won", "l-won", `{"sdrId":"jonas-becker",` + bantJSON + `}`, 409, "leadId", "converted into deal deal_l-won"},
		{"trailing data", "l-other-team", `{"sdrId":"jonas-becker",` + bantJSON + `} []`, 400, "body", "after the JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := f.post(t, srv, "/v1/leads/"+tc.lead+"/handoff", tc.body)
			field, reason := answerField(out)
			if code != tc.code || field != tc.field || !strings.Contains(reason, tc.reason) {
				t.Fatalf("got %d %v, want %d naming %s with %q", code, out, tc.code, tc.field, tc.reason)
			}
		})
	}

	// The override, with its reason, goes through and is recorded; the lead is handed off.
	code, out := f.post(t, srv, "/v1/leads/l-disq/handoff", `{"sdrId":"jonas-becker","override":true,"overrideReason":"CFO asked for a demo",`+bantJSON+`}`)
	if code != http.StatusAccepted || out["overrideReason"] != "CFO asked for a demo" {
		t.Fatalf("override: %d %v", code, out)
	}
	// A teammate of the owner may hand off (the team's manager is a member too).
	if code, out := f.post(t, srv, "/v1/leads/l-other-team/handoff", `{"sdrId":"lena-schmidt",`+bantJSON+`}`); code != http.StatusAccepted {
		t.Fatalf("a teammate: %d %v", code, out)
	}
	if l, _ := f.d.Store.GetLead(ctx, "l-other-team"); l.Status != domain.LeadHandedOff {
		t.Fatalf("lead status after the handoff = %q, want handed_off", l.Status)
	}
	// A second handoff while one is open: 409 saying how to withdraw it.
	if code, out := f.post(t, srv, "/v1/leads/l-other-team/handoff", `{"sdrId":"jonas-becker",`+bantJSON+`}`); code != http.StatusConflict ||
		!strings.Contains(out["error"].(map[string]any)["message"].(string), "withdraw") {
		t.Fatalf("a second open handoff: %d %v", code, out)
	}
}
