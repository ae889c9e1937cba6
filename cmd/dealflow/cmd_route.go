package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/qualify"
	"github.com/dealflow/dealflow/shared/store/sqlite"
	"github.com/dealflow/dealflow/shared/workhours"
)

func init() {
	register("route", "dry run: what would happen to a lead now (--lead LEAD.json [--config ORG] [--at T] [--db FILE] [--json]); writes nothing", runRoute)
}

func runRoute(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("route", flag.ContinueOnError)
	fl.SetOutput(stderr)
	cfg := fl.String("config", "examples/org.yaml", "the org file")
	leadFile := fl.String("lead", "", "the lead as JSON (the body of POST /v1/leads; optional \"touches\" and \"form\")")
	at := fl.String("at", "", "route as of this RFC3339 time instead of now")
	db := fl.String("db", "", "read accounts and today's routing counters from this SQLite file (default: none, counters at zero)")
	asJSON := fl.Bool("json", false, "print the result as JSON")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *leadFile == "" || fl.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: dealflow route --lead LEAD.json [--config ORG] [--at RFC3339] [--db FILE] [--json]")
		return 2
	}
	org, err := config.Load(*cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	now := clock.Real{}.Now()
	if *at != "" {
		if now, err = time.Parse(time.RFC3339, *at); err != nil {
			fmt.Fprintf(stderr, "route: --at %q: want RFC3339, e.g. 2026-11-24T10:00:00-05:00\n", *at)
			return 2
		}
	}
	body, err := os.ReadFile(*leadFile)
	if err != nil {
		fmt.Fprintln(stderr, "route:", err)
		return 1
	}
	l, warns, err := lead.ParsePreviewLead(org, body, qualify.Normalizer{Phone: phone.E164}, now)
	if err != nil {
		fmt.Fprintf(stderr, "route: %s: %v\n", *leadFile, err)
		return 1
	}
	var rd lead.PreviewReader
	if *db != "" {
		if _, err := os.Stat(*db); err != nil {
			fmt.Fprintln(stderr, "route:", err)
			return 1
		}
		st, err := sqlite.Open(*db)
		if err != nil {
			fmt.Fprintln(stderr, "route:", err)
			return 1
		}
		defer st.Close()
		rd = st
	}
	p, err := lead.PreviewRoute(context.Background(), org, rd, workhours.Availability(org), l, now)
	if err != nil {
		fmt.Fprintln(stderr, "route:", err)
		return 1
	}
	p.Warnings = warns
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(p)
		return 0
	}
	printPreview(stdout, p)
	return 0
}

func printPreview(w io.Writer, p lead.Preview) {
	l := p.Lead
	fmt.Fprintf(w, "lead (normalised) as of %s:\n", p.At.Format(time.RFC3339))
	for _, f := range [][2]string{{"email", l.Email}, {"name", l.Name}, {"company", l.Company}, {"domain", l.Domain},
		{"country", l.Country}, {"region", l.Region}, {"title", l.Title}, {"industry", l.Industry}, {"source", l.Source}, {"phone", l.Phone}} {
		if f[1] != "" {
			fmt.Fprintf(w, "  %-9s %s\n", f[0], f[1])
		}
	}
	if l.Employees > 0 {
		fmt.Fprintf(w, "  %-9s %d\n", "employees", l.Employees)
	}
	for _, t := range l.Touches {
		fmt.Fprintf(w, "  touch     %s at %s\n", t.Kind, t.At.Format(time.RFC3339))
	}
	for _, warn := range p.Warnings {
		fmt.Fprintln(w, "  warning:", warn)
	}
	fmt.Fprintf(w, "score %d:\n", p.Score)
	for _, s := range p.ScoreLines {
		fmt.Fprintf(w, "  %-10s %s\n", s.Kind, s.Reason)
	}
	fmt.Fprintln(w, "  "+p.GradeReason)
	if p.Account != nil {
		fmt.Fprintln(w, "account:", p.Lead.Account)
	}
	fmt.Fprintln(w, "status:", p.Status)
	if p.Status == "disqualified" {
		fmt.Fprintln(w, "not routed:", p.Disqualify)
		return
	}
	owner := p.OwnerID
	if owner == "" {
		owner = "(none; queue " + p.Queue + ")"
	}
	fmt.Fprintf(w, "rule: %s\npool: %s\nowner: %s\nwhy: %s\n", p.Rule, orDash(p.Pool), owner, p.Explanation)
	if len(p.Skipped) > 0 {
		fmt.Fprintln(w, "skipped:\n  "+strings.Join(p.Skipped, "\n  "))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
