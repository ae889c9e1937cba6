package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// `digest preview --json` has the competitors, activities and territories sections, computed
// from the stored deals and their whole activity history (activities older than the digest's
// activity window included).
func TestDigestPreviewInsightJSON(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dealflow.db")
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	created := time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)
	closed := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
	for _, d := range []domain.Deal{
		{ID: "won", Name: "Acme", Status: domain.DealWon},
		{ID: "lost", Name: "Globex", Status: domain.DealLost, LostReason: "Chose MÜLLER SOFTWARE"},
	} {
		d.TeamID, d.OwnerID, d.Pipeline, d.CreatedAt, d.ClosedAt = "dach-sales", "anna-weber", "new-business", created, &closed
		d.Amount = domain.Money{AmountMinor: 1200000, Currency: "EUR"}
		_ = d.EnterStage("discovery", created)
		if _, err := st.CreateDeal(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []domain.Activity{
		{ID: "a1", Type: domain.ActivityMeeting, DealID: "won", At: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)},
		{ID: "a2", Type: domain.ActivityCall, DealID: "lost", At: time.Date(2026, 11, 4, 9, 0, 0, 0, time.UTC), Notes: "Contoso pitched too"},
	} {
		a.RepID, a.CreatedAt = "anna-weber", a.At
		if _, err := st.CreateActivity(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	// Q3: a 12,000 EUR win against a call of 20,000 EUR made in September.
	q3 := domain.Deal{ID: "q3", Name: "Initech", Status: domain.DealWon, TeamID: "dach-sales", OwnerID: "anna-weber", Pipeline: "new-business",
		Amount: domain.Money{AmountMinor: 1200000, Currency: "EUR"}, CreatedAt: time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC)}
	q3closed := time.Date(2026, 9, 10, 9, 0, 0, 0, time.UTC)
	q3.ClosedAt = &q3closed
	_ = q3.EnterStage("discovery", q3.CreatedAt)
	if _, err := st.CreateDeal(ctx, q3); err != nil {
		t.Fatal(err)
	}
	for _, c := range []domain.ForecastCall{
		{TeamID: "dach-sales", PeriodKey: "2026-Q3", ManagerID: "katrin-mueller", Amount: domain.Money{AmountMinor: 2000000, Currency: "EUR"}, SubmittedAt: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)},
		{TeamID: "dach-sales", PeriodKey: "2026-Q4", ManagerID: "katrin-mueller", Amount: domain.Money{AmountMinor: 9000000, Currency: "EUR"}, SubmittedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)},
	} {
		if _, err := st.PutForecastCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	var stdout, stderr bytes.Buffer
	args := []string{"digest", "preview", "--json", "--manager", "katrin-mueller", "--config", "../../examples/org.yaml", "--db", db, "--at", "2026-11-23T08:00:00+01:00"}
	if code := dispatch(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var r struct {
		Competitors struct {
			Competitors []struct {
				ID      string   `json:"id"`
				WinRate *float64 `json:"winRate"`
				DealIDs []string `json:"dealIds"`
			} `json:"competitors"`
		} `json:"competitors"`
		Activities struct {
			BeforeClose []struct {
				Type     string `json:"type"`
				WonWith  int    `json:"wonWith"`
				LostWith int    `json:"lostWith"`
			} `json:"beforeClose"`
		} `json:"activities"`
		Forecast struct {
			Key  string `json:"key"`
			Team struct {
				Closed struct {
					AmountMinor int64 `json:"amountMinor"`
				} `json:"closed"`
			} `json:"team"`
			Call *struct {
				Amount struct {
					AmountMinor int64 `json:"amountMinor"`
				} `json:"amount"`
			} `json:"call"`
			Accuracy struct {
				Key      string   `json:"key"`
				Accuracy *float64 `json:"accuracy"`
			} `json:"accuracy"`
		} `json:"forecast"`
		Territories []struct {
			ID      string   `json:"id"`
			Won     int      `json:"won"`
			Lost    int      `json:"lost"`
			WinRate *float64 `json:"winRate"`
		} `json:"territories"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	rates := map[string]string{}
	for _, c := range r.Competitors.Competitors {
		if c.WinRate != nil {
			rates[c.ID] = string(rune('0' + int(*c.WinRate*10)))
		}
		if len(c.DealIDs) > 0 && (len(c.DealIDs) != 1 || c.DealIDs[0] != "lost") {
			t.Errorf("competitor %s deals = %v, want [lost]", c.ID, c.DealIDs)
		}
	}
	// The lost deal names Müller in its lost reason and Contoso in a call logged before the
	// activity window: 0% against both; Fabrikam closed nothing (n/a).
	if rates["mueller"] != "0" || rates["contoso"] != "0" || len(rates) != 2 {
		t.Errorf("win rates against competitors = %v, want mueller and contoso at 0", rates)
	}
	presence := map[string][2]int{}
	for _, p := range r.Activities.BeforeClose {
		presence[p.Type] = [2]int{p.WonWith, p.LostWith}
	}
	if presence["meeting"] != [2]int{1, 0} || presence["call"] != [2]int{0, 1} {
		t.Errorf("activities before close = %v, want a meeting before the win, a call before the loss", presence)
	}
	if len(r.Territories) != 1 || r.Territories[0].ID != "dach" || r.Territories[0].Won != 1 || r.Territories[0].Lost != 1 || r.Territories[0].WinRate == nil || *r.Territories[0].WinRate != 0.5 {
		t.Errorf("territories = %+v, want dach with 1 won, 1 lost", r.Territories)
	}
	// Forecast for Q4: closed = the 12,000 EUR win of the week; the call of 90,000 EUR. Q3's
	// call of 20,000 EUR against 12,000 EUR won → accuracy 0.6.
	fc := r.Forecast
	if fc.Key != "2026-Q4" || fc.Team.Closed.AmountMinor != 1200000 || fc.Call == nil || fc.Call.Amount.AmountMinor != 9000000 {
		t.Errorf("forecast = %+v", fc)
	}
	if fc.Accuracy.Key != "2026-Q3" || fc.Accuracy.Accuracy == nil || *fc.Accuracy.Accuracy != 0.6 {
		t.Errorf("accuracy = %+v, want 2026-Q3 at 0.6", fc.Accuracy)
	}
}
