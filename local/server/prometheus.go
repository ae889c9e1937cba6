package server

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/registry"
)

// Metrics are served at /metrics in the Prometheus text exposition format (version 0.0.4),
// written by hand: the set is small and fixed, and a dependency would buy nothing here.
// https://prometheus.io/docs/instrumenting/exposition_formats/
//
// Everything is counted as it happens. Execution counts by status are the engine's counters
// (sfn.Engine.Stats), which start from the store's counts when the runtime starts, so they are
// right after a restart too; state transitions and execution durations count since the start.

// Latency buckets in seconds.
var (
	httpBuckets      = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
	deliveryBuckets  = []float64{.001, .005, .01, .05, .1, .5, 1, 5, 30}
	executionBuckets = []float64{.1, 1, 10, 60, 600, 3600, 4 * 3600, 86400, 7 * 86400, 30 * 86400}
)

type histogram struct {
	buckets []float64
	counts  []uint64 // per bucket, not cumulative; the last is +Inf
	sum     float64
	n       uint64
}

func newHistogram(b []float64) *histogram {
	return &histogram{buckets: b, counts: make([]uint64, len(b)+1)}
}

func (h *histogram) observe(v float64) {
	i := sort.SearchFloat64s(h.buckets, v) // first bucket with upper bound >= v
	h.counts[i]++
	h.sum += v
	h.n++
}

// metrics holds what is counted as it happens.
type metrics struct {
	mu            sync.Mutex
	httpRequests  map[[2]string]uint64 // route, code
	httpLatency   map[string]*histogram
	webhooks      map[[2]string]uint64 // route, code
	deliveries    map[[2]string]uint64 // rule, outcome
	deliveryLat   map[string]*histogram
	execDuration  map[string]*histogram // by state machine ARN
	webhookRoutes map[string]bool
}

func newMetrics() *metrics {
	m := &metrics{httpRequests: map[[2]string]uint64{}, httpLatency: map[string]*histogram{},
		webhooks: map[[2]string]uint64{}, deliveries: map[[2]string]uint64{}, deliveryLat: map[string]*histogram{},
		execDuration: map[string]*histogram{}, webhookRoutes: map[string]bool{}}
	// Webhooks are the routes other systems post to: signed or public intake.
	routes, _ := registry.Table()
	for _, r := range routes {
		if auth := strings.Fields(r.Auth); slices.Contains(auth, "dealflow-signature") || slices.Contains(auth, "hubspot-signature") || slices.Contains(auth, "rate-limit") {
			m.webhookRoutes[r.MuxPattern()] = true
		}
	}
	return m
}

// wrap counts requests by matched route pattern (not by raw path, which would let a client
// create unbounded series) and status code.
func (m *metrics) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(sw, r)
		d := time.Since(start).Seconds()
		route := r.Pattern // set by the ServeMux on this request
		if route == "" {
			route = "unmatched"
		}
		code := strconv.Itoa(sw.code)
		m.mu.Lock()
		m.httpRequests[[2]string{route, code}]++
		h := m.httpLatency[route]
		if h == nil {
			h = newHistogram(httpBuckets)
			m.httpLatency[route] = h
		}
		h.observe(d)
		if m.webhookRoutes[route] {
			m.webhooks[[2]string{route, code}]++
		}
		m.mu.Unlock()
	})
}

// observeDelivery records one delivery attempt of the bus to a rule target.
func (m *metrics) observeDelivery(rule string, err error, d time.Duration) {
	outcome := "success"
	if err != nil {
		outcome = "error"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deliveries[[2]string{rule, outcome}]++
	h := m.deliveryLat[rule]
	if h == nil {
		h = newHistogram(deliveryBuckets)
		m.deliveryLat[rule] = h
	}
	h.observe(d.Seconds())
}

// observedInvoke is the bus invoker: invokeTarget, counted.
func (r *Runtime) observedInvoke(ctx context.Context, rule string, t events.Target, input []byte) error {
	start := time.Now()
	err := r.invokeTarget(ctx, rule, t, input)
	r.metrics.observeDelivery(rule, err, time.Since(start))
	return err
}

// observeExecution records the duration of an execution that ended (the engine's finish hook).
func (m *metrics) observeExecution(x sfn.FinishedExecution) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.execDuration[x.StateMachineARN]
	if h == nil {
		h = newHistogram(executionBuckets)
		m.execDuration[x.StateMachineARN] = h
	}
	h.observe(x.StopDate.Sub(x.StartDate).Seconds())
}

// execStats are the execution metrics of one state machine.
type execStats struct {
	sfn.MachineStats
	duration *histogram
}

// executionStats reads the engine's counters: no walk over executions, whatever their number.
func (r *Runtime) executionStats() map[string]*execStats {
	out := map[string]*execStats{}
	r.metrics.mu.Lock()
	defer r.metrics.mu.Unlock()
	for name, sm := range r.Machine {
		d := newHistogram(executionBuckets)
		if h := r.metrics.execDuration[sm.ARN]; h != nil {
			d = &histogram{buckets: h.buckets, counts: slices.Clone(h.counts), sum: h.sum, n: h.n}
		}
		out[name] = &execStats{MachineStats: r.Engine.Stats(sm.ARN), duration: d}
	}
	return out
}

// serveMetrics writes every metric.
func (r *Runtime) serveMetrics(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	stats := r.executionStats()
	pending, dead, err := r.Bus.Pending(ctx)
	if err != nil {
		http.Error(w, "read event bus: "+err.Error(), http.StatusInternalServerError)
		return
	}
	mails, err := r.Outbox.Count(ctx)
	if err != nil {
		http.Error(w, "read outbox: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	p := &promWriter{w: w}
	machines := make([]string, 0, len(stats))
	for n := range stats {
		machines = append(machines, n)
	}
	sort.Strings(machines)
	counter := func(name, help string, v func(*execStats) int64) {
		p.head(name, "counter", help)
		for _, n := range machines {
			p.sample(name, labels("state_machine", n), float64(v(stats[n])))
		}
	}
	counter("dealflow_executions_started_total", "Executions started, by state machine.", func(s *execStats) int64 { return s.Started })
	counter("dealflow_executions_succeeded_total", "Executions that succeeded.", func(s *execStats) int64 { return s.Succeeded })
	counter("dealflow_executions_failed_total", "Executions that failed (error, timeout or abort).", func(s *execStats) int64 {
		return s.Failed + s.TimedOut + s.Aborted
	})
	p.head("dealflow_executions_running", "gauge", "Executions running now (including those waiting for a task token or a timer).")
	for _, n := range machines {
		p.sample("dealflow_executions_running", labels("state_machine", n), float64(stats[n].Running))
	}
	counter("dealflow_state_transitions_total", "States entered since start, by state machine.", func(s *execStats) int64 { return s.Transitions })
	p.head("dealflow_execution_duration_seconds", "histogram", "Duration of executions finished since start (clock time of the runtime).")
	for _, n := range machines {
		p.histogram("dealflow_execution_duration_seconds", []string{"state_machine", n}, stats[n].duration)
	}

	r.metrics.mu.Lock()
	defer r.metrics.mu.Unlock()
	p.head("dealflow_event_deliveries_total", "counter", "Event deliveries to rule targets since start, by rule and outcome.")
	for _, k := range sortedPairs(r.metrics.deliveries) {
		p.sample("dealflow_event_deliveries_total", labels("rule", k[0], "outcome", k[1]), float64(r.metrics.deliveries[k]))
	}
	p.head("dealflow_event_delivery_duration_seconds", "histogram", "Time a rule target took to take an event.")
	for _, k := range sortedKeysOf(r.metrics.deliveryLat) {
		p.histogram("dealflow_event_delivery_duration_seconds", []string{"rule", k}, r.metrics.deliveryLat[k])
	}
	p.head("dealflow_event_deliveries_pending", "gauge", "Deliveries waiting (new or retrying).")
	p.sample("dealflow_event_deliveries_pending", "", float64(pending))
	p.head("dealflow_dlq_depth", "gauge", "Deliveries in the dead-letter queue.")
	p.sample("dealflow_dlq_depth", "", float64(dead))
	p.head("dealflow_webhook_responses_total", "counter", "Answers to webhook and intake requests since start, by route and status code.")
	for _, k := range sortedPairs(r.metrics.webhooks) {
		p.sample("dealflow_webhook_responses_total", labels("route", k[0], "code", k[1]), float64(r.metrics.webhooks[k]))
	}
	p.head("dealflow_http_requests_total", "counter", "HTTP requests since start, by route and status code.")
	for _, k := range sortedPairs(r.metrics.httpRequests) {
		p.sample("dealflow_http_requests_total", labels("route", k[0], "code", k[1]), float64(r.metrics.httpRequests[k]))
	}
	p.head("dealflow_http_request_duration_seconds", "histogram", "HTTP request latency by route.")
	for _, k := range sortedKeysOf(r.metrics.httpLatency) {
		p.histogram("dealflow_http_request_duration_seconds", []string{"route", k}, r.metrics.httpLatency[k])
	}
	p.head("dealflow_outbox_messages", "gauge", "Emails in the local outbox.")
	p.sample("dealflow_outbox_messages", "", float64(mails))
}

func sortedPairs(m map[[2]string]uint64) [][2]string {
	out := make([][2]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	return out
}

func sortedKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// labels renders {k="v",...} with values escaped as the exposition format requires.
func labels(kv ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteString(`="`)
		b.WriteString(strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(kv[i+1]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

type promWriter struct{ w io.Writer }

func (p *promWriter) head(name, typ, help string) {
	fmt.Fprintf(p.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (p *promWriter) sample(name, lbls string, v float64) {
	fmt.Fprintf(p.w, "%s%s %s\n", name, lbls, formatFloat(v))
}

func (p *promWriter) histogram(name string, kv []string, h *histogram) {
	var cum uint64
	for i, le := range h.buckets {
		cum += h.counts[i]
		p.sample(name+"_bucket", labels(append(slices.Clone(kv), "le", formatFloat(le))...), float64(cum))
	}
	cum += h.counts[len(h.buckets)]
	p.sample(name+"_bucket", labels(append(slices.Clone(kv), "le", "+Inf")...), float64(cum))
	p.sample(name+"_sum", labels(kv...), h.sum)
	p.sample(name+"_count", labels(kv...), float64(h.n))
}

func formatFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
