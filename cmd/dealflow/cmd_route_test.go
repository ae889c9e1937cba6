package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type routeJSON struct {
	Status  string   `json:"status"`
	Score   int      `json:"score"`
	Grade   string   `json:"grade"`
	OwnerID string   `json:"ownerId"`
	Queue   string   `json:"queue"`
	Rule    string   `json:"rule"`
	Pool    string   `json:"pool"`
	Reasons []string `json:"reasons"`
	Skipped []string `json:"skipped"`
}

func route(t *testing.T, args ...string) routeJSON {
	t.Helper()
	var out, errb bytes.Buffer
	if code := dispatch(append([]string{"route", "--config", sampleOrg, "--json"}, args...), &out, &errb); code != 0 {
		t.Fatalf("route %v: exit %d: %s", args, code, errb.String())
	}
	var r routeJSON
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("route --json: %v\n%s", err, out.String())
	}
	return r
}

func TestRouteDryRunShowsTheDecisionAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "dealflow.db")
	csv := writeFile(t, "accounts.csv", "Domain,Company,Owner Email,Segment\ninitrode.example,Initrode,olivia.brown@northwind.example,enterprise\nfree.example,,no-such-rep,\n")
	var out, errb bytes.Buffer
	code := dispatch([]string{"accounts", "import", csv, "--config", sampleOrg, "--db", db}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "accounts.csv:3: ownerId: no rep \"no-such-rep\"") || !strings.Contains(out.String(), "1 created, 0 updated, 1 refused") {
		t.Fatalf("import: exit %d\n%s%s", code, out.String(), errb.String())
	}

	enterprise := writeFile(t, "lead.json", `{"work_email":"jane@initech.example","company_size":"5000","job_title":"Head of Data","country":"US","state":"CA","industry":"software","form":"demo-request"}`)
	r := route(t, "--lead", enterprise, "--at", "2026-11-24T15:00:00Z")
	if r.Status != "routed" || r.Grade != "sql" || r.Score != 90 || r.Rule != "na-enterprise-sql" || r.Pool != "na-ae" || r.OwnerID != "olivia-brown" {
		t.Fatalf("enterprise demo request = %+v", r)
	}
	if !containsPrefix(r.Reasons, "engagement: +30") || !containsPrefix(r.Reasons, "fit: +15") {
		t.Fatalf("reasons lack fit and engagement lines: %q", r.Reasons)
	}

	// Anna Weber is on leave in November; with counters read from the database the DACH AE pool
	// skips her and says so.
	dach := writeFile(t, "dach.json", `{"email":"k@kunde.example","country":"DE","state":"Bayern","employees":1500,"industry":"fintech","title":"Head of IT","touches":[{"activity":"demo_requested","at":"2026-11-24T08:00:00Z"}]}`)
	r = route(t, "--lead", dach, "--at", "2026-11-24T10:00:00+01:00", "--db", db)
	if r.Rule != "dach-enterprise-sql" || r.OwnerID == "anna-weber" || !containsPrefix(r.Skipped, "skipped Anna Weber (out of office") {
		t.Fatalf("DACH enterprise = %+v", r)
	}

	customer := writeFile(t, "customer.json", `{"email":"bob@initrode.example","country":"US"}`)
	r = route(t, "--lead", customer, "--db", db, "--at", "2026-11-24T15:00:00Z")
	if r.Rule != "existing-account" || r.OwnerID != "olivia-brown" {
		t.Fatalf("customer lead = %+v; want the account owner", r)
	}
	without := route(t, "--lead", customer, "--at", "2026-11-24T15:00:00Z")
	if without.Rule != "na-inbound" || without.Pool != "na-sdr" {
		t.Fatalf("without --db no account is known: %+v", without)
	}

	student := writeFile(t, "student.json", `{"email":"s@gmail.com","title":"Student"}`)
	if r := route(t, "--lead", student); r.Status != "disqualified" || r.OwnerID != "" || r.Reasons == nil {
		t.Fatalf("free-mail student = %+v", r)
	}

	// Nothing was written: the same dry run again picks the same owner, the database has one account.
	again := route(t, "--lead", dach, "--at", "2026-11-24T10:00:00+01:00", "--db", db)
	if first := route(t, "--lead", dach, "--at", "2026-11-24T10:00:00+01:00", "--db", db); again.OwnerID != first.OwnerID {
		t.Fatalf("dry runs differ: %s then %s", first.OwnerID, again.OwnerID)
	}
	out.Reset()
	if code := dispatch([]string{"route", "--config", sampleOrg, "--lead", dach, "--at", "2026-11-24T10:00:00+01:00"}, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "region    DE-BY") || !strings.Contains(out.String(), "rule: dach-enterprise-sql") {
		t.Fatalf("text output: %d\n%s", code, out.String())
	}
}

func containsPrefix(list []string, p string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
