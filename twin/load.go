package twin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dealflow/dealflow/shared/webhook"
)

// LoadConfig is one load run: leads posted at Rate per second for Duration, signed with Key.
type LoadConfig struct {
	Rate     int
	Duration time.Duration
	Drain    time.Duration // how long to wait for the backlog after the last lead
	Key      string        // the lead-signing key the stack was given
	Out      io.Writer
}

// Stage is one place work can queue, sampled once a second.
type Stage struct {
	Name     string
	Max, End int64
}

// LoadReport is what a load run measured.
type LoadReport struct {
	Sent, Accepted, Throttled, Failed int64
	Routed                            int64 // successful route-lead invocations
	Elapsed                           time.Duration
	Stages                            []Stage
	HotWrites, HotReads               []KeyCount
	Calls                             map[string]int64
	// Lead Received (on the bus) → route-lead answered, over the leads routed during the run.
	RoutedN                         int
	RoutedP50, RoutedP99, RoutedMax time.Duration
	// Environments is the execution environments each function started (its peak concurrency,
	// as the twin starts one only when none is idle).
	Environments map[string]int
	// LeadsThrottle is the POST /v1/leads route's throttle from the template.
	LeadsRate, LeadsBurst float64
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// KeyCount is writes (or queries) per partition key.
type KeyCount struct {
	Key string
	N   int64
}

func top(m map[string]int64, n int) []KeyCount {
	var out []KeyCount
	for k, v := range m {
		out = append(out, KeyCount{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].N > out[j].N || out[i].N == out[j].N && out[i].Key < out[j].Key })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func (tw *Twin) routedCount() int64 {
	// A lead is routed when route-lead answered for it (the owner's mail may wait for working hours).
	n := int64(0)
	for name, f := range tw.Functions {
		if strings.HasSuffix(name, "-route-lead") {
			n += f.ok.Load()
		}
	}
	return n
}

// depths samples every stage's queue: per function the invocations waiting for an execution
// environment, the bus deliveries pending, and the running executions per state machine.
func (tw *Twin) depths(ctx context.Context) map[string]int64 {
	out := map[string]int64{}
	for n, f := range tw.Functions {
		out["lambda "+n+" waiting"] = f.waiting.Load()
	}
	if p, _, err := tw.bus.Pending(ctx); err == nil {
		out["eventbridge deliveries pending"] = int64(p)
	}
	for n, arn := range tw.Machines {
		out["sfn "+n+" running"] = tw.Engine.Stats(arn).Running
	}
	return out
}

// Load posts leads through the HTTP API at a fixed rate and reports throughput and backlog.
func (tw *Twin) Load(ctx context.Context, cfg LoadConfig) LoadReport {
	var rep LoadReport
	var sent, acc, thr, failed atomic.Int64
	maxes := map[string]int64{}
	var mu sync.Mutex
	sample := func() map[string]int64 {
		d := tw.depths(ctx)
		mu.Lock()
		for k, v := range d {
			maxes[k] = max(maxes[k], v)
		}
		mu.Unlock()
		return d
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}, Timeout: 35 * time.Second}
	start := time.Now()
	tick := time.NewTicker(time.Second / time.Duration(max(1, cfg.Rate)))
	defer tick.Stop()
	sec := time.NewTicker(time.Second)
	defer sec.Stop()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 1024)
	i := 0
loop:
	for time.Since(start) < cfg.Duration {
		select {
		case <-ctx.Done():
			break loop
		case <-sec.C:
			sample()
			if cfg.Out != nil {
				fmt.Fprintf(cfg.Out, "t=%3.0fs sent=%d accepted=%d throttled=%d routed=%d\n", time.Since(start).Seconds(), sent.Load(), acc.Load(), thr.Load(), tw.routedCount())
			}
		case <-tick.C:
			i++
			n := i
			select {
			case sem <- struct{}{}:
			default:
				failed.Add(1) // the client itself cannot keep up
				continue
			}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				sent.Add(1)
				body := fmt.Sprintf(`{"email":"load%d-%d@firma%d.de","name":"Load %d","company":"Firma %d GmbH","country":"DE","employees":"%d"}`, start.UnixNano(), n, n%997, n, n%997, 50+n%500)
				req, _ := http.NewRequest(http.MethodPost, tw.APIURL()+"/v1/leads", bytes.NewBufferString(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Dealflow-Signature", webhook.Sign([]byte(body), time.Now(), cfg.Key))
				res, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				switch {
				case res.StatusCode == http.StatusAccepted:
					acc.Add(1)
				case res.StatusCode == http.StatusTooManyRequests:
					thr.Add(1)
				default:
					failed.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	sendEnd := time.Now()
	end := sample()
	// Drain: the sweeper (outbox-relay, once a minute on AWS) and the workflows finish the backlog.
	deadline := time.Now().Add(cfg.Drain)
	for time.Now().Before(deadline) && tw.routedCount() < acc.Load() {
		time.Sleep(time.Second)
		end = sample()
	}
	rep.Sent, rep.Accepted, rep.Throttled, rep.Failed = sent.Load(), acc.Load(), thr.Load(), failed.Load()
	rep.Routed = tw.routedCount()
	rep.Elapsed = sendEnd.Sub(start)
	for k, v := range maxes {
		if v > 0 || end[k] > 0 {
			rep.Stages = append(rep.Stages, Stage{Name: k, Max: v, End: end[k]})
		}
	}
	sort.Slice(rep.Stages, func(i, j int) bool { return rep.Stages[i].Max > rep.Stages[j].Max })
	rep.HotWrites = top(tw.writes.snapshot(), 8)
	rep.HotReads = top(tw.reads.snapshot(), 5)
	tw.latencyMu.Lock()
	lat := append([]time.Duration(nil), tw.latencies...)
	tw.latencyMu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	rep.RoutedN, rep.RoutedP50, rep.RoutedP99 = len(lat), percentile(lat, 0.50), percentile(lat, 0.99)
	if len(lat) > 0 {
		rep.RoutedMax = lat[len(lat)-1]
	}
	rep.Environments = map[string]int{}
	for n, f := range tw.Functions {
		f.mu.Lock()
		rep.Environments[n] = len(f.procs)
		f.mu.Unlock()
	}
	for _, r := range tw.api.routes {
		if r.key == "POST /v1/leads" && r.limit != nil {
			rep.LeadsRate, rep.LeadsBurst = r.limit.rate, r.limit.burst
		}
	}
	tw.countMu.Lock()
	rep.Calls = map[string]int64{}
	for k, v := range tw.counts {
		rep.Calls[k] = v
	}
	tw.countMu.Unlock()
	return rep
}

// Print writes the report.
func (r LoadReport) Print(w io.Writer, tw *Twin) {
	secs := r.Elapsed.Seconds()
	fmt.Fprintf(w, "\nsent %d leads in %.1fs: %d accepted (%.1f/s), %d throttled by the API stage (429), %d failed\n",
		r.Sent, secs, r.Accepted, float64(r.Accepted)/secs, r.Throttled, r.Failed)
	fmt.Fprintf(w, "routed: %d of %d accepted (%.1f leads/s sustained over the send window)\n", r.Routed, r.Accepted, float64(min(r.Routed, r.Accepted))/secs)
	fmt.Fprintf(w, "Lead Received → routed (%d leads): p50 %v, p99 %v, max %v\n", r.RoutedN,
		r.RoutedP50.Round(time.Millisecond), r.RoutedP99.Round(time.Millisecond), r.RoutedMax.Round(time.Millisecond))
	if tw.api.rate > 0 {
		fmt.Fprintf(w, "API throttle from the template: POST /v1/leads %.0f requests/s burst %.0f; stage default %.0f/s burst %.0f\n",
			r.LeadsRate, r.LeadsBurst, tw.api.rate, tw.api.burst)
	}
	total := 0
	names := make([]string, 0, len(r.Environments))
	for n, e := range r.Environments {
		total += e
		if e > 0 {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool { return r.Environments[names[i]] > r.Environments[names[j]] })
	fmt.Fprintf(w, "Lambda execution environments started (peak concurrency): %d in all (account quota: 1,000 by default, lower on new accounts)\n", total)
	for _, n := range names {
		fmt.Fprintf(w, "  %6d  %s\n", r.Environments[n], n)
	}
	fmt.Fprintln(w, "\nwhere the backlog forms (max during the run, at the end):")
	for _, s := range r.Stages {
		fmt.Fprintf(w, "  %6d %6d  %s\n", s.Max, s.End, s.Name)
	}
	fmt.Fprintln(w, "\nwrites per partition key (hot-key detection; DynamoDB allows ~1,000 WCU/s per partition):")
	for _, k := range r.HotWrites {
		fmt.Fprintf(w, "  %8d  %s\n", k.N, k.Key)
	}
	fmt.Fprintln(w, "\nqueries per partition key:")
	for _, k := range r.HotReads {
		fmt.Fprintf(w, "  %8d  %s\n", k.N, k.Key)
	}
	fmt.Fprintln(w, "\nAWS calls by action:")
	keys := make([]string, 0, len(r.Calls))
	for k := range r.Calls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %8d  %s\n", r.Calls[k], k)
	}
}
