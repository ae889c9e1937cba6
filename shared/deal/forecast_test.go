package deal

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// An open deal's forecast category comes from its stage until the owner or their manager
// overrides it with a note; every override is kept on the deal.
func TestForecastCategoryOverride(t *testing.T) {
	f := newDealsFixture(t)
	_, out := f.call(t, "POST", "/v1/deals", `{"name":"Acme","ownerId":"max-hoffmann","amount":"10000","closeDate":"2026-12-01"}`)
	id := out["id"].(string)
	steps := []struct {
		name, patch string
		code        int
		forecast    string
		field       string // the field a 400 names
		history     int
	}{
		{"stage default: discovery is pipeline", `{"nextStep":"call"}`, 200, "pipeline", "", 0},
		{"stage default: negotiation is commit", `{"stage":"negotiation"}`, 200, "commit", "", 0},
		{"owner moves it to best case", `{"forecastCategory":"best_case","forecastNote":"legal review slips","forecastBy":"max-hoffmann"}`, 200, "best_case", "", 1},
		{"manager omits it", `{"forecastCategory":"omitted","forecastNote":"not this quarter","forecastBy":"katrin-mueller"}`, 200, "omitted", "", 2},
		{"another rep may not", `{"forecastCategory":"commit","forecastNote":"x","forecastBy":"anna-weber"}`, 400, "omitted", "forecastBy", 2},
		{"a note is required", `{"forecastCategory":"commit","forecastBy":"max-hoffmann"}`, 400, "omitted", "forecastNote", 2},
		{"unknown category", `{"forecastCategory":"maybe","forecastNote":"x","forecastBy":"max-hoffmann"}`, 400, "omitted", "forecastCategory", 2},
		{"back to the stage's default", `{"forecastCategory":"","forecastNote":"signed LOI","forecastBy":"katrin-mueller"}`, 200, "commit", "", 3},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.clock.Advance(time.Hour)
			code, out := f.call(t, "PATCH", "/v1/deals/"+id, s.patch)
			if code != s.code {
				t.Fatalf("PATCH %s: %d %v", s.patch, code, out)
			}
			if s.field != "" && fmt.Sprint(fieldsOf(out)) != fmt.Sprint([]string{s.field}) {
				t.Errorf("refusal names %v, want %s", fieldsOf(out), s.field)
			}
			_, view := f.call(t, "GET", "/v1/deals/"+id, "")
			hist, _ := view["forecastHistory"].([]any)
			if view["forecast"] != s.forecast || len(hist) != s.history {
				t.Errorf("forecast %v with %d changes, want %s with %d", view["forecast"], len(hist), s.forecast, s.history)
			}
		})
	}
	d, _ := f.deps.Store.GetDeal(context.Background(), id)
	if h := d.ForecastHistory[1]; h.By != "katrin-mueller" || h.Note != "not this quarter" || h.Category != "omitted" {
		t.Errorf("history[1] = %+v", h)
	}
	// A closed deal is not forecast.
	f.call(t, "PATCH", "/v1/deals/"+id, `{"stage":"closed-won"}`)
	if code, _ := f.call(t, "PATCH", "/v1/deals/"+id, `{"forecastCategory":"commit","forecastNote":"x","forecastBy":"max-hoffmann"}`); code != 400 {
		t.Errorf("override on a won deal: %d, want 400", code)
	}
}

// The team's manager submits forecast calls; every submission is kept and listed.
func TestForecastCallAPI(t *testing.T) {
	f := newDealsFixture(t)
	steps := []struct {
		name, path, body string
		code             int
		field            string
	}{
		{"the manager calls Q4", "/v1/forecast-calls/dach-sales/2026-Q4", `{"managerId":"katrin-mueller","amount":"250000","note":"two renewals at risk"}`, 200, ""},
		{"and raises it a day later", "/v1/forecast-calls/dach-sales/2026-Q4", `{"managerId":"katrin-mueller","amount":275000.5}`, 200, ""},
		{"a rep may not", "/v1/forecast-calls/dach-sales/2026-Q4", `{"managerId":"anna-weber","amount":"1"}`, 400, "managerId"},
		{"no such period", "/v1/forecast-calls/dach-sales/2026-W47", `{"managerId":"katrin-mueller","amount":"1"}`, 400, "period"},
		{"an amount is required", "/v1/forecast-calls/dach-sales/2026-11", `{"managerId":"katrin-mueller"}`, 400, "amount"},
		{"unknown team", "/v1/forecast-calls/nope/2026-Q4", `{"managerId":"katrin-mueller","amount":"1"}`, 400, "teamId"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.clock.Advance(24 * time.Hour)
			code, out := f.call(t, "PUT", s.path, s.body)
			if code != s.code {
				t.Fatalf("PUT %s: %d %v", s.body, code, out)
			}
			if s.field != "" && fmt.Sprint(fieldsOf(out)) != fmt.Sprint([]string{s.field}) {
				t.Errorf("refusal names %v, want %s", fieldsOf(out), s.field)
			}
		})
	}
	code, out := f.call(t, "GET", "/v1/forecast-calls/dach-sales/2026-Q4", "")
	calls, _ := out["calls"].([]any)
	if code != 200 || len(calls) != 2 {
		t.Fatalf("GET: %d %v, want the 2 calls", code, out)
	}
	last := calls[1].(map[string]any)
	if amt := last["amount"].(map[string]any); amt["amountMinor"] != 27500050.0 || amt["currency"] != "EUR" || last["managerId"] != "katrin-mueller" {
		t.Errorf("latest call = %v, want 275,000.50 EUR by katrin-mueller", last)
	}
}
