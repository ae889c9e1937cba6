package pattern_test

import (
	"fmt"
	"testing"

	"github.com/dealflow/dealflow/local/eventbus/pattern"
)

// benchEvent is a realistic dealflow event: a deal moving stage, with an owner, tags and contacts.
var benchEvent = []byte(envelope(`{"id":"evt-0192","dealId":"deal-7781","accountId":"acc-311",` +
	`"stage":"negotiation","previousStage":"proposal","amount":48000,"currency":"EUR","priority":"high",` +
	`"region":"eu-central-1","owner":{"id":"rep-12","email":"ana.schmidt@Example.com"},` +
	`"tags":["enterprise","dach","renewal"],"occurredAt":"2026-03-02T09:30:00Z",` +
	`"contacts":[{"role":"buyer","email":"k.maier@customer.de"},{"role":"champion","email":"j.berg@customer.de"}]}`))

// benchRules are the kind of rules events/rules holds: most fail on detail-type, a few match.
var benchRules = []string{
	`{"source":["dealflow"],"detail-type":["Lead Received"]}`,
	`{"source":["dealflow"],"detail-type":["Lead Qualified"],"detail":{"score":[{"numeric":[">=",70]}]}}`,
	`{"source":["dealflow"],"detail-type":["Handoff Requested","Handoff Expired"]}`,
	`{"source":["dealflow"],"detail-type":["Deal Stage Changed"],"detail":{"stage":[{"anything-but":["closed-won","closed-lost"]}],"amount":[{"numeric":[">",10000]}]}}`,
	`{"source":["dealflow"],"detail-type":["Deal Closed Won"]}`,
	`{"detail-type":["Deal Stage Changed"],"detail":{"region":[{"prefix":"eu-"}],"owner":{"email":[{"suffix":{"equals-ignore-case":"@example.com"}}]}}}`,
	`{"detail-type":[{"wildcard":"Deal *"}],"detail":{"tags":["enterprise"]}}`,
	`{"source":["dealflow"],"$or":[{"detail":{"priority":["high"]}},{"detail":{"amount":[{"numeric":[">=",100000]}]}}]}`,
	`{"detail":{"contacts":{"role":["champion"],"email":[{"exists":true}]}}}`,
	`{"detail-type":["Reminder Due"],"detail":{"snoozedUntil":[{"exists":false}]}}`,
}

var catalog = []string{"Lead Received", "Lead Qualified", "Lead Disqualified", "Lead Routed", "Handoff Requested",
	"Handoff Accepted", "Handoff Declined", "Handoff Expired", "Deal Created", "Deal Stage Changed", "Deal Closed Won",
	"Deal Closed Lost", "Activity Logged", "Reminder Due", "Reminder Sent", "Onboarding Started",
	"Onboarding Milestone Due", "Onboarding Completed", "Digest Sent"}

// hundredRules derives 100 rules from the ten above with varied detail types, values and thresholds.
func hundredRules() []string {
	rules := append([]string(nil), benchRules...)
	for i := 0; len(rules) < 100; i++ {
		dt := catalog[i%len(catalog)]
		switch i % 6 {
		case 0:
			rules = append(rules, fmt.Sprintf(`{"source":["dealflow"],"detail-type":[%q],"detail":{"amount":[{"numeric":[">",%d]}]}}`, dt, i*1000))
		case 1:
			rules = append(rules, fmt.Sprintf(`{"detail-type":[%q],"detail":{"stage":["stage-%d","negotiation"]}}`, dt, i))
		case 2:
			rules = append(rules, fmt.Sprintf(`{"detail-type":[%q],"detail":{"owner":{"id":[{"prefix":"rep-%d"}]}}}`, dt, i))
		case 3:
			rules = append(rules, fmt.Sprintf(`{"detail":{"tags":[{"anything-but":["tag-%d"]}],"region":[{"wildcard":"eu-*-%d"}]}}`, i, i%3))
		case 4:
			rules = append(rules, fmt.Sprintf(`{"detail-type":[%q],"$or":[{"detail":{"priority":["p%d"]}},{"detail":{"currency":["EUR"]}}]}`, dt, i))
		case 5:
			rules = append(rules, fmt.Sprintf(`{"detail":{"contacts":{"role":["role-%d"],"email":[{"suffix":"@customer.de"}]}}}`, i))
		}
	}
	return rules
}

func compileAll(b *testing.B, srcs []string) []*pattern.Pattern {
	b.Helper()
	ps := make([]*pattern.Pattern, len(srcs))
	for i, s := range srcs {
		p, err := pattern.Compile([]byte(s))
		if err != nil {
			b.Fatalf("%s: %v", s, err)
		}
		ps[i] = p
	}
	return ps
}

func benchmarkMatchValue(b *testing.B, srcs []string) {
	ps := compileAll(b, srcs)
	ev, err := pattern.DecodeEvent(benchEvent)
	if err != nil {
		b.Fatal(err)
	}
	matched := 0
	for _, p := range ps {
		if p.MatchValue(ev) {
			matched++
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range ps {
			p.MatchValue(ev)
		}
	}
	b.ReportMetric(float64(matched), "matched-rules")
}

// BenchmarkMatchValue10Rules is the bus's path: one decoded event against every rule.
func BenchmarkMatchValue10Rules(b *testing.B) { benchmarkMatchValue(b, benchRules) }

func BenchmarkMatchValue100Rules(b *testing.B) { benchmarkMatchValue(b, hundredRules()) }

// BenchmarkDecodeAndMatch10Rules adds decoding the event once, as PutEvents does.
func BenchmarkDecodeAndMatch10Rules(b *testing.B) {
	ps := compileAll(b, benchRules)
	b.ReportAllocs()
	for b.Loop() {
		ev, err := pattern.DecodeEvent(benchEvent)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range ps {
			p.MatchValue(ev)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	src := []byte(benchRules[3])
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pattern.Compile(src); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMatchValueDoesNotAllocate guards the bus's hot path.
func TestMatchValueDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	ps := make([]*pattern.Pattern, 0, 100)
	for _, s := range hundredRules() {
		ps = append(ps, pattern.MustCompile(s))
	}
	ev, err := pattern.DecodeEvent(benchEvent)
	if err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		for _, p := range ps {
			p.MatchValue(ev)
		}
	})
	if allocs != 0 {
		t.Fatalf("matching 100 rules allocates %v times per event, want 0", allocs)
	}
}
