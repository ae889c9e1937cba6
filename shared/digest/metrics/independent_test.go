package metrics_test

// An independent recomputation of the headline metrics, written from docs/METRICS.md with plain
// loops over the raw rows and nothing shared with the package (own periods, own stage-history
// walk, own currency conversion), compared with Compute on generated data: many deals, reopened
// deals, teams and reps west and east of UTC, and currencies with and without a rate.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/domain"
)

// --- the reference implementation ---

// refPeriod is [start, end) of the week (Monday first), month or quarter containing t in loc.
func refPeriod(kind string, t time.Time, loc *time.Location) (time.Time, time.Time) {
	l := t.In(loc)
	switch kind {
	case "month":
		s := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
		return s, time.Date(l.Year(), l.Month()+1, 1, 0, 0, 0, 0, loc)
	case "quarter":
		m := time.Month((int(l.Month())-1)/3*3 + 1)
		return time.Date(l.Year(), m, 1, 0, 0, 0, 0, loc), time.Date(l.Year(), m+3, 1, 0, 0, 0, 0, loc)
	}
	wd := int(l.Weekday())
	if wd == 0 {
		wd = 7
	}
	s := time.Date(l.Year(), l.Month(), l.Day()-(wd-1), 0, 0, 0, 0, loc)
	return s, time.Date(s.Year(), s.Month(), s.Day()+7, 0, 0, 0, 0, loc)
}

func within(t, start, end time.Time) bool { return !t.Before(start) && t.Before(end) }

// refState: a deal's stage at instant t is the last history entry entered strictly before t;
// it is closed when that stage is a won or lost stage.
func refState(d domain.Deal, t time.Time) (exists bool, stage string, closedAt time.Time) {
	if !d.CreatedAt.Before(t) {
		return false, "", time.Time{}
	}
	stage = d.StageHistory[0].Stage
	closedAt = d.StageHistory[0].EnteredAt
	for _, e := range d.StageHistory {
		if e.EnteredAt.Before(t) {
			stage, closedAt = e.Stage, e.EnteredAt
		}
	}
	return true, stage, closedAt
}

func isClosed(stage string) bool { return stage == "closed-won" || stage == "closed-lost" }

var refProb = map[string]int64{"discovery": 10, "demo": 40, "proposal": 60}

// refConvert converts minor units of cur into `to` with the org file's rates (units of EUR per
// unit): ok false without a rate.
func refConvert(minor int64, cur, to string) (float64, bool) {
	rate := map[string]float64{"EUR": 1, "USD": 0.9}
	from, ok1 := rate[cur]
	into, ok2 := rate[to]
	if !ok1 || !ok2 {
		return 0, false
	}
	return float64(minor) * from / into, true
}

type refNumbers struct {
	won, lost         int
	winRate           float64 // NaN when n/a
	wonAmount         float64 // converted, minor units
	avg, cycle, vel   float64 // NaN when n/a
	open              int
	pipeline, weight  float64
	booked            float64
	daysLeft          int
	closingThisPeriod map[string]bool
}

// refCompute computes one team's (owners == nil) or one rep's numbers.
func refCompute(deals []domain.Deal, owners map[string]bool, kind string, asOf time.Time, loc *time.Location, to string) refNumbers {
	var n refNumbers
	nowStart, _ := refPeriod(kind, asOf, loc)
	start, end := refPeriod(kind, nowStart.Add(-time.Hour), loc) // the last complete period
	_ = start
	qs, qe := refPeriod("quarter", end.Add(-time.Hour), loc)
	if kind == "month" {
		qs, qe = start, end
	}
	var cycle float64
	var avgSum float64
	avgN := 0
	snap := end
	if asOf.Before(end) {
		snap = asOf
	}
	n.closingThisPeriod = map[string]bool{}
	thisStart, thisEnd := refPeriod(kind, asOf, loc)
	for _, d := range deals {
		if owners != nil && !owners[d.OwnerID] {
			continue
		}
		// Outcome as of AsOf.
		if ok, stage, closed := refState(d, asOf); ok && isClosed(stage) && within(closed, start, end) {
			if stage == "closed-won" {
				n.won++
				cycle += closed.Sub(d.CreatedAt).Hours() / 24
				if v, ok := refConvert(d.Amount.AmountMinor, d.Amount.Currency, to); ok {
					n.wonAmount += v
					avgSum += v
					avgN++
				}
			} else {
				n.lost++
			}
		}
		if ok, stage, closed := refState(d, asOf); ok && stage == "closed-won" && !closed.Before(qs) && closed.Before(minTime(snap, qe)) {
			if v, ok := refConvert(d.Amount.AmountMinor, d.Amount.Currency, to); ok {
				n.booked += v
			}
		}
		if ok, stage, _ := refState(d, snap); ok && !isClosed(stage) {
			n.open++
			if v, ok := refConvert(d.Amount.AmountMinor, d.Amount.Currency, to); ok {
				n.pipeline += v
				n.weight += v * float64(refProb[stage]) / 100
			}
		}
		if ok, stage, _ := refState(d, asOf); ok && !isClosed(stage) && d.CloseDate != nil {
			y, m, dd := d.CloseDate.UTC().Date() // the calendar date stored at midnight UTC
			day := time.Date(y, m, dd, 0, 0, 0, 0, loc)
			if within(day, thisStart, thisEnd) {
				n.closingThisPeriod[d.ID] = true
			}
		}
	}
	n.winRate, n.avg, n.cycle, n.vel = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if n.won+n.lost > 0 {
		n.winRate = float64(n.won) / float64(n.won+n.lost)
	}
	if avgN > 0 {
		n.avg = avgSum / float64(avgN)
	}
	if n.won > 0 {
		n.cycle = cycle / float64(n.won)
	}
	if !math.IsNaN(n.avg) && n.cycle > 0 {
		n.vel = float64(n.open) * n.avg * n.winRate / n.cycle
	}
	from := minTime(snap, qe)
	if from.Before(qs) {
		from = qs
	}
	fy, fm, fd := from.In(loc).Date()
	ey, em, ed := qe.In(loc).Date()
	n.daysLeft = int(math.Round(time.Date(ey, em, ed, 0, 0, 0, 0, time.UTC).Sub(time.Date(fy, fm, fd, 0, 0, 0, 0, time.UTC)).Hours() / 24))
	return n
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// --- generated data ---

// genDeals makes deals of a team over the ~200 days before asOf, some closed, some reopened and
// closed again, in EUR, USD (rate 0.9) and GBP (no rate), some created after asOf.
func genDeals(rng *rand.Rand, team string, owners []string, asOf time.Time, n int) []domain.Deal {
	open := []string{"discovery", "demo", "proposal"}
	curs := []string{"EUR", "USD", "GBP", "EUR", "USD"}
	out := make([]domain.Deal, 0, n)
	for i := range n {
		created := asOf.Add(-time.Duration(rng.Int64N(int64(200 * 24 * time.Hour)))).Add(time.Duration(rng.Int64N(int64(5 * 24 * time.Hour))))
		d := domain.Deal{ID: fmt.Sprintf("%s-%d", team, i), Name: "d", TeamID: team, OwnerID: owners[rng.IntN(len(owners))], Pipeline: "main",
			Status: domain.DealOpen, CreatedAt: created, UpdatedAt: created,
			Amount: domain.Money{AmountMinor: 100 * (1 + rng.Int64N(80000)), Currency: curs[rng.IntN(len(curs))]}}
		t := created
		_ = d.EnterStage(open[rng.IntN(len(open))], t)
		for step := 0; step < 1+rng.IntN(5); step++ {
			t = t.Add(time.Duration(1+rng.IntN(20*24)) * time.Hour)
			if rng.IntN(20) == 0 {
				t = t.Truncate(24 * time.Hour) // some changes at exactly midnight UTC
			}
			var stage string
			switch r := rng.IntN(4); {
			case r == 0 && d.IsOpen():
				stage = "closed-won"
			case r == 1 && d.IsOpen():
				stage = "closed-lost"
			default:
				stage = open[rng.IntN(len(open))] // moves on, or reopens a closed deal
			}
			if err := d.EnterStage(stage, t); err != nil {
				continue
			}
			switch stage {
			case "closed-won", "closed-lost":
				d.Status = domain.DealWon
				if stage == "closed-lost" {
					d.Status = domain.DealLost
				}
				tt := t
				d.ClosedAt = &tt
			default:
				d.Status, d.ClosedAt = domain.DealOpen, nil
			}
			d.UpdatedAt = t
		}
		cd := time.Date(created.Year(), created.Month(), created.Day()+rng.IntN(150), 0, 0, 0, 0, time.UTC)
		d.CloseDate = &cd
		out = append(out, d)
	}
	return out
}

func loadFixtureOrg(t *testing.T) *domain.Org {
	b, err := os.ReadFile("testdata/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	org, probs := config.Parse("testdata/org.yaml", b)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	return org
}

func TestIndependentRecomputation(t *testing.T) {
	org := loadFixtureOrg(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	la, _ := time.LoadLocation("America/Los_Angeles")
	teams := []struct {
		id, cur string
		members []string
		loc     *time.Location
	}{
		{"t1", "EUR", []string{"ae1", "ae2", "sdr1"}, berlin},
		{"t2", "USD", []string{"ae3", "ae4"}, la}, // ae3 in Los Angeles, ae4 in Tokyo
	}
	compared := 0
	for seed := uint64(1); seed <= 60; seed++ {
		rng := rand.New(rand.NewPCG(seed, 23))
		tm := teams[seed%2]
		kind := []string{"week", "month", "quarter"}[seed%3]
		asOf := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(120 * 24 * time.Hour))))
		owners := append(append([]string{}, tm.members...), "former")
		deals := genDeals(rng, tm.id, owners, asOf, 50+rng.IntN(400))
		pk, _ := metrics.ParsePeriodKind(kind)
		r := metrics.Compute(metrics.Input{Org: org, TeamID: tm.id, Members: tm.members, AsOf: asOf,
			Period: metrics.LastComplete(pk, asOf, tm.loc), Deals: deals})
		if r.Currency != tm.cur {
			t.Fatalf("team %s reports in %s, want %s", tm.id, r.Currency, tm.cur)
		}
		check := func(who string, owners map[string]bool, got metrics.Summary) {
			t.Helper()
			want := refCompute(deals, owners, kind, asOf, tm.loc, tm.cur)
			ctx := fmt.Sprintf("seed %d %s %s as of %s, %s", seed, tm.id, kind, asOf.Format(time.RFC3339), who)
			if got.Won != want.won || got.Lost != want.lost || got.OpenDeals != want.open {
				t.Errorf("%s: won/lost/open %d/%d/%d, reference %d/%d/%d", ctx, got.Won, got.Lost, got.OpenDeals, want.won, want.lost, want.open)
			}
			closeMoney(t, ctx+" won amount", got.WonAmount.AmountMinor, want.wonAmount, 3)
			closeMoney(t, ctx+" open pipeline", got.OpenPipeline.AmountMinor, want.pipeline, 3)
			closeMoney(t, ctx+" weighted", got.Weighted.AmountMinor, want.weight, 4)
			closeMaybe(t, ctx+" win rate", got.WinRate.OK, got.WinRate.V, want.winRate, 1e-9)
			closeMaybe(t, ctx+" cycle", got.CycleDays.OK, got.CycleDays.V, want.cycle, 1e-9)
			closeMaybe(t, ctx+" avg deal size", got.AvgDealSize.OK, float64(got.AvgDealSize.V.AmountMinor), want.avg, 1)
			closeMaybe(t, ctx+" velocity", got.Velocity.OK, float64(got.Velocity.V.AmountMinor), want.vel, math.Max(2, math.Abs(want.vel)*1e-6))
			compared++
		}
		check("team", nil, r.Team)
		for _, row := range r.Reps {
			check("rep "+row.RepID, map[string]bool{row.RepID: true}, row.Current)
		}
		for _, a := range r.Quota.Reps {
			want := refCompute(deals, map[string]bool{a.RepID: true}, kind, asOf, tm.loc, tm.cur)
			closeMoney(t, fmt.Sprintf("seed %d rep %s booked", seed, a.RepID), a.Booked.AmountMinor, want.booked, 3)
			if a.DaysLeft != want.daysLeft {
				t.Errorf("seed %d rep %s: days left %d, reference %d", seed, a.RepID, a.DaysLeft, want.daysLeft)
			}
		}
		team := refCompute(deals, nil, kind, asOf, tm.loc, tm.cur)
		got := map[string]bool{}
		for _, d := range r.TopDeals {
			got[d.ID] = true
			if !team.closingThisPeriod[d.ID] {
				t.Errorf("seed %d: %s listed as closing this %s, the reference does not", seed, d.ID, kind)
			}
		}
		if len(got) < metrics.TopDealsLimit && len(got) != len(team.closingThisPeriod) {
			t.Errorf("seed %d: %d deals closing this %s, reference %d", seed, len(got), kind, len(team.closingThisPeriod))
		}
	}
	if compared < 200 {
		t.Fatalf("only %d summaries compared", compared)
	}
}

// closeMoney compares minor units with a tolerance for per-currency rounding.
func closeMoney(t *testing.T, what string, got int64, want float64, tol float64) {
	t.Helper()
	if math.Abs(float64(got)-want) > tol {
		t.Errorf("%s: %d, reference %.2f", what, got, want)
	}
}

// closeMaybe compares an optional value: NaN in the reference means n/a.
func closeMaybe(t *testing.T, what string, ok bool, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(want) {
		if ok {
			t.Errorf("%s: %v, reference n/a", what, got)
		}
		return
	}
	if !ok || math.Abs(got-want) > tol {
		t.Errorf("%s: %v (available %v), reference %v", what, got, ok, want)
	}
}
