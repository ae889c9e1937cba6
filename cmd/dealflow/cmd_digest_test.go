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
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
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

// send-now sends a period's digest once and records it, so the scheduled run of that period
// sends nothing; a second send-now is refused unless --force, which says it re-sends.
func TestDigestSendNowCLI(t *testing.T) {
	db := digestDB(t)
	common := []string{"--manager", "michael-johnson", "--config", "../../examples/org.yaml", "--db", db, "--at", "2026-11-23T08:00:00-05:00"}
	run := func(extra ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := dispatch(append(append([]string{"digest", "send-now"}, common...), extra...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, out, errs := run(); code != 0 || !strings.HasPrefix(out, "sent the 2026-W47 digest of michael-johnson as ") {
		t.Fatalf("first send-now: exit %d: %s %s", code, out, errs)
	}
	// The same period named by its key is the same digest: refused.
	code, out, errs := run("--period", "2026-W47")
	if code != 1 || out != "" || !strings.Contains(errs, "already went out") || !strings.Contains(errs, "--force") {
		t.Fatalf("second send-now: exit %d, stdout %q, stderr %q; want a refusal naming --force", code, out, errs)
	}
	if code, out, errs := run("--force"); code != 0 || !strings.HasPrefix(out, "re-sent the 2026-W47 digest of michael-johnson as ") {
		t.Fatalf("send-now --force: exit %d: %s %s", code, out, errs)
	}
	// A running period is not sent: its digest goes out when it is over.
	if code, _, errs := run("--period", "this-week"); code != 1 || !strings.Contains(errs, "still running") {
		t.Fatalf("send-now of this week: exit %d: %s", code, errs)
	}

	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, _ := notify.OpenOutbox(st.DB(), clock.Real{})
	msgs, err := ob.List(context.Background(), "michael.johnson@northwind.example", 10)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("%d messages to Michael (%v), want the send and the forced re-send", len(msgs), err)
	}
	rec, err := st.GetDigest(context.Background(), "michael-johnson", "2026-W47")
	if err != nil {
		t.Fatalf("send-now did not record the digest: %v", err)
	}
	if first := msgs[1]; first.ID != rec.MessageID || first.Message.Refs["resend"] != "" || msgs[0].Message.Refs["resend"] != "true" {
		t.Errorf("record names %s; messages %s (refs %v), %s (refs %v)", rec.MessageID, msgs[1].ID, msgs[1].Message.Refs, msgs[0].ID, msgs[0].Message.Refs)
	}
	// The scheduled run of that week (Monday 08:00 in New York) finds it sent and sends nothing.
	org, err := config.Load("../../examples/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	svc := digest.New(&platform.Deps{Store: st, Org: org, Clock: clock.Real{}, Mailer: ob}, nil)
	plan, err := svc.PlanDigest(context.Background(), digest.DigestRequest{DigestID: "digest-michael-johnson", Manager: "michael-johnson", Period: "week",
		At: time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)})
	if err != nil || !plan.AlreadySent || plan.MessageID != rec.MessageID {
		t.Fatalf("plan of the scheduled run = %+v, %v; want already sent as %s", plan, err, rec.MessageID)
	}
}

// A workflow run that failed before recording sent nothing that counts: send-now sends that
// period's digest; and when the failed run had sent the mail before failing to record it,
// send-now records it without mailing it a second time.
func TestDigestSendNowAfterFailedRun(t *testing.T) {
	db := digestDB(t)
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	org, err := config.Load("../../examples/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ob, _ := notify.OpenOutbox(st.DB(), clock.Real{})
	svc := digest.New(&platform.Deps{Store: st, Org: org, Clock: clock.Real{}, Mailer: ob}, charts.Draw)
	ctx := context.Background()
	// Katrin's run got as far as Send (the mail went out) and then failed at Record.
	plan, err := svc.PlanDigest(ctx, digest.DigestRequest{DigestID: "digest-katrin-mueller", Manager: "katrin-mueller", Period: "week", At: time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	comp, err := svc.ComputeDigest(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := svc.RenderDigest(ctx, comp)
	if err != nil {
		t.Fatal(err)
	}
	if rendered, err = svc.DrawDigestCharts(ctx, rendered); err != nil {
		t.Fatal(err)
	}
	sent, err := svc.SendDigest(ctx, rendered)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	for _, mgr := range []string{"katrin-mueller", "michael-johnson"} { // Michael's run failed before Send
		var stdout, stderr bytes.Buffer
		args := []string{"digest", "send-now", "--manager", mgr, "--period", "2026-W47", "--config", "../../examples/org.yaml", "--db", db, "--at", "2026-11-24T09:00:00+01:00"}
		if code := dispatch(args, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "sent the 2026-W47 digest of "+mgr) {
			t.Fatalf("send-now %s after a failed run: exit %d: %s %s", mgr, code, stdout.String(), stderr.String())
		}
	}
	st, err = sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, _ = notify.OpenOutbox(st.DB(), clock.Real{})
	for mgr, email := range map[string]string{"katrin-mueller": "katrin.mueller@northwind.example", "michael-johnson": "michael.johnson@northwind.example"} {
		msgs, err := ob.List(ctx, email, 10)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("%s has %d digests (%v), want exactly one", mgr, len(msgs), err)
		}
		rec, err := st.GetDigest(ctx, mgr, "2026-W47")
		if err != nil || rec.MessageID != msgs[0].ID {
			t.Errorf("%s: record %+v (%v), want message %s", mgr, rec, err, msgs[0].ID)
		}
		if mgr == "katrin-mueller" && rec.MessageID != sent.MessageID {
			t.Errorf("Katrin's record names %s, want the mail the failed run sent (%s)", rec.MessageID, sent.MessageID)
		}
	}
}
