package metrics

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// randomDeals makes n deals of team t1 over the 120 days before asOf with random owners (members
// and one former member), stage paths, statuses and currencies.
func randomDeals(rng *rand.Rand, n int) []domain.Deal {
	stages := []string{"discovery", "demo", "proposal"}
	owners := []string{"ae1", "ae2", "sdr1", "gone"}
	curs := []string{"EUR", "USD"}
	start := asOf.Add(-120 * 24 * time.Hour)
	out := make([]domain.Deal, n)
	for i := range out {
		created := start.Add(time.Duration(rng.Int64N(int64(118 * 24 * time.Hour))))
		d := domain.Deal{ID: fmt.Sprintf("r%d", i), Name: fmt.Sprintf("Deal %d", i), TeamID: "t1", OwnerID: owners[rng.IntN(len(owners))],
			Pipeline: "main", Status: domain.DealOpen, CreatedAt: created,
			Amount: domain.Money{AmountMinor: 100 * (1 + rng.Int64N(50000)), Currency: curs[rng.IntN(len(curs))]}}
		t := created
		first := rng.IntN(len(stages))
		for s := first; s < len(stages); s++ {
			_ = d.EnterStage(stages[s], t)
			t = t.Add(time.Duration(1+rng.IntN(96)) * time.Hour)
			if rng.IntN(3) == 0 {
				break
			}
		}
		switch rng.IntN(3) {
		case 0:
			d.Status = domain.DealWon
			_ = d.EnterStage("closed-won", t)
		case 1:
			d.Status = domain.DealLost
			_ = d.EnterStage("closed-lost", t)
		}
		if !d.IsOpen() {
			d.ClosedAt = ptr(t)
		}
		cd := created.Add(time.Duration(rng.IntN(90)) * 24 * time.Hour)
		d.CloseDate = &cd
		out[i] = d
	}
	return out
}

// TestProperties checks invariants on random data: conversions never exceed 100% and never grow
// down the funnel; rep rows add up to the team (won deals, booked amount, quota, pipeline); the
// stages add up to the open pipeline; every ratio is n/a or a finite number.
func TestProperties(t *testing.T) {
	org := loadOrg(t)
	for seed := uint64(1); seed <= 200; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		kind := []PeriodKind{Week, Month, Quarter}[seed%3]
		in := Input{Org: org, TeamID: "t1", Members: []string{"ae1", "ae2", "sdr1"}, AsOf: asOf,
			Period: LastComplete(kind, asOf, berlin), Deals: randomDeals(rng, 1+rng.IntN(300))}
		r := Compute(in)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d (%s): "+format, append([]any{seed, kind}, args...)...)
		}
		for i, s := range r.Funnel {
			if s.Next.OK && (s.Next.V < 0 || s.Next.V > 1) {
				fail("stage %s next-step conversion %v", s.Stage, s.Next.V)
			}
			if s.Cumulative.OK && (s.Cumulative.V < 0 || s.Cumulative.V > 1) {
				fail("stage %s cumulative conversion %v", s.Stage, s.Cumulative.V)
			}
			if i > 0 && s.Reached > r.Funnel[i-1].Reached {
				fail("stage %s reached by %d, more than the stage before (%d)", s.Stage, s.Reached, r.Funnel[i-1].Reached)
			}
		}
		var won, lost, open int
		var booked, quota, pipe int64
		for _, row := range r.Reps {
			won += row.Current.Won
			lost += row.Current.Lost
			open += row.Current.OpenDeals
			pipe += row.Current.OpenPipeline.AmountMinor
			if w := row.Current.WinRate; w.OK && (w.V < 0 || w.V > 1) {
				fail("rep %s win rate %v", row.RepID, w.V)
			}
			if (row.Current.Won+row.Current.Lost == 0) == row.Current.WinRate.OK {
				fail("rep %s: win rate %+v with %d closed", row.RepID, row.Current.WinRate, row.Current.Won+row.Current.Lost)
			}
		}
		for _, a := range r.Quota.Reps {
			booked += a.Booked.AmountMinor
			quota += a.Quota.AmountMinor
		}
		if won != r.Team.Won || lost != r.Team.Lost || open != r.Team.OpenDeals {
			fail("rows sum to %d won/%d lost/%d open, team has %d/%d/%d", won, lost, open, r.Team.Won, r.Team.Lost, r.Team.OpenDeals)
		}
		// Per-row sums convert per row, the team once: allow one minor unit of rounding per row.
		if d := pipe - r.Team.OpenPipeline.AmountMinor; d < -4 || d > 4 {
			fail("rows' open pipeline %d, team %d", pipe, r.Team.OpenPipeline.AmountMinor)
		}
		if d := booked - r.Quota.Team.Booked.AmountMinor; d < -4 || d > 4 {
			fail("rows' booked %d, team %d", booked, r.Quota.Team.Booked.AmountMinor)
		}
		if quota != r.Quota.Team.Quota.AmountMinor {
			fail("rows' quota %d, team %d", quota, r.Quota.Team.Quota.AmountMinor)
		}
		var stages int64
		for _, s := range r.PipelineByStage {
			stages += s.Amount.AmountMinor
		}
		if d := stages - r.Team.OpenPipeline.AmountMinor; d < -4 || d > 4 {
			fail("stages sum to %d, open pipeline %d", stages, r.Team.OpenPipeline.AmountMinor)
		}
		if r.Team.Weighted.AmountMinor > r.Team.OpenPipeline.AmountMinor {
			fail("weighted %d above the open pipeline %d", r.Team.Weighted.AmountMinor, r.Team.OpenPipeline.AmountMinor)
		}
	}
}
