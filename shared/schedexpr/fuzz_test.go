package schedexpr

import (
	"testing"
	"time"
)

// FuzzParse: Parse never panics, and an accepted expression yields increasing fire times that lie
// strictly after the instant asked for.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"cron(0 10 * * ? *)", "cron(0/15 * * * ? *)", "cron(15 10 ? * 6L 2022-2023)", "cron(0 9 ? * 3#2 *)",
		"cron(0 9 15W * ? *)", "cron(0 0 L * ? *)", "cron(0 17 LW * ? *)", "cron(0 0 L-3 * ? *)",
		"cron(0 22-2 ? * FRI-MON *)", "cron(5,35 14 * * ? *)", "cron(*/5 * * JAN-MAR ? 2026/2)",
		"rate(5 minutes)", "rate(1 day)", "rate(1 minutes)", "at(2026-07-01T09:00:00)", "cron(0 10 ? * 3#1,6#3 *)",
		"cron(60 10 * * ? *)", "rate(-5 minutes)", "cron(0 10 ? * 0 *)",
	} {
		f.Add(s, int64(1772000000))
	}
	berlin, _ := LoadZone("Europe/Berlin")
	f.Fuzz(func(t *testing.T, expr string, unix int64) {
		e, err := Parse(expr)
		if err != nil {
			if e != nil {
				t.Fatalf("Parse(%q) returned both an expression and an error", expr)
			}
			return
		}
		if e.String() != expr {
			t.Fatalf("String() = %q, want %q", e.String(), expr)
		}
		after := time.Unix(unix%(300*365*86400), 0).UTC()
		start := after.Add(-time.Hour)
		for _, loc := range []*time.Location{time.UTC, berlin} {
			prev := after
			for range 3 {
				next, ok := e.Next(prev, loc, start)
				if !ok {
					break
				}
				if !next.After(prev) {
					t.Fatalf("%s in %s: Next(%s) = %s, not after it", expr, loc, prev, next)
				}
				prev = next
			}
		}
	})
}

func BenchmarkNext(b *testing.B) {
	benches := []struct{ name, expr, zone string }{
		{"daily-utc", "cron(0 10 * * ? *)", "UTC"},
		{"every-15-min-berlin", "cron(0/15 * * * ? *)", "Europe/Berlin"},
		{"last-friday-new-york", "cron(15 10 ? * 6L *)", "America/New_York"},
		{"second-tuesday", "cron(0 9 ? * 3#2 *)", "UTC"},
		{"leap-day", "cron(0 0 29 2 ? *)", "UTC"},
		{"rate", "rate(5 minutes)", "UTC"},
	}
	for _, bc := range benches {
		b.Run(bc.name, func(b *testing.B) {
			e := mustParse(b, bc.expr)
			loc := mustZone(b, bc.zone)
			start := utc("2026-01-01T00:00:00Z")
			t0 := start
			for b.Loop() {
				next, ok := e.Next(t0, loc, start)
				if !ok {
					b.Fatal("no next time")
				}
				t0 = next
				if t0.Year() > 2150 {
					t0 = start
				}
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := Parse("cron(0/15 8-18 ? JAN-NOV MON-FRI 2026-2030)"); err != nil {
			b.Fatal(err)
		}
	}
}
