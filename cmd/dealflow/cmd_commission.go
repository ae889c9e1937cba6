package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

func init() {
	register("commission statement", "a rep's commission statement for a month or quarter (--rep ID --period 2026-Q4 [--csv])", runCommissionStatement)
}

// runCommissionStatement prints a rep's statement (docs/METRICS.md "Commission"): each won deal
// credited to them with the rates applied, the adjustments and the total; --csv for payroll.
func runCommissionStatement(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("commission statement", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repID := fs.String("rep", "", "the rep's id (required)")
	period := fs.String("period", "", "a quarter (2026-Q4) or a month (2026-11), in the rep's time zone (required)")
	cfg := fs.String("config", "examples/org.yaml", "the org file")
	db := fs.String("db", "./data/dealflow.db", "the SQLite file holding all state")
	at := fs.String("at", "", "as of this RFC3339 time instead of now")
	asCSV := fs.Bool("csv", false, "print CSV (one row per deal and adjustment, then the total)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *repID == "" || *period == "" {
		fmt.Fprintln(stderr, "commission statement: --rep and --period are required")
		return 2
	}
	org, err := config.Load(*cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	rep, ok := org.Rep(*repID)
	if !ok {
		fmt.Fprintf(stderr, "commission statement: no rep %q in %s\n", *repID, *cfg)
		return 1
	}
	plan, ok := org.CommissionPlanFor(rep)
	if !ok {
		fmt.Fprintf(stderr, "commission statement: no commission plan in %s covers %s (role %s, territory %q)\n", *cfg, rep.ID, rep.Role, rep.Territory)
		return 1
	}
	p, err := metrics.ParsePeriodKey(*period, rep.Location())
	if err != nil {
		fmt.Fprintln(stderr, "commission statement:", err)
		return 2
	}
	asOf := clock.Real{}.Now()
	if *at != "" {
		if asOf, err = time.Parse(time.RFC3339, *at); err != nil {
			fmt.Fprintf(stderr, "commission statement: --at %q: want RFC3339\n", *at)
			return 2
		}
	}
	if _, err := os.Stat(*db); err != nil {
		fmt.Fprintf(stderr, "commission statement: %v (pass --db)\n", err)
		return 1
	}
	st, err := sqlite.Open(*db)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer st.Close()
	// The team's won deals of the period, and of the clawback days (plus the period they closed
	// in) before it; a query on the won-by-team index.
	from := p.Start.AddDate(0, 0, -plan.ClawbackDays)
	from = metrics.PeriodAt(p.Kind, from, p.Loc).Start
	deals, err := store.AppendAll(nil, func(pg store.Page) ([]domain.Deal, string, error) {
		return st.ListDealsWonByTeam(context.Background(), rep.Team, store.Window{From: from, To: p.End}, pg)
	})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	s, _ := metrics.Statement(org, rep.ID, p, deals, asOf)
	if *asCSV {
		return writeStatementCSV(stdout, stderr, s)
	}
	loc := org.RepLocale(rep)
	money := func(m domain.Money) string { return i18n.Money(loc, m.AmountMinor, m.Currency) }
	fmt.Fprintf(stdout, "Commission statement %s, %s (plan %s)\n", s.RepID, s.PeriodKey, s.PlanID)
	quota := "none"
	if s.Quota.OK {
		quota = money(s.Quota.V)
	}
	fmt.Fprintf(stdout, "Quota %s, booked %s\n\n", quota, money(s.Booked))
	for _, l := range s.Lines {
		fmt.Fprintf(stdout, "%s  %-28s %s  credit %s (%d%%)  rate %s%%  %s\n", l.ClosedAt.In(p.Loc).Format(time.DateOnly), l.Name, money(l.Amount),
			money(l.Credit), l.Share, strconv.FormatFloat(l.Rate*100, 'f', 2, 64), money(l.Commission))
	}
	fmt.Fprintf(stdout, "\nEarned %s\n", money(s.Earned))
	for _, a := range s.Adjustments {
		fmt.Fprintf(stdout, "%s %s %s: %s\n", a.Kind, a.DealID, money(a.Amount), a.Note)
	}
	fmt.Fprintf(stdout, "Total %s\n", money(s.Total))
	for _, id := range s.NoRate {
		fmt.Fprintf(stdout, "left out (no exchange rate): %s\n", id)
	}
	return 0
}

// writeStatementCSV writes the statement as CSV, amounts as decimals in major units.
func writeStatementCSV(stdout, stderr io.Writer, s metrics.CommissionStatement) int {
	w := csv.NewWriter(stdout)
	rows := [][]string{{"kind", "deal_id", "name", "closed_at", "amount", "currency", "share", "credit", "rate", "commission", "note"}}
	for _, l := range s.Lines {
		rows = append(rows, []string{"deal", l.DealID, l.Name, l.ClosedAt.UTC().Format(time.RFC3339), l.Amount.Decimal(), l.Amount.Currency,
			strconv.Itoa(l.Share), l.Credit.Decimal(), strconv.FormatFloat(l.Rate, 'f', -1, 64), l.Commission.Decimal(), ""})
	}
	for _, a := range s.Adjustments {
		rows = append(rows, []string{a.Kind, a.DealID, "", "", "", s.Currency, "", "", "", a.Amount.Decimal(), a.Note})
	}
	rows = append(rows, []string{"total", "", "", "", s.Booked.Decimal(), s.Currency, "", s.Booked.Decimal(), "", s.Total.Decimal(), s.RepID + " " + s.PeriodKey})
	if err := w.WriteAll(rows); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
