package eventbus

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/dealflow/dealflow/local/eventbus/pattern"
	"github.com/dealflow/dealflow/shared/events"
)

// BenchmarkPutEventsToTarget measures one event from PutEvents (durably stored) to its target
// being invoked by the delivery loop, on a SQLite file. It reports p50/p99 latency.
func BenchmarkPutEventsToTarget(b *testing.B) {
	db := openDBB(b, filepath.Join(b.TempDir(), "db"))
	got := make(chan time.Time, 1024)
	inv := InvokerFunc(func(_ context.Context, _ string, _ events.Target, _ []byte) error {
		got <- time.Now()
		return nil
	})
	rules := []events.Rule{{Name: "lead-received", EventPattern: json.RawMessage(`{"source":["dealflow"],"detail-type":["Lead Received"]}`),
		Targets: []events.Target{{ID: "t", StateMachine: "lead-qualification"}}}}
	compile := func(p []byte) (Matcher, error) { return pattern.Compile(p) }
	bus, err := New(db, rules, compile, inv)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go bus.Run(ctx)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := bus.PutEvents(ctx, []events.Entry{{Source: "dealflow", DetailType: "Lead Received", Detail: `{"leadId":"l"}`}}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, (<-got).Sub(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkMatchProjectRules matches one decoded event against the project's rule files.
func BenchmarkMatchProjectRules(b *testing.B) {
	rules, probs := events.LoadRules("../../events/rules")
	if len(probs) > 0 {
		b.Fatal(probs)
	}
	var ms []*pattern.Pattern
	for _, r := range rules {
		ms = append(ms, pattern.MustCompile(string(r.EventPattern)))
	}
	ev, _ := pattern.DecodeEvent([]byte(`{"version":"0","id":"1","detail-type":"Deal Closed Won","source":"dealflow","account":"0","time":"2026-11-26T10:00:00Z","region":"local","resources":[],"detail":{"dealId":"d-1","ownerId":"ben"}}`))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, m := range ms {
			m.MatchValue(ev)
		}
	}
	b.ReportMetric(float64(len(ms)), "rules")
}
