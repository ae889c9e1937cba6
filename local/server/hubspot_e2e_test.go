package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/crm/hubspot/hubspottest"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/webhook"
)

// hubspotRuntime runs the local product with integrations.hubspot pointed at a fake HubSpot
// that knows the test org's reps as owners (listed two per page).
func hubspotRuntime(t *testing.T) (*Runtime, string, *hubspottest.Fake) {
	t.Helper()
	f := hubspottest.New()
	f.Token = "hs-token"
	f.OwnersPageSize = 2
	for i, rep := range []string{"mia", "sam", "sue"} {
		f.AddOwner(hubspottest.Owner{ID: fmt.Sprintf("7%02d", i), Email: rep + "@test.example", UserID: int64(900 + i)})
	}
	base, err := os.ReadFile("testdata/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	org := string(base) + fmt.Sprintf(`
integrations:
  hubspot:
    access_token_env: TEST_HUBSPOT_TOKEN
    api_base_url: %s
    write_back:
      owner: true
      lead_status_property: hs_lead_status
`, f.Start(t))
	orgFile := filepath.Join(t.TempDir(), "org.yaml")
	if err := os.WriteFile(orgFile, []byte(org), 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "TEST_HUBSPOT_TOKEN" {
			return "hs-token"
		}
		return testEnv(k)
	}
	rt, _ := launch(t, Config{OrgFile: orgFile, Env: env, Log: discardLogger()})
	srv := newServer(rt)
	t.Cleanup(srv.Close)
	return rt, srv.URL, f
}

// sendContacts posts a signed contact.creation batch for the contact ids, as HubSpot does.
func sendContacts(t *testing.T, url string, firstEvent int, ids ...int) map[string]any {
	t.Helper()
	var evs []string
	for i, id := range ids {
		evs = append(evs, fmt.Sprintf(`{"eventId":%d,"subscriptionId":1,"portalId":7,"occurredAt":%d,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":%d,"changeSource":"CRM_UI"}`,
			firstEvent+i, time.Now().UnixMilli(), id))
	}
	return postHubSpot(t, url, []byte("["+strings.Join(evs, ",")+"]"))
}

// postHubSpot posts a batch signed as HubSpot signs it (v3, over the URL called).
func postHubSpot(t *testing.T, url string, body []byte) map[string]any {
	t.Helper()
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/webhooks/hubspot", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderHubSpotTimestamp, ts)
	req.Header.Set(webhook.HeaderHubSpotSignatureV3, webhook.SignHubSpotV3("hs-secret", http.MethodPost, url+"/v1/webhooks/hubspot", body, ts))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("webhook answered %d %v", res.StatusCode, out)
	}
	return out
}

func putContacts(f *hubspottest.Fake, ids ...int) {
	for _, id := range ids {
		f.PutContact(strconv.Itoa(id), map[string]string{"email": fmt.Sprintf("c%d@kunde%d.de", id, id), "firstname": "Kim", "lastname": strconv.Itoa(id),
			"company": fmt.Sprintf("Kunde %d GmbH", id), "country": "Germany", "numberofemployees": "1200"})
	}
}

// waitWrittenBack waits until every contact has an owner in the fake HubSpot and returns the leads.
func waitWrittenBack(t *testing.T, rt *Runtime, f *hubspottest.Fake, within time.Duration, ids ...int) map[int]domain.Lead {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		done := 0
		for _, id := range ids {
			if f.Property("contacts", strconv.Itoa(id), "hubspot_owner_id") != "" {
				done++
			}
		}
		if done == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d contacts written back after %v; calls: %d", done, len(ids), within, len(f.Calls("")))
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := map[int]domain.Lead{}
	for _, id := range ids {
		l, err := rt.Store.GetLeadBySourceID(context.Background(), "hubspot", strconv.Itoa(id))
		if err != nil {
			t.Fatalf("contact %d: %v", id, err)
		}
		out[id] = l
	}
	return out
}

// TestHubSpotContactsBecomeRoutedLeadsWrittenBack is the [hubspot] acceptance run through the
// local runtime and a fake HubSpot: a signed contact.creation batch for three contacts gives three
// leads with the contacts' properties, routed, each contact PATCHed once with the owner id of
// the routed rep (matched by email through the paged owners list); a redelivery adds nothing; a
// 429 burst and a HubSpot outage delay the write-back but lose nothing.
func TestHubSpotContactsBecomeRoutedLeadsWrittenBack(t *testing.T) {
	rt, url, f := hubspotRuntime(t)
	ownerOf := map[string]string{"mia": "700", "sam": "701", "sue": "702"}
	check := func(leads map[int]domain.Lead) {
		t.Helper()
		for id, l := range leads {
			want := fmt.Sprintf("c%d@kunde%d.de", id, id)
			if l.Email != want || l.Name != fmt.Sprintf("Kim %d", id) || l.Company != fmt.Sprintf("Kunde %d GmbH", id) || l.Country != "DE" || l.Employees != 1200 {
				t.Errorf("contact %d: lead %+v, want the contact's properties", id, l)
			}
			if l.Status != domain.LeadRouted || l.OwnerID == "" {
				t.Errorf("contact %d: lead %s owner %q, want routed", id, l.Status, l.OwnerID)
			}
			c := strconv.Itoa(id)
			if got := f.Property("contacts", c, "hubspot_owner_id"); got != ownerOf[l.OwnerID] {
				t.Errorf("contact %d: hubspot_owner_id %q, want %q (owner of %s)", id, got, ownerOf[l.OwnerID], l.OwnerID)
			}
			if got := f.Property("contacts", c, "hs_lead_status"); got != "OPEN" {
				t.Errorf("contact %d: hs_lead_status %q, want OPEN", id, got)
			}
			if n := len(f.Calls("PATCH /crm/v3/objects/contacts/" + c)); n != 1 {
				t.Errorf("contact %d PATCHed %d times, want once", id, n)
			}
		}
	}

	putContacts(f, 1001, 1002, 1003)
	out := sendContacts(t, url, 1, 1001, 1002, 1003)
	if len(out["accepted"].([]any)) != 3 {
		t.Fatalf("first delivery: %v", out)
	}
	leads := waitWrittenBack(t, rt, f, 15*time.Second, 1001, 1002, 1003)
	waitFor(t, "the lead workflows to finish", func() bool { return rt.Engine.Stats(rt.Machine["lead-qualification"].ARN).Running == 0 })
	check(leads)
	if n := len(f.Calls("GET /crm/v3/owners")); n != 2 {
		t.Errorf("owners listed with %d calls, want one list of two pages (cached for the other leads)", n)
	}
	// The console shows what was written, when, and HubSpot's answer.
	res, err := http.Get(url + "/console/leads/" + leads[1001].ID)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := "PATCH contact 1001 hs_lead_status=OPEN, hubspot_owner_id=" + ownerOf[leads[1001].OwnerID] + " → 200"; !strings.Contains(string(page), want) {
		t.Errorf("console lead page lacks %q", want)
	}

	// HubSpot redelivers the same batch: no second lead, no second PATCH.
	out = sendContacts(t, url, 1, 1001, 1002, 1003)
	if out["duplicates"] != 3.0 {
		t.Fatalf("redelivery: %v", out)
	}
	time.Sleep(300 * time.Millisecond)
	waitFor(t, "nothing running", func() bool { return rt.Engine.Stats(rt.Machine["lead-qualification"].ARN).Running == 0 })
	for id, l := range leads {
		if again, _ := rt.Store.GetLeadBySourceID(context.Background(), "hubspot", strconv.Itoa(id)); again.ID != l.ID {
			t.Errorf("contact %d: lead %s after redelivery, was %s", id, again.ID, l.ID)
		}
	}
	check(leads)

	// A property change that scoring reads is merged and re-scores the routed lead (1,200 → 10
	// employees loses the enterprise points); one it does not read is acknowledged as ignored.
	if leads[1001].Score != 40 {
		t.Fatalf("contact 1001 scored %d, want 40 (enterprise)", leads[1001].Score)
	}
	change := func(eventID int, prop, value string) map[string]any {
		body := []byte(fmt.Sprintf(`[{"eventId":%d,"subscriptionId":2,"portalId":7,"occurredAt":%d,"subscriptionType":"contact.propertyChange","attemptNumber":0,"objectId":1001,"propertyName":%q,"propertyValue":%q}]`,
			eventID, time.Now().UnixMilli(), prop, value))
		return postHubSpot(t, url, body)
	}
	if out := change(5, "numberofemployees", "10"); len(out["accepted"].([]any)) != 1 {
		t.Fatalf("property change: %v", out)
	}
	l, _ := rt.Store.GetLead(context.Background(), leads[1001].ID)
	if l.Employees != 10 || l.Score != 0 || l.Status != domain.LeadRouted || l.OwnerID != leads[1001].OwnerID {
		t.Fatalf("after the change: employees %d score %d status %s owner %s", l.Employees, l.Score, l.Status, l.OwnerID)
	}
	if out := change(6, "hs_analytics_source", "DIRECT_TRAFFIC"); len(out["ignored"].([]any)) != 1 {
		t.Fatalf("irrelevant property: %v", out)
	}

	// A burst over HubSpot's limit: 429 with Retry-After; every lead still written back, and
	// the fake never saw more than its budget in a 10-second window.
	putContacts(f, 2001, 2002, 2003)
	f.Throttle(5)
	sendContacts(t, url, 10, 2001, 2002, 2003)
	check(waitWrittenBack(t, rt, f, 30*time.Second, 2001, 2002, 2003))
	if n := len(f.Calls("")); f.MaxInWindow() > 100 || n < 5 {
		t.Errorf("max %d requests in a window (budget 100), %d calls", f.MaxInWindow(), n)
	}

	// HubSpot down: the webhook is still answered 200 (stored), nothing is lost, and every
	// contact is read and written back once HubSpot is back.
	putContacts(f, 3001, 3002, 3003)
	f.SetDown(true)
	sendContacts(t, url, 20, 3001, 3002, 3003)
	time.Sleep(6 * time.Second)
	for _, id := range []int{3001, 3002, 3003} {
		l, err := rt.Store.GetLeadBySourceID(context.Background(), "hubspot", strconv.Itoa(id))
		if err != nil || l.Status != domain.LeadNew {
			t.Fatalf("contact %d during the outage: %+v %v, want a stored, unqualified lead", id, l, err)
		}
	}
	if n := len(f.Calls("GET /crm/v3/objects/contacts/3001")); n < 2 {
		t.Errorf("contact 3001 tried %d times during the outage", n)
	}
	f.SetDown(false)
	check(waitWrittenBack(t, rt, f, 60*time.Second, 3001, 3002, 3003))
}
