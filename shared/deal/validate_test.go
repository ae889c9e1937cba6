package deal

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

// reasonOf is the reason the answer gives for field ("" when the field is not named).
func reasonOf(out map[string]any, field string) string {
	e, _ := out["error"].(map[string]any)
	fs, _ := e["fields"].([]any)
	for _, x := range fs {
		m := x.(map[string]any)
		if m["field"] == field {
			return m["reason"].(string)
		}
	}
	return ""
}

// Every field rule of a deal, through the API: the answer names the field and says why.
func TestDealValidationRules(t *testing.T) {
	f := newDealsFixture(t)
	long := strings.Repeat("x", 201)
	tests := []struct {
		name, body string
		field      string // the field the 400 names
		reason     string // a part of its reason
	}{
		{"unknown currency", `{"name":"x","ownerId":"anna-weber","amount":"10","currency":"ZZZ"}`, "currency", "ISO 4217"},
		{"lower-case letters that are no code", `{"name":"x","ownerId":"anna-weber","amount":"10","currency":"abc"}`, "currency", "ISO 4217"},
		{"currency without a rate", `{"name":"x","ownerId":"anna-weber","amount":"10","currency":"GBP"}`, "currency", "org.currency_rates.GBP"},
		{"negative amount", `{"name":"x","ownerId":"anna-weber","amount":"-5"}`, "amount", "negative"},
		{"close date year 0", `{"name":"x","ownerId":"anna-weber","closeDate":"0000-01-01"}`, "closeDate", "2000-01-01"},
		{"close date too far ahead", `{"name":"x","ownerId":"anna-weber","closeDate":"2206-12-18"}`, "closeDate", "10 years"},
		{"name of control characters only", `{"name":"\n\t\u202e","ownerId":"anna-weber"}`, "name", "required"},
		{"name over 200 characters", `{"name":"` + long + `","ownerId":"anna-weber"}`, "name", "at most 200"},
		{"closed lost without a reason", `{"name":"x","ownerId":"anna-weber","stage":"closed-lost"}`, "lostReason", "require_lost_reason"},
		{"lost reason on an open deal", `{"name":"x","ownerId":"anna-weber","lostReason":"price"}`, "lostReason", "lost stage"},
		{"hubspot id with letters", `{"name":"x","ownerId":"anna-weber","source":"hubspot","externalId":"12#x"}`, "externalId", "digits only"},
		{"hubspot id too long", `{"name":"x","ownerId":"anna-weber","source":"hubspot","externalId":"123456789012345678901"}`, "externalId", "at most 20"},
		{"trailing data after the body", `{"name":"x","ownerId":"anna-weber"}{"name":"y"}`, "body", "after the JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := f.call(t, "POST", "/v1/deals", tc.body)
			if code != http.StatusBadRequest || !strings.Contains(reasonOf(out, tc.field), tc.reason) {
				t.Fatalf("got %d %v, want 400 naming %s with %q", code, out, tc.field, tc.reason)
			}
		})
	}
}

func TestDealNameAndCurrencyAsStored(t *testing.T) {
	f := newDealsFixture(t)
	code, out := f.call(t, "POST", "/v1/deals", `{"name":"  Firma\r\nGmbH \u202eexe.pdf\u200b ","ownerId":"anna-weber","stage":"closed-lost","lostReason":"went with a competitor"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	d, err := f.deps.Store.GetDeal(context.Background(), out["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "Firma GmbH exe.pdf" {
		t.Errorf("name = %q, want one line without bidi or control characters", d.Name)
	}
	if d.Amount.Currency != "EUR" || d.LostReason != "went with a competitor" {
		t.Errorf("currency %q (want the org's EUR), lost reason %q", d.Amount.Currency, d.LostReason)
	}
}

func TestPatchValidationRules(t *testing.T) {
	f := newDealsFixture(t)
	code, out := f.call(t, "POST", "/v1/deals", `{"name":"Firma","ownerId":"anna-weber","amount":"100"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, out)
	}
	path := "/v1/deals/" + out["id"].(string)
	tests := []struct {
		name, body, field, reason string
	}{
		{"closed lost without a reason", `{"stage":"closed-lost"}`, "lostReason", "require_lost_reason"},
		{"closed lost with an empty reason", `{"stage":"closed-lost","lostReason":"  "}`, "lostReason", "require_lost_reason"},
		{"negative amount", `{"amount":"-1"}`, "amount", "negative"},
		{"currency ZZZ", `{"currency":"ZZZ"}`, "currency", "ISO 4217"},
		{"close date before 2000", `{"closeDate":"1999-12-31"}`, "closeDate", "2000-01-01"},
		{"trailing data", `{"stage":"demo"} x`, "body", "after the JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := f.call(t, "PATCH", path, tc.body)
			if code != http.StatusBadRequest || !strings.Contains(reasonOf(out, tc.field), tc.reason) {
				t.Fatalf("got %d %v, want 400 naming %s with %q", code, out, tc.field, tc.reason)
			}
		})
	}
	// The allowed reasons of a pipeline that lists them.
	f.deps.Org.Pipelines[0].LostReasons = []string{"Price", "Timing"}
	if code, out := f.call(t, "PATCH", path, `{"stage":"closed-lost","lostReason":"aliens"}`); code != 400 ||
		!strings.Contains(reasonOf(out, "lostReason"), "one of: Price, Timing") {
		t.Fatalf("reason not in the list: %d %v", code, out)
	}
	if code, out := f.call(t, "PATCH", path, `{"stage":"closed-lost","lostReason":"price"}`); code != 200 || out["lostReason"] != "Price" {
		t.Fatalf("a listed reason, as the pipeline spells it: %d %v", code, out)
	}
}

// Deals stored without a currency get the org's, once, on both stores.
func TestMigrateDealCurrencies(t *testing.T) {
	for name, st := range testStores(t) {
		t.Run(name, func(t *testing.T) {
			f := newDealsFixture(t)
			f.deps.Store = st
			s := New(f.deps)
			ctx := context.Background()
			old := domain.Deal{ID: "deal_old", Name: "Old", Pipeline: "new-business", Stage: "discovery", Status: domain.DealWon,
				OwnerID: "anna-weber", CreatedAt: f.clock.Now()}
			priced := domain.Deal{ID: "deal_priced", Name: "Priced", Pipeline: "new-business", Stage: "discovery", Status: domain.DealOpen,
				OwnerID: "anna-weber", Amount: domain.Money{AmountMinor: 100, Currency: "USD"}, CreatedAt: f.clock.Now()}
			for _, d := range []domain.Deal{old, priced} {
				if _, err := st.CreateDeal(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			n, err := s.MigrateDealCurrencies(ctx)
			if err != nil || n != 1 {
				t.Fatalf("first run changed %d (%v), want 1", n, err)
			}
			got, _ := st.GetDeal(ctx, "deal_old")
			kept, _ := st.GetDeal(ctx, "deal_priced")
			if got.Amount.Currency != "EUR" || kept.Amount != priced.Amount || kept.Version != 1 {
				t.Fatalf("after: old %+v, priced %+v v%d", got.Amount, kept.Amount, kept.Version)
			}
			if n, err := s.MigrateDealCurrencies(ctx); err != nil || n != 0 {
				t.Fatalf("second run changed %d (%v), want 0", n, err)
			}
			if again, _ := st.GetDeal(ctx, "deal_old"); again.Version != got.Version {
				t.Fatalf("second run wrote the deal again: v%d → v%d", got.Version, again.Version)
			}
		})
	}
}
