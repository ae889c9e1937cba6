package main

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// TestDigestPreviewAgreesWithTheRawRows simulates three weeks of the sample org through the real
// API (`dealflow simulate`), then asks `dealflow digest preview --json` for every manager and
// two weeks, and recomputes the headline numbers from the SQLite file's raw rows with plain
// loops written from docs/METRICS.md — nothing from shared/digest — per team and per rep: won
// and lost, won amount, win rate, open deals and open pipeline at the period's end, and new leads
// split into routed, unassigned and disqualified.
func TestDigestPreviewAgreesWithTheRawRows(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates three weeks")
	}
	const orgFile = "../../examples/org.yaml"
	db := filepath.Join(t.TempDir(), "dealflow.db")
	var out, errb bytes.Buffer
	if code := dispatch([]string{"simulate", "--days", "21", "--leads-per-day", "12", "--seed", "23", "--quiet",
		"--start", "2026-10-26T00:00:00Z", "--root", "../..", "--config", orgFile, "--db", db}, &out, &errb); code != 0 {
		t.Fatalf("simulate: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	org, err := config.Load(orgFile)
	if err != nil {
		t.Fatal(err)
	}
	raw := readRawRows(t, db)
	// Monday 16 Nov 14:00 UTC: 08:00 in New York, both managers' week 46 is over.
	at := time.Date(2026, 11, 16, 14, 0, 0, 0, time.UTC)
	checked := 0
	for _, team := range org.Teams {
		for _, period := range []string{"last-week", "2026-W45"} {
			var stdout, stderr bytes.Buffer
			if code := dispatch([]string{"digest", "preview", "--manager", team.Manager, "--json", "--period", period, "--config", orgFile, "--db", db,
				"--at", at.Format(time.RFC3339)}, &stdout, &stderr); code != 0 {
				t.Fatalf("preview %s %s: exit %d: %s", team.Manager, period, code, stderr.String())
			}
			var rep previewJSON
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			start, err1 := time.Parse(time.RFC3339, rep.PeriodStart)
			end, err2 := time.Parse(time.RFC3339, rep.PeriodEnd)
			if err1 != nil || err2 != nil {
				t.Fatalf("period %q–%q", rep.PeriodStart, rep.PeriodEnd)
			}
			// The period itself, from the definition: Monday to Monday in the manager's zone.
			zone := managerZone(t, org, team.Manager)
			if s := start.In(zone); s.Weekday() != time.Monday || s.Hour() != 0 || !end.Equal(time.Date(s.Year(), s.Month(), s.Day()+7, 0, 0, 0, 0, zone)) {
				t.Errorf("%s %s: period %s – %s is not a week in %s", team.Manager, period, start, end, zone)
			}
			name := team.Manager + "/" + rep.PeriodKey
			cur := currencyOf(org, team)
			if rep.Currency != cur {
				t.Errorf("%s: report currency %s, want %s", name, rep.Currency, cur)
			}
			members := map[string]bool{}
			for _, r := range org.Reps {
				if r.Team == team.ID {
					members[r.ID] = true
				}
			}
			want := raw.count(org, team.ID, "", members, start, end, at, cur)
			compareHeadline(t, name+" team", rep.Team, want)
			if want.won+want.lost == 0 || want.openDeals == 0 || want.newLeads == 0 {
				t.Errorf("%s: the simulation gave this week nothing to check (%+v)", name, want)
			}
			t.Logf("%s: won %d (%d minor %s) lost %d, open %d (%d), new leads %d = %d routed + %d unassigned + %d disqualified; %d rep rows",
				name, want.won, want.wonAmount, cur, want.lost, want.openDeals, want.openPipeline, want.newLeads, want.newRouted, want.newUnassigned, want.newDisq, len(rep.Reps))
			for _, r := range rep.Reps {
				compareHeadline(t, name+" "+r.RepID, r.Current, raw.count(org, team.ID, r.RepID, members, start, end, at, cur))
			}
			checked++
		}
	}
	if checked != 2*len(org.Teams) {
		t.Fatalf("checked %d digests", checked)
	}
}

type previewJSON struct {
	PeriodKey   string        `json:"periodKey"`
	PeriodStart string        `json:"periodStart"`
	PeriodEnd   string        `json:"periodEnd"`
	Currency    string        `json:"currency"`
	Team        headlineJSON  `json:"team"`
	Reps        []repHeadline `json:"reps"`
}

type repHeadline struct {
	RepID   string       `json:"repId"`
	Current headlineJSON `json:"current"`
}

type moneyJSON struct {
	AmountMinor int64  `json:"amountMinor"`
	Currency    string `json:"currency"`
}

type headlineJSON struct {
	Won             int       `json:"won"`
	Lost            int       `json:"lost"`
	WinRate         *float64  `json:"winRate"`
	WonAmount       moneyJSON `json:"wonAmount"`
	OpenDeals       int       `json:"openDeals"`
	OpenPipeline    moneyJSON `json:"openPipeline"`
	NewLeads        int       `json:"newLeads"`
	NewRouted       int       `json:"newRouted"`
	NewUnassigned   int       `json:"newUnassigned"`
	NewDisqualified int       `json:"newDisqualified"`
}

// rawDeal and rawLead are the rows' JSON as stored, read with their own types.
type rawDeal struct {
	ID       string `json:"id"`
	Pipeline string `json:"pipeline"`
	Amount   struct {
		AmountMinor int64  `json:"amountMinor"`
		Currency    string `json:"currency"`
	} `json:"amount"`
	OwnerID      string    `json:"ownerId"`
	TeamID       string    `json:"teamId"`
	CreatedAt    time.Time `json:"createdAt"`
	StageHistory []struct {
		Stage     string    `json:"stage"`
		EnteredAt time.Time `json:"enteredAt"`
	} `json:"stageHistory"`
}

type rawLead struct {
	Country   string    `json:"country"`
	Status    string    `json:"status"`
	OwnerID   string    `json:"ownerId"`
	CreatedAt time.Time `json:"createdAt"`
}

type rawRows struct {
	deals []rawDeal
	leads []rawLead
}

func readRawRows(t *testing.T, db string) rawRows {
	t.Helper()
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var rr rawRows
	for table, add := range map[string]func([]byte) error{
		"deals": func(b []byte) error {
			var d rawDeal
			err := json.Unmarshal(b, &d)
			rr.deals = append(rr.deals, d)
			return err
		},
		"leads": func(b []byte) error {
			var l rawLead
			err := json.Unmarshal(b, &l)
			rr.leads = append(rr.leads, l)
			return err
		},
	} {
		rows, err := st.DB().Query(`SELECT data FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				t.Fatal(err)
			}
			if err := add(b); err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(rr.deals) == 0 || len(rr.leads) == 0 {
		t.Fatalf("the simulation stored %d deals and %d leads", len(rr.deals), len(rr.leads))
	}
	return rr
}

func managerZone(t *testing.T, org *domain.Org, id string) *time.Location {
	for _, dg := range org.Digests {
		if dg.Manager == id && dg.Timezone != "" {
			loc, err := time.LoadLocation(dg.Timezone)
			if err != nil {
				t.Fatal(err)
			}
			return loc
		}
	}
	for _, r := range org.Reps {
		if r.ID == id {
			loc, err := time.LoadLocation(r.Timezone)
			if err != nil {
				t.Fatal(err)
			}
			return loc
		}
	}
	t.Fatalf("no manager %s", id)
	return nil
}

func currencyOf(org *domain.Org, team domain.Team) string {
	if team.Currency != "" {
		return team.Currency
	}
	return org.Settings.Currency
}

// stageAt is the stage a deal was in just before the instant t ("" when it did not exist yet)
// and when it entered it.
func (d rawDeal) stageAt(t time.Time) (string, time.Time) {
	stage, since := "", time.Time{}
	for _, h := range d.StageHistory {
		if h.EnteredAt.Before(t) {
			stage, since = h.Stage, h.EnteredAt
		}
	}
	return stage, since
}

// closedKind says whether a stage of the deal's pipeline is won or lost.
func closedKind(org *domain.Org, pipeline, stage string) (won, lost bool) {
	for _, p := range org.Pipelines {
		if p.ID != pipeline && !(pipeline == "" && p.Default) {
			continue
		}
		for _, s := range p.Stages {
			if s.ID == stage {
				return s.Won, s.Lost
			}
		}
	}
	return false, false
}

// sums adds amounts per currency, then converts each currency's sum once (rates are units of the
// org currency per unit), rounding half away from zero, as docs/METRICS.md "Money" says.
type sums map[string]int64

func (s sums) add(cur string, minor int64, org *domain.Org) {
	if cur == "" {
		cur = org.Settings.Currency
	}
	s[cur] += minor
}

func (s sums) in(to string, org *domain.Org) int64 {
	rate := func(c string) float64 {
		if c == org.Settings.Currency {
			return 1
		}
		r := org.Settings.CurrencyRates[c].Rat()
		if r == nil {
			return 0
		}
		f, _ := r.Float64()
		return f
	}
	var total int64
	for c, v := range s {
		if rate(c) == 0 || rate(to) == 0 {
			continue // no rate: listed apart, never added
		}
		total += int64(math.Round(float64(v) * rate(c) / rate(to)))
	}
	return total
}

type headline struct {
	won, lost, openDeals                        int
	wonAmount, openPipeline                     int64
	newLeads, newRouted, newUnassigned, newDisq int
	currencies                                  int
}

// count recomputes a team's (rep == "") or a rep's headline numbers for [start, end) as of asOf.
func (rr rawRows) count(org *domain.Org, teamID, rep string, members map[string]bool, start, end, asOf time.Time, cur string) headline {
	var h headline
	won, open := sums{}, sums{}
	for _, d := range rr.deals {
		if d.TeamID != teamID || (rep != "" && d.OwnerID != rep) {
			continue
		}
		// Won or lost in the period: closed as of asOf, and it entered that stage in the period.
		if stage, since := d.stageAt(asOf); stage != "" && !since.Before(start) && since.Before(end) {
			w, l := closedKind(org, d.Pipeline, stage)
			if w {
				h.won++
				won.add(d.Amount.Currency, d.Amount.AmountMinor, org)
			}
			if l {
				h.lost++
			}
		}
		// Open just before the period's end instant.
		if stage, _ := d.stageAt(end); stage != "" {
			if w, l := closedKind(org, d.Pipeline, stage); !w && !l {
				h.openDeals++
				open.add(d.Amount.Currency, d.Amount.AmountMinor, org)
			}
		}
	}
	h.wonAmount, h.openPipeline = won.in(cur, org), open.in(cur, org)
	h.currencies = max(len(won), len(open))
	countries := map[string]bool{}
	for _, r := range org.Reps {
		if !members[r.ID] {
			continue
		}
		for _, tr := range org.Territories {
			if tr.ID == r.Territory {
				for _, c := range tr.Countries {
					countries[strings.ToUpper(c)] = true
				}
			}
		}
	}
	for _, l := range rr.leads {
		if l.CreatedAt.Before(start) || !l.CreatedAt.Before(end) || !l.CreatedAt.Before(asOf) {
			continue
		}
		if rep != "" && l.OwnerID != rep {
			continue
		}
		if rep == "" && !countries[strings.ToUpper(l.Country)] && !members[l.OwnerID] {
			continue
		}
		h.newLeads++
		switch {
		case l.OwnerID != "":
			h.newRouted++
		case l.Status == "disqualified":
			h.newDisq++
		default:
			h.newUnassigned++
		}
	}
	return h
}

func compareHeadline(t *testing.T, name string, got headlineJSON, want headline) {
	t.Helper()
	near := func(a, b int64) bool { d := a - b; return d >= -int64(want.currencies) && d <= int64(want.currencies) }
	if got.Won != want.won || got.Lost != want.lost {
		t.Errorf("%s: won/lost %d/%d, raw rows %d/%d", name, got.Won, got.Lost, want.won, want.lost)
	}
	if !near(got.WonAmount.AmountMinor, want.wonAmount) {
		t.Errorf("%s: won amount %d, raw rows %d", name, got.WonAmount.AmountMinor, want.wonAmount)
	}
	switch {
	case want.won+want.lost == 0 && got.WinRate != nil:
		t.Errorf("%s: win rate %v with nothing closed, want n/a", name, *got.WinRate)
	case want.won+want.lost > 0 && (got.WinRate == nil || math.Abs(*got.WinRate-float64(want.won)/float64(want.won+want.lost)) > 1e-9):
		t.Errorf("%s: win rate %v, raw rows %d of %d", name, got.WinRate, want.won, want.won+want.lost)
	}
	if got.OpenDeals != want.openDeals || !near(got.OpenPipeline.AmountMinor, want.openPipeline) {
		t.Errorf("%s: open %d deals %d, raw rows %d deals %d", name, got.OpenDeals, got.OpenPipeline.AmountMinor, want.openDeals, want.openPipeline)
	}
	if got.NewLeads != want.newLeads || got.NewRouted != want.newRouted || got.NewUnassigned != want.newUnassigned || got.NewDisqualified != want.newDisq {
		t.Errorf("%s: new leads %d (routed %d, unassigned %d, disqualified %d), raw rows %d (%d, %d, %d)", name,
			got.NewLeads, got.NewRouted, got.NewUnassigned, got.NewDisqualified, want.newLeads, want.newRouted, want.newUnassigned, want.newDisq)
	}
}
