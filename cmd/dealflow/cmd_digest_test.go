package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// digestDB makes a database with two DACH deals closed in the week of 16 Nov 2026 and one opened
// in it that should close the week after.
func digestDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "dealflow.db")
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, status := range []domain.DealStatus{domain.DealWon, domain.DealLost} {
		created := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
		closed := time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)
		d := domain.Deal{ID: string(rune('a' + i)), Name: "Deal <" + string(rune('A'+i)) + ">", TeamID: "dach-sales", OwnerID: "anna-weber", Pipeline: "new-business",
			Status: status, Amount: domain.Money{AmountMinor: 1200000, Currency: "EUR"}, CreatedAt: created, ClosedAt: &closed}
		_ = d.EnterStage("discovery", created)
		if _, err := st.CreateDeal(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	created := time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)
	closeDate := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	open := domain.Deal{ID: "c", Name: "Deal <C>", TeamID: "dach-sales", OwnerID: "anna-weber", Pipeline: "new-business", Status: domain.DealOpen,
		Amount: domain.Money{AmountMinor: 3000000, Currency: "EUR"}, CreatedAt: created, CloseDate: &closeDate}
	_ = open.EnterStage("demo", created)
	if _, err := st.CreateDeal(context.Background(), open); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestDigestPreviewCLI(t *testing.T) {
	db := digestDB(t)
	out := filepath.Join(t.TempDir(), "digest.html")
	common := []string{"--manager", "katrin.mueller@northwind.example", "--config", "../../examples/org.yaml", "--db", db, "--at", "2026-11-23T08:00:00+01:00"}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		// Katrin is de-DE: German subject with 12,000 EUR won of 2 closed.
		{"text", append([]string{"digest", "preview"}, common...), 0, []string{"Subject: Vertrieb DACH, Woche 2026-W47: 12.000\u00a0€ gewonnen (1), Abschlussquote 50\u00a0%", "Deal <C>"}},
		{"html file", append([]string{"digest", "preview", "--out", out}, common...), 0, []string{"wrote " + out, "(3 charts)"}},
		{"json", append([]string{"digest", "preview", "--json"}, common...), 0, []string{`"periodKey": "2026-W47"`, `"won": 1`}},
		{"this month", append([]string{"digest", "preview", "--period", "this-month"}, common...), 0, []string{"Monat 2026-11"}},
		{"bad period", append([]string{"digest", "preview", "--period", "fortnight"}, common...), 1, nil},
		{"no manager", []string{"digest", "preview", "--db", db}, 1, nil},
		{"unknown manager", []string{"digest", "preview", "--manager", "nobody@x.example", "--config", "../../examples/org.yaml", "--db", db}, 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := dispatch(tc.args, &stdout, &stderr); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			for _, s := range tc.contains {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, stdout.String())
				}
			}
		})
	}
	html, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(html), "cid:") || strings.Count(string(html), "data:image/png;base64,") != 3 || !strings.Contains(string(html), "Deal &lt;C&gt;") {
		t.Error("preview HTML must embed the 3 charts and escape names")
	}
}

func TestDigestSendNowCLI(t *testing.T) {
	db := digestDB(t)
	args := []string{"digest", "send-now", "--manager", "michael-johnson", "--config", "../../examples/org.yaml", "--db", db}
	for i := 0; i < 2; i++ {
		var stdout, stderr bytes.Buffer
		if code := dispatch(args, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "sent ") {
			t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
		}
	}
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, _ := notify.OpenOutbox(st.DB(), clock.Real{})
	msgs, err := ob.List(context.Background(), "michael.johnson@northwind.example", 10)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("%d messages to Michael (%v), want one per send-now", len(msgs), err)
	}
	if _, err := st.GetDigest(context.Background(), "michael-johnson", msgs[0].Message.Refs["periodKey"]); err == nil {
		t.Error("send-now must not record the digest: the scheduled one still goes out")
	}
}
