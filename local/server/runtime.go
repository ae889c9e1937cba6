// Package server wires the local product: the SQLite store, the event bus with the rules of
// events/rules, the scheduler with events/schedules, the ASL engine with statemachines/, the Go
// handlers called in-process, the mail outbox and the HTTP API. One process, no network.
package server

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/dealflow/dealflow/local/eventbus"
	"github.com/dealflow/dealflow/local/eventbus/pattern"
	"github.com/dealflow/dealflow/local/schedule"
	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/crm/hubspot"
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/registry"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store/sqlite"
	"github.com/dealflow/dealflow/shared/webhook"
	"github.com/dealflow/dealflow/shared/workflow"
	"github.com/dealflow/dealflow/shared/workhours"
)

// Local identity used in ARNs.
const (
	Region  = "local"
	Account = "000000000000"
)

// Config says where everything is.
type Config struct {
	Root    string // project folder holding statemachines/ and events/ (default ".")
	OrgFile string // default examples/org.yaml
	DBPath  string // default ./data/dealflow.db
	Clock   clock.Clock
	Log     *slog.Logger
	// Env looks up secrets by the variable names the org file gives (default os.Getenv).
	Env func(string) string
	// CRM reads HubSpot contacts; nil uses only what webhooks carry.
	CRM platform.CRM
	// ConsoleToken, when set, is required to open the console (see console.go).
	ConsoleToken string
	// ExecutionRetention is how many finished executions the engine keeps in memory (0: the
	// default, sfn.DefaultRetention); older ones are read from the database.
	ExecutionRetention int
}

// Runtime is the running product.
type Runtime struct {
	cfg    Config
	Org    *domain.Org
	Store  *sqlite.Store
	Bus    *eventbus.Bus
	Engine *sfn.Engine
	Outbox *notify.Outbox
	Deps   *platform.Deps
	// Caps are the sales capabilities, wired over Deps.
	Caps *registry.Capabilities
	// SMTP delivers the outbox through a mail server when DEALFLOW_SMTP_ADDR is set; nil otherwise.
	SMTP    *notify.SMTPRelay
	Sched   *schedule.Runner
	Machine map[string]*sfn.StateMachine // by name
	Project *Project
	funcs   map[string]lambda.Handler
	metrics *metrics

	relayWake chan struct{}
	unlock    func() // releases the one-runtime-per-file lock
	wg        sync.WaitGroup
}

// Problems lists everything wrong with the files; New refuses to start on any.
type Problems []string

func (p Problems) Error() string { return strings.Join(p, "\n") }

// FunctionARN is the local ARN of a function.
func FunctionARN(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", Region, Account, name)
}

// New loads and validates every file, opens the store and wires the components. It does not
// start background work: call Start.
func New(ctx context.Context, cfg Config) (*Runtime, error) {
	if cfg.Root == "" {
		cfg.Root = "."
	}
	if cfg.OrgFile == "" {
		cfg.OrgFile = "examples/org.yaml"
	}
	if cfg.DBPath == "" {
		cfg.DBPath = filepath.Join("data", "dealflow.db")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Env == nil {
		cfg.Env = os.Getenv
	}
	var probs Problems
	org, err := config.Load(cfg.OrgFile)
	if err != nil {
		probs = append(probs, err.Error())
	}
	proj, pp := LoadProject(cfg.Root)
	probs = append(probs, pp...)
	if len(probs) > 0 {
		return nil, probs
	}
	if err := os.MkdirAll(filepath.Dir(cfg.DBPath), 0o750); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	unlock, err := lockInstance(cfg.DBPath)
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(cfg.DBPath, sqlite.WithClock(cfg.Clock))
	if err != nil {
		unlock()
		return nil, err
	}
	if fi, err := os.Stat(cfg.DBPath); err == nil && fi.Mode().Perm()&0o077 != 0 {
		cfg.Log.Warn("the database file is readable by other users; it holds the link-signing key and personal data: chmod 600 it",
			"path", cfg.DBPath, "mode", fi.Mode().Perm().String())
	}
	r := &Runtime{cfg: cfg, Org: org, Store: st, Machine: map[string]*sfn.StateMachine{}, relayWake: make(chan struct{}, 1), Project: proj, metrics: newMetrics(), unlock: unlock}
	if err := r.wire(ctx, proj); err != nil {
		st.Close()
		unlock()
		return nil, err
	}
	return r, nil
}

func (r *Runtime) wire(ctx context.Context, proj *Project) error {
	cfg := r.cfg
	db := r.Store.DB()
	var err error
	if r.Outbox, err = notify.OpenOutbox(db, cfg.Clock, notify.WithWriter(r.Store.Writer())); err != nil {
		return err
	}
	// The relay wakes when a write leaves outbox events pending (the bus publishes the rest in
	// the writing transaction: SetPublisher below).
	r.Store.OnPendingOutbox(r.kickRelay)
	r.Deps = &platform.Deps{Store: r.Store, Org: r.Org, Clock: cfg.Clock, Mailer: r.Outbox, Log: cfg.Log, Ledger: &routing.Ledger{}, Available: workhours.Availability(r.Org),
		Workflow: engineAdapter{r}, Publisher: r.Publisher()}
	// With DEALFLOW_SMTP_ADDR set, mail is still written to the outbox first (a step never fails
	// because the mail server is down) and a relay delivers it, retrying until the server is back.
	smtp, err := notify.SMTPFromEnv(cfg.Env)
	if err != nil {
		return err
	}
	if smtp != nil {
		if r.SMTP, err = notify.OpenSMTPRelay(ctx, db, smtp, cfg.Clock, cfg.Log); err != nil {
			return err
		}
		r.Deps.Mailer = r.SMTP.Mailer(r.Outbox)
	}
	if env := r.Org.Webhooks.Slack.WebhookURLEnv; env != "" && cfg.Env(env) != "" {
		r.Deps.Slack = notify.IdempotentSlack{Next: notify.SlackWebhook{URL: cfg.Env(env)},
			Claim: func(ctx context.Context, k, v string) (string, bool, error) {
				return r.Store.PutIdempotencyKey(ctx, k, v, 0)
			},
			Release: r.Store.ReleaseIdempotencyKey}
	}
	key, err := linkKey(ctx, db, cfg.Env)
	if err != nil {
		return err
	}
	r.Deps.LinkKey, r.Deps.CRM, r.Deps.PublicURL = key, cfg.CRM, r.Org.Settings.PublicURL
	if cfg.CRM == nil {
		// integrations.hubspot: the token from the environment, api_base_url (a sandbox or a fake).
		if c := hubspot.ClientFor(r.Org, cfg.Env); c != nil {
			r.Deps.CRM = c
		}
	}
	for _, d := range r.Org.Deprecations {
		cfg.Log.Warn("org file: " + d)
	}
	r.Deps.LeadSecrets = secrets(cfg.Env, r.Org.Webhooks.Leads.SecretEnv...)
	r.Deps.HubSpot = webhook.HubSpotVerifier{Secrets: secrets(cfg.Env, r.Org.Webhooks.HubSpot.ClientSecretEnv), Versions: hubspotVersions(r.Org.Webhooks.HubSpot.SignatureVersions)}
	// The local runtime runs every function, so it draws digest charts in-process.
	r.Caps = registry.New(r.Deps, charts.Draw)
	// Deals stored before every deal had a currency get the org's (idempotent: a no-op once done).
	if _, err := r.Caps.Deals.MigrateDealCurrencies(ctx); err != nil {
		return err
	}

	fns := r.Caps.Functions()
	reg := sfn.NewRegistry()
	r.funcs = map[string]lambda.Handler{}
	for name, fn := range fns {
		reg.Register(name, fn)
		r.funcs[name] = lambda.NewHandler(fn)
	}
	compile := func(p []byte) (eventbus.Matcher, error) { return pattern.Compile(p) }
	if r.Bus, err = eventbus.New(db, proj.Rules, compile, busInvoker{r}, eventbus.WithClock(cfg.Clock), eventbus.WithLogger(cfg.Log), eventbus.WithAccount(Account, Region), eventbus.WithWriter(r.Store.Writer())); err != nil {
		return err
	}
	persist, err := sfn.NewSQLitePersistence(ctx, db, sfn.WithTxRunner(r.Store.Writer()))
	if err != nil {
		return err
	}
	if r.Engine, err = sfn.New(sfn.WithClock(cfg.Clock), sfn.WithFunctions(reg), sfn.WithPublisher(r.Publisher()), sfn.WithPersistence(persist), sfn.WithAccount(Region, Account),
		sfn.WithOnFinish(r.metrics.observeExecution), sfn.WithRetention(cmp.Or(cfg.ExecutionRetention, sfn.DefaultRetention))); err != nil {
		return err
	}
	for _, name := range sortedKeys(proj.Machines) {
		sm, err := r.Engine.CreateStateMachine(ctx, name, proj.Machines[name], proj.Files[name])
		if err != nil {
			return err
		}
		if workflow.Types[name].Express {
			if err := r.Engine.SetType(sm.ARN, sfn.TypeExpress); err != nil {
				return err
			}
		}
		r.Machine[name] = sm
	}
	// Outbox events go onto the bus in the transaction that writes them; the relay is left with
	// what the bus refuses and with events written before this point.
	r.Store.SetPublisher(outboxPublisher{r.Bus})
	slots, err := schedule.NewSQLStore(ctx, db)
	if err != nil {
		return err
	}
	// The org file's digests are schedules too (shared/digest.Schedules; the CDK stack builds the same).
	digestJobs, dp := schedule.NewJobs(render.Schedules(r.Org))
	if len(dp) > 0 {
		return fmt.Errorf("digest schedules: %w", dp)
	}
	r.Sched = schedule.NewRunner(append(append([]schedule.Job(nil), proj.Schedules...), digestJobs...), slots, cfg.Clock, r.fireSchedule, cfg.Log)
	return nil
}

func secrets(env func(string) string, names ...string) []string {
	var out []string
	for _, n := range names {
		if n == "" {
			continue
		}
		if v := env(n); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func hubspotVersions(vs []string) []webhook.HubSpotVersion {
	var out []webhook.HubSpotVersion
	for _, v := range vs {
		out = append(out, webhook.HubSpotVersion(strings.ToLower(v)))
	}
	return out
}

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Publisher is the bus as an events.Publisher (for the outbox relay and putEvents tasks).
func (r *Runtime) Publisher() events.Publisher { return busPublisher{r} }

type busPublisher struct{ r *Runtime }

func (p busPublisher) Publish(ctx context.Context, entries []events.Entry) ([]string, error) {
	res, err := p.r.Bus.PutEvents(ctx, entries)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Entries))
	for i, e := range res.Entries {
		if e.ErrorCode != "" {
			return nil, fmt.Errorf("put events: entry %d: %s: %s", i, e.ErrorCode, e.ErrorMessage)
		}
		ids[i] = e.EventID
	}
	return ids, nil
}

// invokeTarget delivers a bus event to a rule target. A state machine execution is named from a
// hash of rule, target and input, so a redelivered event finds the execution it already started
// (StartExecution with the same name and input is idempotent).
func (r *Runtime) invokeTarget(ctx context.Context, rule string, t events.Target, input []byte) error {
	if t.StateMachine != "" {
		return r.startExecution(ctx, t.StateMachine, executionName(ctx, rule, t, input), string(input))
	}
	return r.invokeFunction(ctx, t.Function, input)
}

// executionName names the execution a rule target starts for an event: the event's id and a
// hash of rule and target, so a redelivered or replayed event finds the execution it started
// (StartExecution with the same name and input is idempotent). Event ids are time-ordered
// (UUIDv7), so new executions' keys land at the end of the executions table's index. Without an
// event id (never from the bus) the name hashes the input too.
func executionName(ctx context.Context, rule string, t events.Target, input []byte) string {
	if id := eventbus.EventID(ctx); id != "" {
		h := sha256.Sum256([]byte(rule + "\x00" + t.ID))
		return id + "-" + hex.EncodeToString(h[:4]) // 36 + 9 characters, within the 80 AWS allows
	}
	h := sha256.Sum256([]byte(rule + "\x00" + t.ID + "\x00" + string(input)))
	return hex.EncodeToString(h[:16])
}

// outboxPublisher puts the store's outbox events on the bus inside the store's transactions
// (sqlite.OutboxPublisher), in PutEvents calls of at most 10 entries.
type outboxPublisher struct{ bus *eventbus.Bus }

func (p outboxPublisher) PrepareOutbox(entries []events.Entry) (sqlite.OutboxBatch, error) {
	var b outboxBatch
	for i := 0; i < len(entries); i += eventbus.MaxEntriesPerCall {
		pr, err := p.bus.Prepare(entries[i:min(i+eventbus.MaxEntriesPerCall, len(entries))])
		if err != nil {
			return nil, err
		}
		b = append(b, pr)
	}
	return b, nil
}

type outboxBatch []*eventbus.Prepared

func (b outboxBatch) Accepted(i int) bool {
	res := b[i/eventbus.MaxEntriesPerCall].Result()
	return res.Entries[i%eventbus.MaxEntriesPerCall].ErrorCode == ""
}

func (b outboxBatch) Write(ctx context.Context, tx *sql.Tx) (func(), error) {
	afters := make([]func(), 0, len(b))
	for _, p := range b {
		after, err := p.Write(ctx, tx)
		if err != nil {
			return nil, err
		}
		afters = append(afters, after)
	}
	return func() {
		for _, f := range afters {
			f()
		}
	}, nil
}

// busInvoker delivers bus events to rule targets. State-machine targets start inside the
// PutEvents transaction (eventbus.TxInvoker); functions, and anything that cannot start there,
// go through the bus's delivery queue.
type busInvoker struct{ r *Runtime }

func (b busInvoker) Invoke(ctx context.Context, rule string, t events.Target, input []byte) error {
	return b.r.observedInvoke(ctx, rule, t, input)
}

func (b busInvoker) InvokeTx(ctx context.Context, tx *sql.Tx, rule string, t events.Target, input []byte) (func(), bool, error) {
	sm, ok := b.r.Machine[t.StateMachine]
	if t.StateMachine == "" || !ok {
		return nil, false, nil
	}
	start := time.Now()
	run, err := b.r.Engine.StartExecutionTx(ctx, tx, sfn.StartExecutionInput{StateMachineArn: sm.ARN, Name: executionName(ctx, rule, t, input), Input: string(input)})
	if err != nil {
		return nil, false, err
	}
	return func() {
		b.r.metrics.observeDelivery(rule, nil, time.Since(start))
		if run != nil {
			run()
		}
	}, true, nil
}

func (r *Runtime) startExecution(ctx context.Context, machine, name, input string) error {
	sm, ok := r.Machine[machine]
	if !ok {
		return fmt.Errorf("state machine %q is not loaded", machine)
	}
	_, err := r.Engine.StartExecution(ctx, sfn.StartExecutionInput{StateMachineArn: sm.ARN, Name: name, Input: input})
	if errors.Is(err, sfn.ErrExecutionAlreadyExists) {
		return nil // same name, different input: a different event; never expected with hashed names
	}
	return err
}

func (r *Runtime) invokeFunction(ctx context.Context, name string, input []byte) error {
	h, ok := r.funcs[name]
	if !ok {
		return fmt.Errorf("function %q is not registered", name)
	}
	_, err := h.Invoke(ctx, input)
	return err
}

func (r *Runtime) fireSchedule(ctx context.Context, inv schedule.Invocation) error {
	t := inv.Job.Def.Target
	input := []byte(inv.Input)
	if len(input) == 0 {
		input = []byte("{}")
	}
	if t.StateMachine != "" {
		// One execution per schedule slot, whatever the retries.
		name := fmt.Sprintf("%s-%d", inv.Job.Name(), inv.Slot.Unix())
		return r.startExecution(ctx, t.StateMachine, name, string(input))
	}
	return r.invokeFunction(ctx, t.Function, input)
}

// Start runs the background loops (event delivery, outbox relay, schedules) and resumes the
// executions that were running when the process last stopped.
func (r *Runtime) Start(ctx context.Context) error {
	if _, err := r.Engine.Recover(ctx); err != nil {
		return fmt.Errorf("resume executions: %w", err)
	}
	r.wg.Add(3)
	if r.SMTP != nil {
		r.wg.Add(1)
		go func() { defer r.wg.Done(); r.SMTP.Run(ctx) }()
	}
	go func() { defer r.wg.Done(); _ = r.Bus.Run(ctx) }()
	go func() { defer r.wg.Done(); r.relayLoop(ctx) }()
	go func() { defer r.wg.Done(); _ = r.Sched.Run(ctx) }()
	return nil
}

func (r *Runtime) kickRelay() {
	select {
	case r.relayWake <- struct{}{}:
	default:
	}
}

func (r *Runtime) relayLoop(ctx context.Context) {
	for {
		n, err := r.Caps.Outbox.RelayOutbox(ctx, r.Publisher(), 100)
		if err != nil && ctx.Err() == nil {
			r.cfg.Log.Error("outbox relay failed", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		tm := r.cfg.Clock.NewTimer(500 * time.Millisecond)
		select {
		case <-ctx.Done():
			tm.Stop()
			return
		case <-r.relayWake:
			tm.Stop()
		case <-tm.C():
		}
	}
}

// Handler is the HTTP API: the shared route table plus health checks.
func (r *Runtime) Handler() http.Handler {
	mux := r.Caps.Handler()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, req *http.Request) {
		// Ready means able to accept writes: a read-only or full disk must show here, since
		// intake answers 503 rather than accept what it cannot store.
		if err := writable(req.Context(), r.Store.DB()); err != nil {
			r.cfg.Log.Warn("not ready", "error", err.Error())
			httpapi.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store not writable"})
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	r.mountOperations(mux) // openapi.go, metrics.go, console.go
	return identity.AllowHosts(r.Org.Settings.PublicURL, withRequestLog(r.cfg.Log, r.metrics.wrap(mux)))
}

// Close waits for the background loops (cancel their context first) and closes the store.
func (r *Runtime) Close() error {
	r.wg.Wait()
	r.Engine.Close()
	err := r.Store.Close()
	r.unlock()
	return err
}
