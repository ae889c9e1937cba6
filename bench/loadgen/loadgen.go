// Package loadgen drives a running `dealflow serve` with signed requests at a fixed rate (an open
// model: request i is due at start + i/rate whether or not earlier ones have answered, so a slow
// server shows as latency, not as a lower offered rate) and measures what users notice:
// webhook→routed time read from the store, errors, and the SQLite commits each lead costs.
package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
	"github.com/dealflow/dealflow/shared/webhook"
)

// Config is one load run.
type Config struct {
	URL      string // base URL of dealflow serve; loopback only
	Rate     float64
	Duration time.Duration
	Mix      Mix
	Secret   string // the Dealflow-Signature secret (DEALFLOW_LEADS_SECRET of the server)
	// Token is an API token with deals:write for the deal and handoff kinds (dealflow tokens
	// create): the lead secret signs intake only.
	Token string
	DB    string // the server's SQLite file, read for webhook→routed times and commit counts
	// Drain bounds the wait for accepted leads to be routed after the last request (default 60s).
	Drain time.Duration
	// MaxInFlight caps open requests; a request due while the cap is reached is counted as
	// "overload" rather than delaying the schedule (default 2048).
	MaxInFlight int
	// CommitRate is how long to measure the machine's commit rate before the run (0: skip).
	CommitRate time.Duration
	// ServerPID, when set, is the serve process whose CPU time is measured (Linux): CPU per lead
	// is what limits throughput, and unlike latency it barely depends on what else the machine runs.
	ServerPID int
	// Org is the server's org file, needed for deals (pipeline, AEs) and handoffs (SDRs, fields).
	Org *domain.Org
	Log io.Writer
}

// Mix is the share of each request kind.
type Mix map[string]int

// Kinds the generator can send.
var Kinds = []string{"leads", "handoffs", "deals"}

// ParseMix reads "leads", "leads,deals" (equal shares) or "leads=8,deals=2".
func ParseMix(s string) (Mix, error) {
	m := Mix{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, hasW := strings.Cut(part, "=")
		weight := 1
		if hasW {
			n, err := strconv.Atoi(w)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("--mix %q: weight of %s must be a whole number ≥ 0", s, name)
			}
			weight = n
		}
		if !slices.Contains(Kinds, name) {
			return nil, fmt.Errorf("--mix %q: unknown kind %q (want %s)", s, name, strings.Join(Kinds, ", "))
		}
		m[name] += weight
	}
	total := 0
	for _, w := range m {
		total += w
	}
	if total == 0 {
		return nil, fmt.Errorf("--mix %q: no kind with a weight above 0", s)
	}
	return m, nil
}

// pick returns the kind of request i: a deterministic interleaving with the mix's shares.
func (m Mix) pick(i int) string {
	names := make([]string, 0, len(m))
	total := 0
	for _, k := range Kinds {
		if m[k] > 0 {
			names = append(names, k)
			total += m[k]
		}
	}
	r := i % total
	for _, n := range names {
		if r < m[n] {
			return n
		}
		r -= m[n]
	}
	return names[0]
}

// CheckLoopback refuses any URL whose host is not a loopback address: the generator is for the
// local runtime, never a way to flood someone else's server.
func CheckLoopback(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("--url %q: want http://127.0.0.1:PORT", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		// Only if the resolver agrees: a hosts file could point the name elsewhere.
		addrs, err := net.LookupHost(host)
		for _, a := range addrs {
			if ip := net.ParseIP(a); ip == nil || !ip.IsLoopback() {
				err = fmt.Errorf("resolves to %s", a)
			}
		}
		if err != nil || len(addrs) == 0 {
			return nil, fmt.Errorf("--url %q: localhost is not loopback here (%v); use 127.0.0.1", raw, err)
		}
		return u, nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("--url %q: only loopback addresses (127.0.0.0/8, ::1, localhost) may be load tested", raw)
	}
	return u, nil
}

// Latency summarises durations in milliseconds.
type Latency struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50Ms"`
	P95  float64 `json:"p95Ms"`
	P99  float64 `json:"p99Ms"`
	Max  float64 `json:"maxMs"`
	Mean float64 `json:"meanMs"`
}

// Summarize computes nearest-rank percentiles.
func Summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	ms := func(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Latency{N: len(s), P50: ms(rank(0.50)), P95: ms(rank(0.95)), P99: ms(rank(0.99)), Max: ms(s[len(s)-1]), Mean: ms(sum / time.Duration(len(s)))}
}

// Result is what a run measured.
type Result struct {
	URL             string         `json:"url"`
	Rate            float64        `json:"rate"`
	DurationSeconds float64        `json:"durationSeconds"`
	Mix             Mix            `json:"mix"`
	Sent            int            `json:"sent"`
	Accepted        int            `json:"accepted"`
	Errors          int            `json:"errors"`
	ErrorKinds      map[string]int `json:"errorKinds,omitempty"`
	StatusCodes     map[string]int `json:"statusCodes"`
	// Kinds splits the run by request kind of the mix.
	Kinds map[string]*KindStats `json:"kinds"`
	// Late counts requests that left more than 10 ms after their due time (the generator, not
	// the server, was behind).
	Late int `json:"late"`
	// OfferedRate and Throughput are requests sent and leads routed per second.
	OfferedRate float64 `json:"offeredRate"`
	Throughput  float64 `json:"throughput"`
	Routed      int     `json:"routed"`
	Unrouted    int     `json:"unrouted"`
	// HTTP is the response time; WebhookToRouted is lead CreatedAt → RoutedAt from the store;
	// DueToRouted adds the time from the request's due time to CreatedAt (queueing in front).
	HTTP            Latency `json:"http"`
	WebhookToRouted Latency `json:"webhookToRouted"`
	DueToRouted     Latency `json:"dueToRouted"`
	// The two legs of webhook→routed: the lead stored until its workflow started (outbox relay,
	// bus, rule, StartExecution), and the workflow's start until the lead was routed.
	StoredToStarted Latency `json:"storedToWorkflowStarted"`
	StartedToRouted Latency `json:"workflowStartedToRouted"`
	// Commits are the SQLite transactions committed by the server during the run and the drain
	// (counted from the WAL: frames whose commit field is set).
	Commits           int64   `json:"commits"`
	CommitsPerRequest float64 `json:"commitsPerRequest"`
	// CommitsPerLead is set when the run sent leads only.
	CommitsPerLead float64      `json:"commitsPerLead,omitempty"`
	WALFrames      int64        `json:"walFrames"`
	WALRestarts    int64        `json:"walRestarts"`
	CommitRate     []CommitRate `json:"machineCommitRate,omitempty"`
	// CommitLoad is (throughput × commits per lead) ÷ the machine's commit rate with the store's
	// settings: the share of the physical limit the run used.
	CommitLoad float64 `json:"commitLoad,omitempty"`
	// ServerCPUMsPerLead is the serve process's CPU time per accepted lead; CapacityEstimate is
	// the rate the machine's cores could sustain at that cost with nothing else running.
	ServerCPUMsPerLead float64 `json:"serverCpuMsPerLead,omitempty"`
	CapacityEstimate   float64 `json:"capacityEstimate,omitempty"`
	Cores              int     `json:"cores"`
	// Usage counts what the run did in AWS terms, for `dealflow cost --from-run`.
	Usage *Usage `json:"usage,omitempty"`
}

type outcome struct {
	kind     string
	due      time.Time
	sent     time.Time
	took     time.Duration
	status   int
	leadID   string
	errKind  string
	accepted bool
	skipped  bool
}

// Run sends the load, waits for the accepted leads to be routed and measures.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	base, err := CheckLoopback(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Rate <= 0 || cfg.Duration <= 0 {
		return nil, errors.New("--rate and --duration must be above 0")
	}
	if cfg.Secret == "" {
		return nil, errors.New("a signing secret is required (--secret or DEALFLOW_LEADS_SECRET)")
	}
	if cfg.DB == "" {
		return nil, errors.New("--db is required: the server's SQLite file, read for routing times and commits")
	}
	if cfg.Mix == nil {
		cfg.Mix = Mix{"leads": 1}
	}
	if (cfg.Mix["deals"] > 0 || cfg.Mix["handoffs"] > 0) && cfg.Org == nil {
		return nil, errors.New("--mix with deals or handoffs needs the server's org file (--config)")
	}
	if cfg.Drain <= 0 {
		cfg.Drain = 60 * time.Second
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 2048
	}
	logf := func(format string, a ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", a...)
		}
	}
	res := &Result{URL: base.String(), Rate: cfg.Rate, DurationSeconds: cfg.Duration.Seconds(), Mix: cfg.Mix,
		ErrorKinds: map[string]int{}, StatusCodes: map[string]int{}, Kinds: map[string]*KindStats{}}
	if cfg.CommitRate > 0 {
		for _, sync := range []string{"NORMAL", "FULL"} {
			cr, err := MeasureCommitRate(ctx, dirOf(cfg.DB), sync, cfg.CommitRate)
			if err != nil {
				return nil, err
			}
			res.CommitRate = append(res.CommitRate, cr)
			logf("machine commit rate (synchronous=%s): %.0f commits/s", sync, cr.PerSecond)
		}
	}
	st, err := sqlite.Open(cfg.DB)
	if err != nil {
		return nil, fmt.Errorf("open the server's database read side: %w", err)
	}
	defer st.Close()
	usageBefore, err := ReadUsage(ctx, st, time.Time{})
	if err != nil {
		return nil, err
	}
	var mix *mixState
	if cfg.Org != nil && (cfg.Mix["deals"] > 0 || cfg.Mix["handoffs"] > 0) {
		if mix, err = newMixState(cfg.Org, st); err != nil {
			return nil, err
		}
	}

	cpu0 := 0.0
	if cfg.ServerPID > 0 {
		if cpu0, err = processCPU(cfg.ServerPID); err != nil {
			return nil, err
		}
	}
	res.Cores = goruntime.NumCPU()
	wal := NewWALCommits(cfg.DB)
	defer wal.Close()
	stopWAL := make(chan struct{})
	walDone := make(chan struct{})
	go func() { wal.Run(2*time.Millisecond, stopWAL); close(walDone) }()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: cfg.MaxInFlight, MaxIdleConnsPerHost: cfg.MaxInFlight, IdleConnTimeout: time.Minute}}
	defer client.CloseIdleConnections()
	run := runID()
	total := int(math.Round(cfg.Rate * cfg.Duration.Seconds()))
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	outs := make([]outcome, total)
	sem := make(chan struct{}, cfg.MaxInFlight)
	var wg sync.WaitGroup
	logf("sending %d requests at %.0f/s for %s to %s", total, cfg.Rate, cfg.Duration, base)
	start := time.Now()
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(d):
			}
		}
		select {
		case sem <- struct{}{}:
		default:
			outs[i] = outcome{kind: cfg.Mix.pick(i), due: due, errKind: "overload: too many requests in flight"}
			continue
		}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			o := outcome{kind: cfg.Mix.pick(i), due: due}
			switch o.kind {
			case "deals":
				o = sendDeal(ctx, client, base, cfg, mix, run, i, o)
			case "handoffs":
				o = sendHandoff(ctx, client, base, cfg, mix, o)
			default:
				o = send(ctx, client, base, cfg, run, i, due)
				if o.leadID != "" && mix != nil {
					mix.accepted(o.leadID, time.Now())
				}
			}
			outs[i] = o
		}(i)
	}
	wg.Wait()
	sendEnd := time.Now()

	var ids []string
	due := map[string]time.Time{}
	var httpLat []time.Duration
	kindLat := map[string][]time.Duration{}
	for _, o := range outs {
		ks := res.Kinds[o.kind]
		if ks == nil {
			ks = &KindStats{}
			res.Kinds[o.kind] = ks
		}
		if o.skipped {
			ks.Skipped++
			continue
		}
		res.Sent++
		ks.Sent++
		if o.status != 0 {
			res.StatusCodes[strconv.Itoa(o.status)]++
			httpLat = append(httpLat, o.took)
			kindLat[o.kind] = append(kindLat[o.kind], o.took)
		}
		if o.sent.Sub(o.due) > 10*time.Millisecond {
			res.Late++
		}
		if o.errKind != "" {
			res.Errors++
			ks.Errors++
			res.ErrorKinds[o.errKind]++
			continue
		}
		res.Accepted++
		ks.OK++
		if o.leadID != "" {
			ids = append(ids, o.leadID)
			due[o.leadID] = o.due
		}
	}
	for k, l := range kindLat {
		res.Kinds[k].HTTP = Summarize(l)
	}
	res.OfferedRate = float64(res.Sent) / sendEnd.Sub(start).Seconds()
	res.HTTP = Summarize(httpLat)
	logf("sent %d in %.1fs: %d accepted, %d errors; waiting for routing", res.Sent, sendEnd.Sub(start).Seconds(), res.Accepted, res.Errors)

	drainEnd := time.Now().Add(cfg.Drain)
	leads, err := waitRouted(ctx, st, ids, cfg.Drain)
	if err != nil {
		return nil, err
	}
	// Routing is not the last step (the owner's email and Lead Routed follow): count commits
	// until the server has been quiet for a moment.
	settle(ctx, wal, 700*time.Millisecond, drainEnd)
	close(stopWAL)
	<-walDone
	var w2r, d2r []time.Duration
	var last time.Time
	for _, id := range ids {
		l, ok := leads[id]
		if !ok || l.RoutedAt == nil {
			res.Unrouted++
			continue
		}
		res.Routed++
		w2r = append(w2r, l.RoutedAt.Sub(l.CreatedAt))
		d2r = append(d2r, l.RoutedAt.Sub(due[id]))
		if l.RoutedAt.After(last) {
			last = *l.RoutedAt
		}
	}
	if res.Unrouted > 0 {
		res.Errors += res.Unrouted
		res.ErrorKinds["not routed within the drain time"] += res.Unrouted
	}
	if starts, err := executionStarts(ctx, st); err == nil {
		var a, b []time.Duration
		for _, id := range ids {
			l, ok := leads[id]
			s, ok2 := starts[id]
			if ok && ok2 && l.RoutedAt != nil {
				a = append(a, s.Sub(l.CreatedAt))
				b = append(b, l.RoutedAt.Sub(s))
			}
		}
		res.StoredToStarted, res.StartedToRouted = Summarize(a), Summarize(b)
	}
	res.WebhookToRouted = Summarize(w2r)
	res.DueToRouted = Summarize(d2r)
	if res.Routed > 0 {
		res.Throughput = float64(res.Routed) / last.Sub(start).Seconds()
	}
	if cfg.ServerPID > 0 && len(ids) > 0 {
		if cpu1, err := processCPU(cfg.ServerPID); err == nil {
			res.ServerCPUMsPerLead = (cpu1 - cpu0) * 1000 / float64(len(ids))
			if res.ServerCPUMsPerLead > 0 {
				res.CapacityEstimate = float64(res.Cores) * 1000 / res.ServerCPUMsPerLead
			}
		}
	}
	res.Commits, res.WALFrames, res.WALRestarts = wal.Commits(), wal.Frames(), wal.Restarts()
	if res.Accepted > 0 {
		res.CommitsPerRequest = float64(res.Commits) / float64(res.Accepted)
	}
	if len(ids) > 0 && len(ids) == res.Accepted { // leads only: every commit is a lead's
		res.CommitsPerLead = float64(res.Commits) / float64(len(ids))
	}
	for _, cr := range res.CommitRate {
		if cr.Synchronous == "NORMAL" && cr.PerSecond > 0 {
			res.CommitLoad = res.Throughput * res.CommitsPerLead / cr.PerSecond
		}
	}
	after, err := ReadUsage(ctx, st, time.Time{})
	if err != nil {
		return nil, err
	}
	u := after.Minus(usageBefore)
	u.Leads = len(ids)
	u.HTTPRequests = res.Sent
	res.Usage = &u
	return res, nil
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}

func runID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// leadBody is a new, valid DACH lead, unique per run and request.
func leadBody(run string, i int) []byte {
	return fmt.Appendf(nil, `{"email":"load-%s-%d@firma-%s-%d.de","name":"Load %d","company":"Firma %s %d GmbH","country":"DE","employees":"%d"}`,
		run, i, run, i, i, run, i, 50+i%2000)
}

func send(ctx context.Context, c *http.Client, base *url.URL, cfg Config, run string, i int, due time.Time) outcome {
	o := outcome{kind: cfg.Mix.pick(i), due: due}
	body := leadBody(run, i)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base.JoinPath("/v1/leads").String(), bytes.NewReader(body))
	if err != nil {
		o.errKind = "request: " + err.Error()
		return o
	}
	req.Header.Set("Content-Type", "application/json")
	o.sent = time.Now()
	req.Header.Set(webhook.HeaderDealflowSignature, webhook.Sign(body, o.sent, cfg.Secret))
	resp, err := c.Do(req)
	o.took = time.Since(o.sent)
	if err != nil {
		o.errKind = "transport: " + errClass(err)
		return o
	}
	defer resp.Body.Close()
	o.status = resp.StatusCode
	var acc struct {
		ID string `json:"id"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&acc); err != nil && resp.StatusCode < 300 {
		o.errKind = "bad answer: " + err.Error()
		return o
	}
	if resp.StatusCode != http.StatusAccepted {
		o.errKind = "HTTP " + strconv.Itoa(resp.StatusCode)
		return o
	}
	o.leadID, o.accepted = acc.ID, true
	return o
}

func errClass(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Op + " " + oe.Err.Error()
	}
	return err.Error()
}

// waitRouted polls the store until every lead is routed or the drain time passes. Leads are
// routed roughly in arrival order, so a round stops at a run of unrouted ones: polling must not
// load the server it measures. Timestamps come from the store, so polling rarely loses nothing.
func waitRouted(ctx context.Context, st *sqlite.Store, ids []string, drain time.Duration) (map[string]domain.Lead, error) {
	got := make(map[string]domain.Lead, len(ids))
	pending := slices.Clone(ids) // in send order
	deadline := time.Now().Add(drain)
	for len(pending) > 0 {
		full := time.Now().After(deadline)
		next := pending[:0]
		misses := 0
		for i, id := range pending {
			if misses >= 20 && !full {
				next = append(next, pending[i:]...)
				break
			}
			l, err := st.GetLead(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("read lead %s: %w", id, err)
			}
			if err != nil || l.RoutedAt == nil {
				next = append(next, id)
				misses++
				continue
			}
			misses = 0
			got[id] = l
		}
		pending = next
		if len(pending) == 0 || full {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return got, nil
}

// settle returns once the WAL has seen no commit for quiet, or at deadline.
func settle(ctx context.Context, wal *WALCommits, quiet time.Duration, deadline time.Time) {
	last, since := wal.Commits(), time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		wal.Poll()
		if n := wal.Commits(); n != last {
			last, since = n, time.Now()
			continue
		}
		if time.Since(since) >= quiet {
			return
		}
	}
}

// executionStarts maps lead ids to the start time of their lead-qualification execution.
func executionStarts(ctx context.Context, st *sqlite.Store) (map[string]time.Time, error) {
	rows, err := st.DB().QueryContext(ctx, `SELECT input, start_date FROM sfn_executions WHERE state_machine_arn LIKE '%:lead-qualification'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var in, start string
		if err := rows.Scan(&in, &start); err != nil {
			return nil, err
		}
		var v struct {
			LeadID string `json:"leadId"`
			Detail struct {
				LeadID string `json:"leadId"`
			} `json:"detail"`
		}
		_ = json.Unmarshal([]byte(in), &v)
		t, err := time.Parse(time.RFC3339Nano, start)
		if err != nil {
			continue
		}
		if v.LeadID == "" {
			v.LeadID = v.Detail.LeadID
		}
		out[v.LeadID] = t
	}
	return out, rows.Err()
}
