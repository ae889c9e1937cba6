package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

func openBench(b *testing.B) *sqlite.Store {
	b.Helper()
	s, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func reportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkCreateLead is the intake write: a lead plus its Lead Received outbox event.
func BenchmarkCreateLead(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("lead-%d", i)
		l := domain.Lead{ID: id, Source: "api", ExternalID: id, Email: id + "@acme.example", Domain: "acme.example",
			Name: "Ada", Company: "Acme", Country: "DE", Status: domain.LeadNew, CreatedAt: now, UpdatedAt: now}
		if _, err := s.CreateLead(ctx, l, store.OutboxEvent{DetailType: "Lead Received", Detail: []byte(`{"id":"` + id + `"}`)}); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}

// BenchmarkUpdateDeal is a read-modify-write of one deal with a stage change.
func BenchmarkUpdateDeal(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	d := domain.Deal{ID: "d1", OwnerID: "ae-1", TeamID: "t1", Pipeline: "p", Status: domain.DealOpen, CreatedAt: now}
	_ = d.EnterStage("s0", now)
	if _, err := s.CreateDeal(ctx, d); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		_, err := s.UpdateDeal(ctx, "d1", func(d domain.Deal) (domain.Deal, error) {
			d.Amount = domain.Money{AmountMinor: int64(i), Currency: "EUR"}
			d.NextStep = fmt.Sprintf("step %d", i)
			return d, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}

// BenchmarkIncrementCounter is the routing fairness ledger, from parallel goroutines.
func BenchmarkIncrementCounter(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.IncrementCounter(ctx, "route:pool:ben:2026-11-02", 1); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b)
}
