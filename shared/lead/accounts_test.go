package lead_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/shared/apptest"
)

func TestLeadFromAClosedWonCustomerGoesToTheAccountOwner(t *testing.T) {
	a := apptest.New(t, apptest.SampleOrg(t), tuesday)
	// The first lead of Hooli becomes a deal Daniel wins.
	_, out := a.Call(t, "POST", "/v1/leads", `{"email":"ceo@hooli.example","company":"Hooli","country":"US","employees":400}`)
	first := out["id"].(string)
	qualifyAndRoute(t, a, first)
	code, out := a.Call(t, "POST", "/v1/deals", `{"name":"Hooli platform","ownerId":"daniel-garcia","leadId":"`+first+`","amount":"50000","currency":"USD"}`)
	if code != http.StatusCreated {
		t.Fatalf("create deal: %d %v", code, out)
	}
	if code, out = a.Call(t, "PATCH", "/v1/deals/"+out["id"].(string), `{"stage":"closed-won"}`); code != http.StatusOK {
		t.Fatalf("win deal: %d %v", code, out)
	}
	// A colleague from a subsidiary domain arrives later: Daniel's customer, not the SDR pool.
	_, out = a.Call(t, "POST", "/v1/leads", `{"email":"ops@emea.hooli.example","country":"US","employees":400}`)
	l := qualifyAndRoute(t, a, out["id"].(string))
	if l.OwnerID != "daniel-garcia" || l.RoutingRule != "existing-account" || l.AccountID == "" {
		t.Fatalf("customer lead: owner %s rule %s account %q; want daniel-garcia by existing-account", l.OwnerID, l.RoutingRule, l.AccountID)
	}
	if !strings.Contains(l.Account, "Hooli (hooli.example)") || !strings.Contains(l.RoutingExplanation, "account Hooli") {
		t.Fatalf("the lead should show its account: %q / %q", l.Account, l.RoutingExplanation)
	}
}

func TestImportedAccountsRouteToTheirOwnerUnlessAway(t *testing.T) {
	a := apptest.New(t, apptest.SampleOrg(t), tuesday)
	code, out := a.Call(t, "POST", "/v1/accounts", `{"accounts":[
		{"domain":"https://www.umbrella.example/","name":"Umbrella","ownerId":"olivia.brown@northwind.example","segment":"enterprise","territory":"north-america"},
		{"domain":"wayne.example","name":"Wayne","ownerId":"grace-lee"},
		{"domain":"kruger.example","name":"Krüger AG","ownerId":"anna-weber"},
		{"domain":"gmail.com","ownerId":"nobody"}]}`)
	if code != http.StatusMultiStatus {
		t.Fatalf("post accounts: %d %v; want 207 (one refused)", code, out)
	}
	res := out["results"].([]any)
	if errs := res[3].(map[string]any)["errors"].([]any); len(errs) != 2 {
		t.Fatalf("gmail/nobody should be refused for domain and owner: %v", errs)
	}
	if acc, _ := a.Store.GetAccountByDomain(context.Background(), "umbrella.example"); acc.OwnerID != "olivia-brown" || acc.Segment != "enterprise" {
		t.Fatalf("umbrella account = %+v", acc)
	}
	for _, tc := range []struct{ lead, owner, rule, why string }{
		{`{"email":"x@umbrella.example","country":"US"}`, "olivia-brown", "existing-account", "account owner Olivia Brown"},
		// Grace left: the rules decide, and the explanation says why the owner was passed over.
		{`{"email":"x@wayne.example","country":"US"}`, "", "na-inbound", "account owner Grace Lee is inactive"},
		// Anna is on parental leave on 24 November: same.
		{`{"email":"x@kruger.example","country":"DE"}`, "", "dach-inbound", "account owner Anna Weber is out of office"},
	} {
		_, out := a.Call(t, "POST", "/v1/leads", tc.lead)
		l := qualifyAndRoute(t, a, out["id"].(string))
		if (tc.owner != "" && l.OwnerID != tc.owner) || l.RoutingRule != tc.rule || !strings.Contains(l.RoutingExplanation, tc.why) {
			t.Fatalf("%s: owner %s rule %s why %q; want %s %s %q", tc.lead, l.OwnerID, l.RoutingRule, l.RoutingExplanation, tc.owner, tc.rule, tc.why)
		}
	}
	// One account answers 201, then 200 when it is updated.
	if code, out := a.Call(t, "POST", "/v1/accounts", `{"domain":"stark.example","ownerId":"ava-wilson"}`); code != http.StatusCreated || out["ownerId"] != "ava-wilson" {
		t.Fatalf("single account: %d %v", code, out)
	}
	if code, out := a.Call(t, "POST", "/v1/accounts", `{"domain":"stark.example","ownerId":"olivia-brown"}`); code != http.StatusOK || out["ownerId"] != "olivia-brown" {
		t.Fatalf("update: %d %v", code, out)
	}
	if code, out := a.Call(t, "POST", "/v1/accounts", `{"domain":"stark","ownerId":"olivia-brown"}`); code != http.StatusBadRequest {
		t.Fatalf("bad domain: %d %v", code, out)
	}
}
