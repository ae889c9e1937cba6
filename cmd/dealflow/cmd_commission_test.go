package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// Anna (plan ae-dach: 10 %, 15 % above her 150,000 EUR quarterly quota) books 100,000 EUR in
// October and 80,000 EUR in November, which crosses her quota.
func TestCommissionStatementCLI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dealflow.db")
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct {
		amount int64
		closed time.Time
	}{{100000, time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC)}, {80000, time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)}} {
		closed := c.closed
		d := domain.Deal{ID: "w" + string(rune('1'+i)), Name: "Deal " + string(rune('A'+i)), TeamID: "dach-sales", OwnerID: "anna-weber", Pipeline: "new-business",
			Status: domain.DealWon, Amount: domain.Money{AmountMinor: c.amount * 100, Currency: "EUR"}, CreatedAt: closed.AddDate(0, -1, 0), ClosedAt: &closed}
		_ = d.EnterStage("discovery", d.CreatedAt)
		if _, err := st.CreateDeal(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	args := []string{"commission", "statement", "--rep", "anna-weber", "--period", "2026-Q4", "--config", "../../examples/org.yaml", "--db", db, "--at", "2026-12-31T12:00:00Z", "--csv"}
	var stdout, stderr bytes.Buffer
	if code := dispatch(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want := []string{
		"kind,deal_id,name,closed_at,amount,currency,share,credit,rate,commission,note",
		"deal,w1,Deal A,2026-10-15T09:00:00Z,100000.00,EUR,100,100000.00,0.1,10000.00,",
		// 50,000 up to quota at 10 % + 30,000 above it at 15 % = 9,500 EUR (11.875 %).
		"deal,w2,Deal B,2026-11-18T09:00:00Z,80000.00,EUR,100,80000.00,0.11875,9500.00,",
		"total,,,,180000.00,EUR,,180000.00,,19500.00,anna-weber 2026-Q4",
	}
	if got := strings.Split(strings.TrimSpace(stdout.String()), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("CSV:\n%s\nwant:\n%s", stdout.String(), strings.Join(want, "\n"))
	}
	stdout.Reset()
	if code := dispatch(args[:len(args)-1], &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "Total 19.500,00") {
		t.Errorf("text statement (exit %d):\n%s", code, stdout.String())
	}
	if code := dispatch([]string{"commission", "statement", "--rep", "anna-weber", "--period", "2026-W47", "--config", "../../examples/org.yaml", "--db", db}, &stdout, &stderr); code != 2 {
		t.Errorf("a week is no commission period: exit %d", code)
	}
}
