package hubspot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/crm/hubspot"
	"github.com/dealflow/dealflow/shared/crm/hubspot/hubspottest"
)

func fastClient(url string, o hubspot.ClientOptions) *hubspot.Client {
	if o.Backoff == 0 {
		o.Backoff = time.Millisecond
	}
	return hubspot.NewClient(url, "tok", o)
}

func TestClientReadsAndWritesContactsDealsCompanies(t *testing.T) {
	f := hubspottest.New()
	f.Token = "tok"
	f.PutContact("501", map[string]string{"email": "ada@lovelace.io", "firstname": "Ada", "numberofemployees": "250"})
	f.PutCompany("77", map[string]string{"name": "Lovelace Ltd", "domain": "lovelace.io"})
	f.Associate("501", "77")
	f.PutDeal("9", map[string]string{"dealname": "Big", "dealstage": "appointmentscheduled"})
	c := fastClient(f.Start(t), hubspot.ClientOptions{})
	ctx := context.Background()

	props, err := c.Contact(ctx, 501)
	if err != nil || props["email"] != "ada@lovelace.io" || props["numberofemployees"] != "250" {
		t.Fatalf("contact: %v %v", props, err)
	}
	if _, has := props["lastname"]; has {
		t.Errorf("a property HubSpot answers null is left out, got %q", props["lastname"])
	}
	if got := f.Calls("GET /crm/v3/objects/contacts/501"); len(got) != 1 || !strings.Contains(got[0].Query, "properties=email%2Cfirstname") {
		t.Fatalf("GET contact asked %v", got)
	}
	if _, err := c.UpdateContact(ctx, "501", map[string]string{"hubspot_owner_id": "123"}); err != nil || f.Property("contacts", "501", "hubspot_owner_id") != "123" {
		t.Fatalf("PATCH contact: %v", err)
	}
	ids, err := c.ContactCompanies(ctx, "501")
	if err != nil || len(ids) != 1 || ids[0] != "77" {
		t.Fatalf("associations: %v %v", ids, err)
	}
	co, err := c.GetCompany(ctx, "77", []string{"name", "domain"})
	if err != nil || co.Properties["domain"] != "lovelace.io" {
		t.Fatalf("company: %+v %v", co, err)
	}
	if _, err := c.UpdateDeal(ctx, "9", map[string]string{"hubspot_owner_id": "55"}); err != nil || f.Property("deals", "9", "hubspot_owner_id") != "55" {
		t.Fatalf("PATCH deal: %v", err)
	}
	_, err = c.GetDeal(ctx, "404", nil)
	var ae *hubspot.APIError
	if !asAPIError(err, &ae) || !ae.NotFound() || ae.Temporary() || ae.Category != "OBJECT_NOT_FOUND" {
		t.Fatalf("missing deal: %v", err)
	}
	task, err := c.CreateTask(ctx, hubspot.Task{Subject: "Follow up", Due: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC), OwnerID: "55", DealID: "9"})
	if err != nil || task.ID == "" || f.Objects("tasks")[task.ID]["hubspot_owner_id"] != "55" || !strings.Contains(f.Objects("tasks")[task.ID]["_associations"], `"associationTypeId":216`) {
		t.Fatalf("task: %+v %v %v", task, err, f.Objects("tasks"))
	}
	bad := hubspot.NewClient(f.Start(t), "wrong", hubspot.ClientOptions{})
	if _, err := bad.Contact(ctx, 501); !asAPIError(err, &ae) || ae.Status != http.StatusUnauthorized || ae.Temporary() {
		t.Fatalf("wrong token: %v", err)
	}
}

func asAPIError(err error, ae **hubspot.APIError) bool {
	e, ok := err.(*hubspot.APIError)
	*ae = e
	return ok
}

func TestOwnersArePagedAndCached(t *testing.T) {
	f := hubspottest.New()
	f.OwnersPageSize = 2
	for i, e := range []string{"a@x.io", "b@x.io", "Olivia.Brown@x.io", "d@x.io", "e@x.io"} {
		f.AddOwner(hubspottest.Owner{ID: string(rune('1' + i)), Email: e})
	}
	c := fastClient(f.Start(t), hubspot.ClientOptions{OwnersTTL: time.Hour})
	ctx := context.Background()
	all, err := c.Owners(ctx)
	if err != nil || len(all) != 5 || len(f.Calls("GET /crm/v3/owners")) != 3 {
		t.Fatalf("owners: %d %v after %d pages", len(all), err, len(f.Calls("GET /crm/v3/owners")))
	}
	id, ok, err := c.OwnerIDByEmail(ctx, "olivia.brown@X.io")
	if err != nil || !ok || id != "3" {
		t.Fatalf("by email: %q %v %v", id, ok, err)
	}
	if _, _, _ = c.OwnerIDByEmail(ctx, "e@x.io"); len(f.Calls("GET /crm/v3/owners")) != 6 {
		t.Fatalf("the second lookup reads the cached list, %d calls", len(f.Calls("GET /crm/v3/owners")))
	}
	if _, ok, _ := c.OwnerIDByEmail(ctx, "nobody@x.io"); ok || len(f.Calls("GET /crm/v3/owners")) != 6 {
		t.Fatalf("an unknown email within a minute of loading does not reload: %d calls", len(f.Calls("GET /crm/v3/owners")))
	}
}

// A 429 is waited out for its Retry-After; a 5xx is retried with backoff; an outage that
// outlasts the call's attempts is a temporary error for the workflow to retry.
func TestRateLimitAndOutages(t *testing.T) {
	f := hubspottest.New()
	f.PutContact("1", map[string]string{"email": "a@b.io"})
	url := f.Start(t)
	ctx := context.Background()
	c := fastClient(url, hubspot.ClientOptions{})
	f.Throttle(2)
	start := time.Now()
	if _, err := c.Contact(ctx, 1); err != nil {
		t.Fatalf("after two 429s: %v", err)
	}
	if waited := time.Since(start); waited < 2*time.Second {
		t.Errorf("Retry-After 1s twice honoured in %v", waited)
	}
	f.SetDown(true)
	_, err := c.Contact(ctx, 1)
	if !hubspot.IsTemporary(err) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("outage: %v", err)
	}
	f.SetDown(false)
	if _, err := c.Contact(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// The client keeps within its budget: 12 calls with a budget of 5 per 300 ms take at least
	// two windows, and the fake never sees more than 5 in a window.
	f2 := hubspottest.New()
	f2.PutContact("1", map[string]string{"email": "a@b.io"})
	f2.Window, f2.Budget = 300*time.Millisecond, 5
	c2 := fastClient(f2.Start(t), hubspot.ClientOptions{Budget: 5, Window: 300 * time.Millisecond})
	start = time.Now()
	for range 12 {
		if _, err := c2.Contact(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	if time.Since(start) < 600*time.Millisecond || f2.MaxInWindow() > 5 || len(f2.Calls("GET")) != 12 {
		t.Fatalf("12 calls in %v, max %d in a window, %d calls", time.Since(start), f2.MaxInWindow(), len(f2.Calls("GET")))
	}
}
