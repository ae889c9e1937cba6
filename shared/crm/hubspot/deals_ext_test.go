package hubspot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/apptest"
	"github.com/dealflow/dealflow/shared/deal"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/webhook"
)

// TestHubSpotDealWebhooks: deal property changes from HubSpot move the mirrored deal (created
// through POST /v1/deals), once per event, in HubSpot's time order.
func TestHubSpotDealWebhooks(t *testing.T) {
	app := apptest.New(t, apptest.SampleOrg(t), time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)) // a Monday
	ctx := context.Background()
	code, out := app.Call(t, "POST", "/v1/deals", `{"name":"HS deal","ownerId":"olivia-brown","source":"hubspot","externalId":"9001","amount":"5000","currency":"USD"}`)
	if code != 201 || out["id"] != deal.HubSpotDealID("9001") {
		t.Fatalf("create mirrored deal: %d %v", code, out)
	}
	app.MarkPublished(t)
	send := func(batch string) (int, map[string]any) {
		ts := strconv.FormatInt(app.Clock.Now().UnixMilli(), 10)
		url := app.Srv.URL + "/v1/webhooks/hubspot"
		req, _ := http.NewRequest("POST", url, bytes.NewReader([]byte(batch)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-HubSpot-Signature-v3", webhook.SignHubSpotV3(apptest.HubSpotSecret, "POST", url, []byte(batch), ts))
		req.Header.Set("X-HubSpot-Request-Timestamp", ts)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	app.Clock.Advance(2 * time.Hour)
	at := app.Clock.Now().Add(-time.Minute).UnixMilli()
	ev := func(id int, prop, value string, occurred int64) string {
		return fmt.Sprintf(`{"eventId":%d,"subscriptionId":5,"portalId":99,"occurredAt":%d,"subscriptionType":"deal.propertyChange","objectId":9001,"propertyName":%q,"propertyValue":%q}`,
			id, occurred, prop, value)
	}
	batch := "[" + ev(1, "dealstage", "presentationscheduled", at) + "," + ev(2, "amount", "7500.5", at) + "," +
		ev(3, "closedate", "1767139200000", at) + "," + ev(4, "dealname", "renamed", at) + "]"
	code, out = send(batch)
	if code != 200 || len(out["accepted"].([]any)) != 3 || len(out["ignored"].([]any)) != 1 {
		t.Fatalf("batch: %d %v", code, out)
	}
	d, _ := app.Store.GetDeal(ctx, deal.HubSpotDealID("9001"))
	if d.Stage != "demo" || d.Amount != (domain.Money{AmountMinor: 750_050, Currency: "USD"}) || d.CloseDate.Format(time.DateOnly) != "2025-12-31" {
		t.Fatalf("deal after webhooks: stage %s amount %v close %v", d.Stage, d.Amount, d.CloseDate)
	}
	if !d.StageHistory[1].EnteredAt.Equal(time.UnixMilli(at)) {
		t.Errorf("stage entered at HubSpot's time %v, got %v", time.UnixMilli(at).UTC(), d.StageHistory[1].EnteredAt)
	}
	if got := app.Pending(t); fmt.Sprint(got) != "[Deal Stage Changed]" {
		t.Fatalf("events %v", got)
	}
	code, out = send(batch)
	if code != 200 || out["duplicates"] != 3.0 || len(app.Pending(t)) != 1 {
		t.Fatalf("redelivery: %d %v", code, out)
	}
	// A stage change that happened before the current stage was entered arrives late: stale.
	code, out = send("[" + ev(5, "dealstage", "qualifiedtobuy", at-3600_000) + "," + ev(6, "dealstage", "closedwon", at+1000) + "," +
		`{"eventId":7,"subscriptionId":5,"portalId":99,"occurredAt":1,"subscriptionType":"deal.propertyChange","objectId":42,"propertyName":"dealstage","propertyValue":"closedwon"}` + "]")
	if code != 200 || len(out["accepted"].([]any)) != 1 || len(out["ignored"].([]any)) != 2 {
		t.Fatalf("stale and unknown: %d %v", code, out)
	}
	d, _ = app.Store.GetDeal(ctx, deal.HubSpotDealID("9001"))
	if d.Stage != "closed-won" || d.Status != domain.DealWon {
		t.Fatalf("won from HubSpot: %s %s", d.Stage, d.Status)
	}
	if got := app.Pending(t); fmt.Sprint(got) != "[Deal Stage Changed Deal Stage Changed Deal Closed Won]" {
		t.Fatalf("events %v", got)
	}
}
