package hubspot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/apptest"
	"github.com/dealflow/dealflow/shared/crm/hubspot"
	"github.com/dealflow/dealflow/shared/crm/hubspot/hubspottest"
	"github.com/dealflow/dealflow/shared/deal"
	"github.com/dealflow/dealflow/shared/platform"
)

// After an accepted handoff the AE owns the HubSpot deal the dealflow deal mirrors: written once
// (read-compare-write), HubSpot's outage is a retryable error, and with write_back.owner off
// nothing is called.
func TestDealOwnerWrittenBackOnce(t *testing.T) {
	f := hubspottest.New()
	f.PutDeal("9001", map[string]string{"dealname": "HS deal", "hubspot_owner_id": "1"})
	f.AddOwner(hubspottest.Owner{ID: "4242", Email: "Olivia.Brown@northwind.example"})
	org := apptest.SampleOrg(t)
	org.Integrations.HubSpot.WriteBack.Owner = true
	client := hubspot.NewClient(f.Start(t), "", hubspot.ClientOptions{Backoff: time.Millisecond})
	app := apptest.New(t, org, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), func(d *platform.Deps) { d.CRM = client })
	code, out := app.Call(t, "POST", "/v1/deals", `{"name":"HS deal","ownerId":"olivia-brown","source":"hubspot","externalId":"9001","amount":"5000","currency":"USD"}`)
	if code != 201 {
		t.Fatalf("create deal: %d %v", code, out)
	}
	ctx := context.Background()
	s := app.Caps.HubSpot
	ref := hubspot.DealRef{DealID: deal.HubSpotDealID("9001")}

	f.SetDown(true)
	if _, err := s.WriteDealOwner(ctx, ref); err == nil || !strings.HasPrefix(err.Error(), "HubSpot unavailable") {
		t.Fatalf("HubSpot down: %v, want ErrCRMUnavailable for the workflow to retry", err)
	}
	f.SetDown(false)
	for range 2 {
		res, err := s.WriteDealOwner(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if f.Property("deals", "9001", "hubspot_owner_id") != "4242" {
			t.Fatalf("deal owner %q after %+v", f.Property("deals", "9001", "hubspot_owner_id"), res)
		}
	}
	if n := len(f.Calls("PATCH /crm/v3/objects/deals/9001")); n != 1 {
		t.Fatalf("deal PATCHed %d times, want once", n)
	}
	org.Integrations.HubSpot.WriteBack.Owner = false
	before := len(f.Calls(""))
	if res, err := s.WriteDealOwner(ctx, ref); err != nil || res.Skipped == "" || len(f.Calls("")) != before {
		t.Fatalf("write-back off: %+v %v, %d calls", res, err, len(f.Calls(""))-before)
	}
}
