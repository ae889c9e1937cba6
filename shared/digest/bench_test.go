package digest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// benchOrg is a team "big" of a manager and 10 AEs with quarterly quotas, on the fixture pipeline.
func benchOrg(t testing.TB) *domain.Org {
	org := loadDigestOrg(t)
	team := domain.Team{ID: "big", Name: "Big team", Manager: "big-mgr", Members: []string{"big-mgr"}}
	org.Reps = append(org.Reps, domain.Rep{ID: "big-mgr", Name: "Big Manager", Email: "big-mgr@fixture.example", Role: domain.RoleManager, Team: "big", Timezone: "Europe/Berlin"})
	for i := 0; i < 10; i++ {
		id := fmt.Sprintf("big-ae%d", i)
		org.Reps = append(org.Reps, domain.Rep{ID: id, Name: fmt.Sprintf("AE %d", i), Email: id + "@fixture.example", Role: domain.RoleAE, Team: "big", Timezone: "Europe/Berlin",
			Quotas: []domain.Quota{{Period: domain.QuotaQuarter, Target: domain.Money{AmountMinor: 15000000, Currency: "EUR"}}}})
		team.Members = append(team.Members, id)
	}
	org.Teams = append(org.Teams, team)
	return org
}

// seedBig writes n deals of team "big" over the four years before asOf: 2% still open, the rest
// won (30%) or lost, with 1–4 stage changes each, in EUR and USD.
func seedBig(t testing.TB, st store.Store, n int, asOf time.Time) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(42, 1))
	stages := []string{"discovery", "demo", "proposal"}
	span := int64(4 * 365 * 24 * time.Hour)
	for i := 0; i < n; i++ {
		created := asOf.Add(-time.Duration(rng.Int64N(span)))
		cur := "EUR"
		if i%4 == 0 {
			cur = "USD"
		}
		d := domain.Deal{ID: fmt.Sprintf("big-%06d", i), Name: fmt.Sprintf("Deal %d", i), TeamID: "big", OwnerID: fmt.Sprintf("big-ae%d", i%10),
			Pipeline: "main", Status: domain.DealOpen, CreatedAt: created, UpdatedAt: created,
			Amount: domain.Money{AmountMinor: 100 * (1000 + rng.Int64N(90000)), Currency: cur}}
		at := created
		for s := 0; s <= rng.IntN(len(stages)); s++ {
			_ = d.EnterStage(stages[s], at)
			at = at.Add(time.Duration(1+rng.IntN(240)) * time.Hour)
		}
		cd := at.Add(time.Duration(rng.IntN(60)) * 24 * time.Hour)
		d.CloseDate = &cd
		if rng.IntN(100) >= 2 && at.Before(asOf) {
			d.Status = domain.DealLost
			if rng.IntN(10) < 3 {
				d.Status = domain.DealWon
			}
			_ = d.EnterStage("closed-"+map[domain.DealStatus]string{domain.DealWon: "won", domain.DealLost: "lost"}[d.Status], at)
			d.ClosedAt = &at
		}
		if _, err := st.CreateDeal(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
}

var benchAsOf = time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)

// BenchmarkDigestSQLite100k: one manager digest (load + compute + render with charts) for a team
// of 10 reps over 100,000 deals on SQLite. Target: ≤ 100 ms.
func BenchmarkDigestSQLite100k(b *testing.B) {
	dir := b.TempDir()
	clk := clock.NewFake(benchAsOf)
	st, err := sqlite.Open(filepath.Join(dir, "bench.db"), sqlite.WithClock(clk))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	org := benchOrg(b)
	seedBig(b, st, 100_000, benchAsOf)
	d := New(&platform.Deps{Store: st, Org: org, Clock: clk}, charts.Draw)
	mgr, team, err := d.digestManager("big-mgr")
	if err != nil {
		b.Fatal(err)
	}
	p := metrics.LastComplete(metrics.Week, benchAsOf, mgr.Location())
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, _, _, err := d.DigestPreview(context.Background(), "big-mgr", "last-week", benchAsOf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// CPU time (all goroutines) per digest: on a shared machine it varies far less than ns/op.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	_, _, e, _ := d.DigestPreview(context.Background(), "big-mgr", "last-week", benchAsOf)
	b.ReportMetric(float64(len(e.HTML)), "html-bytes")
	r, _ := d.DigestReport(context.Background(), mgr, team, p, benchAsOf)
	b.ReportMetric(float64(r.Team.OpenDeals), "open-deals")
	b.ReportMetric(float64(r.Team.Won+r.Team.Lost), "closed-in-week")
	// The workflow's step outputs (JSON, as Step Functions passes them; each must stay < 256 KB).
	plan, err := d.PlanDigest(context.Background(), DigestRequest{DigestID: "digest-big", Manager: "big-mgr", Period: "week", At: benchAsOf})
	if err != nil {
		b.Fatal(err)
	}
	computed, err := d.ComputeDigest(context.Background(), plan)
	if err != nil {
		b.Fatal(err)
	}
	var in DigestComputed
	b.ReportMetric(float64(through(b, computed, &in)), "compute-json-bytes")
	rendered, err := renderDeferred(b, d, in)
	if err != nil {
		b.Fatal(err)
	}
	var pending DigestRendered
	b.ReportMetric(float64(through(b, rendered, &pending)), "render-json-bytes")
	drawn, err := d.DrawDigestCharts(context.Background(), pending)
	if err != nil {
		b.Fatal(err)
	}
	var out DigestRendered
	b.ReportMetric(float64(through(b, drawn, &out)), "charts-json-bytes")
	png := 0
	for _, img := range out.Email.Images {
		png += len(img.Data)
	}
	b.ReportMetric(float64(png), "png-bytes")
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
