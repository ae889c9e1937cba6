package loadgen

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Text is the human summary of a run.
func (r *Result) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "load: %.0f req/s offered for %.0fs against %s\n", r.Rate, r.DurationSeconds, r.URL)
	fmt.Fprintf(&b, "  sent %d (%.0f/s actual, %d late), accepted %d, errors %d", r.Sent, r.OfferedRate, r.Late, r.Accepted, r.Errors)
	if len(r.ErrorKinds) > 0 {
		var ks []string
		for k, n := range r.ErrorKinds {
			ks = append(ks, fmt.Sprintf("%s: %d", k, n))
		}
		sort.Strings(ks)
		fmt.Fprintf(&b, " (%s)", strings.Join(ks, "; "))
	}
	fmt.Fprintf(&b, "\n  routed %d, throughput %.0f leads/s\n", r.Routed, r.Throughput)
	lat := func(name string, l Latency) {
		fmt.Fprintf(&b, "  %-18s p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (n=%d)\n", name, l.P50, l.P95, l.P99, l.Max, l.N)
	}
	lat("webhook→routed", r.WebhookToRouted)
	lat("due→routed", r.DueToRouted)
	lat("  stored→started", r.StoredToStarted)
	lat("  started→routed", r.StartedToRouted)
	lat("HTTP answer", r.HTTP)
	if r.ServerCPUMsPerLead > 0 {
		fmt.Fprintf(&b, "  server CPU: %.2f ms per lead → at most ~%.0f leads/s on %d idle cores\n", r.ServerCPUMsPerLead, r.CapacityEstimate, r.Cores)
	}
	if len(r.Kinds) > 1 {
		for _, k := range Kinds {
			if ks := r.Kinds[k]; ks != nil {
				fmt.Fprintf(&b, "  %-9s sent %d, ok %d, errors %d, skipped %d; HTTP p50 %.1f ms p99 %.1f ms\n", k, ks.Sent, ks.OK, ks.Errors, ks.Skipped, ks.HTTP.P50, ks.HTTP.P99)
			}
		}
	}
	per := fmt.Sprintf("%.1f per lead", r.CommitsPerLead)
	if r.CommitsPerLead == 0 {
		per = fmt.Sprintf("%.1f per accepted request", r.CommitsPerRequest)
	}
	fmt.Fprintf(&b, "  SQLite commits: %d during the run (%s, %d WAL frames, %d WAL restarts)\n", r.Commits, per, r.WALFrames, r.WALRestarts)
	for _, c := range r.CommitRate {
		fmt.Fprintf(&b, "  machine commit rate, synchronous=%s: %.0f commits/s\n", c.Synchronous, c.PerSecond)
	}
	if r.CommitLoad > 0 {
		fmt.Fprintf(&b, "  the run used %.0f%% of the machine's commit rate (throughput × commits per lead ÷ commit rate)\n", 100*r.CommitLoad)
	}
	return b.String()
}

// Search is the outcome of SearchMax.
type Search struct {
	TargetP99Ms float64   `json:"targetP99Ms"`
	MaxRate     float64   `json:"maxSustainableRate"`
	Best        *Result   `json:"best,omitempty"`
	Steps       []*Result `json:"steps"`
}

// sustainable: every request accepted and routed, p99 webhook→routed within target. (Late sends
// are the generator's scheduling jitter; they are reported, and due→routed shows their effect.)
func sustainable(r *Result, p99 time.Duration) bool {
	return r.Errors == 0 && r.Unrouted == 0 && r.WebhookToRouted.P99 <= float64(p99)/1e6
}

// SearchMax raises the rate from cfg.Rate by half again each step until a step is not
// sustainable (or halves it until one is), then bisects between the best good and the lowest
// bad rate.
func SearchMax(ctx context.Context, cfg Config, p99 time.Duration) (*Search, error) {
	s := &Search{TargetP99Ms: float64(p99) / 1e6}
	step := func(rate float64) (bool, error) {
		c := cfg
		c.Rate = rate
		if len(s.Steps) > 0 {
			c.CommitRate = 0 // measured once, in the first step
		}
		r, err := Run(ctx, c)
		if err != nil {
			return false, err
		}
		if len(s.Steps) > 0 && len(r.CommitRate) == 0 {
			r.CommitRate = s.Steps[0].CommitRate
		}
		s.Steps = append(s.Steps, r)
		ok := sustainable(r, p99)
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, "search: %.0f/s → p99 %.1f ms, %d errors, %d late: sustainable=%v\n", rate, r.WebhookToRouted.P99, r.Errors, r.Late, ok)
		}
		if ok && rate > s.MaxRate {
			s.MaxRate, s.Best = rate, r
		}
		return ok, nil
	}
	_, err := bracket(cfg.Rate, step)
	return s, err
}

// Text is the human summary of a search.
func (s *Search) Text() string {
	var b strings.Builder
	for _, r := range s.Steps {
		fmt.Fprintf(&b, "  %6.0f/s: p99 webhook→routed %7.1f ms, errors %d, late %d, throughput %.0f/s\n", r.Rate, r.WebhookToRouted.P99, r.Errors, r.Late, r.Throughput)
	}
	fmt.Fprintf(&b, "maximum sustainable rate (p99 ≤ %.0f ms, no errors): %.0f leads/s\n", s.TargetP99Ms, s.MaxRate)
	if s.Best != nil {
		b.WriteString(s.Best.Text())
	}
	return b.String()
}

// bracket finds the highest rate step accepts: up by half again from start until one fails (or
// down by halves until one holds), then three bisections while the gap is over a fifth.
func bracket(start float64, step func(rate float64) (bool, error)) (float64, error) {
	good, bad := 0.0, 0.0
	ok, err := step(start)
	if err != nil {
		return good, err
	}
	if ok {
		good = start
		for rate := start * 1.5; rate <= 20000; rate *= 1.5 {
			if ok, err = step(rate); err != nil {
				return good, err
			}
			if !ok {
				bad = rate
				break
			}
			good = rate
		}
	} else {
		// The starting rate is already too much for this machine: halve until a rate holds.
		bad = start
		for rate := start / 2; rate >= 5; rate /= 2 {
			if ok, err = step(rate); err != nil {
				return good, err
			}
			if ok {
				good = rate
				break
			}
			bad = rate
		}
	}
	for i := 0; i < 3 && bad > 0 && good > 0 && bad-good > good/5; i++ {
		mid := (good + bad) / 2
		ok, err := step(mid)
		if err != nil {
			return good, err
		}
		if ok {
			good = mid
		} else {
			bad = mid
		}
	}
	return good, nil
}
