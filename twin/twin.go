package twin

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dynserver "github.com/truora/minidyn/server"
	_ "modernc.org/sqlite"

	"github.com/dealflow/dealflow/local/eventbus"
	"github.com/dealflow/dealflow/local/eventbus/pattern"
	"github.com/dealflow/dealflow/local/schedule"
	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/events"
)

// Latency is injected per call of a service, to see the AWS design under realistic round trips.
type Latency struct {
	DynamoDB, Lambda, EventBridge, StepFunctions, SES time.Duration
}

// Options configure a twin.
type Options struct {
	CDKOut       string            // the cloud assembly (infra/cdk.out)
	BootstrapDir string            // linux/amd64 bootstraps, <dir>/<function>/bootstrap
	Secrets      map[string]string // secret value by the secret's Name in the template
	Latency      Latency
	// Concurrency caps the execution environments per function (Lambda scales per function up
	// to the account's concurrency); default 4.
	Concurrency int
	// PolicyEdit, when set, may change each role's statements before the twin runs (tests remove
	// a Statement to prove the IAM check is real).
	PolicyEdit func(role string, stmts []Statement) []Statement
	Log        *slog.Logger
}

// Twin is the running stack.
type Twin struct {
	opts      Options
	tmpl      *Template
	tmp       string
	closing   atomic.Bool
	Functions map[string]*Function // by FunctionName
	byKey     map[string]*Function // by access key id
	roles     map[string][]Statement
	Engine    *sfn.Engine
	Machines  map[string]string // state machine ARN by StateMachineName
	machines  []string
	bus       *eventbus.Bus
	busARN    string
	db        *sql.DB
	sched     *schedule.Runner
	jobs      map[string]*schedule.Job
	dyn       http.Handler
	dynMu     sync.RWMutex
	tables    map[string]*keySchema
	proxy     *mitm
	api       *httpAPI
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	callsMu   sync.Mutex
	calls     []Call
	countMu   sync.Mutex
	counts    map[string]int64
	outboxMu  sync.Mutex
	outbox    []Email
	secretIDs map[string]string // secret ARN -> name
	writes    keyCounter
	reads     keyCounter
	published atomic.Int64
	delivered atomic.Int64
	// Lead Received → routed: when each lead's Lead Received reached the bus, and how long after
	// it route-lead answered for the lead (the load report's latency).
	received  sync.Map // leadId -> time.Time
	latencyMu sync.Mutex
	latencies []time.Duration
}

// leadReceived notes when a lead's Lead Received event was put on the bus (the first time).
func (tw *Twin) leadReceived(detail string) {
	var d struct {
		LeadID string `json:"leadId"`
	}
	if json.Unmarshal([]byte(detail), &d) == nil && d.LeadID != "" {
		tw.received.LoadOrStore(d.LeadID, time.Now())
	}
}

// leadRouted records the time from Lead Received to route-lead's answer for the payload's lead.
func (tw *Twin) leadRouted(payload []byte) {
	var in struct {
		LeadID string `json:"leadId"`
	}
	if json.Unmarshal(payload, &in) != nil || in.LeadID == "" {
		return
	}
	if t, ok := tw.received.LoadAndDelete(in.LeadID); ok {
		tw.latencyMu.Lock()
		tw.latencies = append(tw.latencies, time.Since(t.(time.Time)))
		tw.latencyMu.Unlock()
	}
}

type keySchema struct {
	pk    string
	gsiPK map[string]string
}

// Start loads the template and runs the stack.
func Start(ctx context.Context, opts Options) (*Twin, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	// Environments run in a folder of their own, so every path the twin hands them is absolute.
	var err error
	if opts.CDKOut, err = filepath.Abs(opts.CDKOut); err != nil {
		return nil, err
	}
	if opts.BootstrapDir, err = filepath.Abs(opts.BootstrapDir); err != nil {
		return nil, err
	}
	tmpl, err := LoadTemplate(opts.CDKOut)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "dealflow-twin-")
	if err != nil {
		return nil, err
	}
	tw := &Twin{opts: opts, tmpl: tmpl, tmp: tmp, Functions: map[string]*Function{}, byKey: map[string]*Function{},
		Machines: map[string]string{}, jobs: map[string]*schedule.Job{}, tables: map[string]*keySchema{},
		counts: map[string]int64{}, secretIDs: map[string]string{},
		writes: keyCounter{m: map[string]int64{}}, reads: keyCounter{m: map[string]int64{}}}
	ok := false
	defer func() {
		if !ok {
			tw.Close()
		}
	}()
	if tw.roles, err = tmpl.policies(); err != nil {
		return nil, err
	}
	if opts.PolicyEdit != nil {
		for r, s := range tw.roles {
			tw.roles[r] = opts.PolicyEdit(r, s)
		}
	}
	for _, id := range tmpl.Of("AWS::SecretsManager::Secret") {
		tw.secretIDs[tmpl.attArn(id)] = tmpl.Name(id)
	}
	if err := tw.startDynamo(); err != nil {
		return nil, err
	}
	if tw.proxy, err = newMITM(tmp, tw); err != nil {
		return nil, err
	}
	if err := tw.loadFunctions(); err != nil {
		return nil, err
	}
	reg := sfn.NewRegistry()
	for name, fn := range tw.Functions {
		reg.Register(name, sfn.RawHandler(func(ctx context.Context, payload []byte) ([]byte, error) {
			out, err := fn.Invoke(ctx, payload)
			var ie *InvokeError
			if errors.As(err, &ie) {
				return nil, &sfn.FunctionError{Type: ie.Type, Document: ie.Document}
			}
			return out, err
		}))
	}
	if tw.db, err = sql.Open("sqlite", filepath.Join(tmp, "bus.db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(OFF)"); err != nil {
		return nil, err
	}
	for _, id := range tmpl.Of("AWS::Events::EventBus") {
		tw.busARN = tmpl.attArn(id)
	}
	rules, err := tw.rules()
	if err != nil {
		return nil, err
	}
	compile := func(p []byte) (eventbus.Matcher, error) { return pattern.Compile(p) }
	if tw.bus, err = eventbus.New(tw.db, rules, compile, eventbus.InvokerFunc(tw.deliver), eventbus.WithAccount(Account, Region),
		eventbus.WithLogger(opts.Log), eventbus.WithWorkers(16), eventbus.WithBackoff(func(int) time.Duration { return 500 * time.Millisecond })); err != nil {
		return nil, err
	}
	if tw.Engine, err = sfn.New(sfn.WithFunctions(reg), sfn.WithPublisher(busPublisher{tw}), sfn.WithAccount(Region, Account)); err != nil {
		return nil, err
	}
	if err := tw.loadMachines(ctx); err != nil {
		return nil, err
	}
	jobs, err := tw.schedules()
	if err != nil {
		return nil, err
	}
	if tw.api, err = newHTTPAPI(tw); err != nil {
		return nil, err
	}
	tw.sched = schedule.NewRunner(jobs, schedule.NewMemoryStore(), clock.Real{}, tw.fire, opts.Log)
	runCtx, cancel := context.WithCancel(context.Background())
	tw.cancel = cancel
	tw.wg.Add(1)
	go func() { defer tw.wg.Done(); _ = tw.bus.Run(runCtx) }()
	ok = true
	return tw, nil
}

// RunSchedules starts firing schedules on the wall clock (stories fire them by hand instead).
func (tw *Twin) RunSchedules(ctx context.Context) {
	tw.wg.Add(1)
	go func() { defer tw.wg.Done(); _ = tw.sched.Run(ctx) }()
}

// Close stops every environment and server.
func (tw *Twin) Close() {
	tw.closing.Store(true)
	if tw.cancel != nil {
		tw.cancel()
	}
	if tw.api != nil {
		tw.api.close()
	}
	for _, f := range tw.Functions {
		f.stop()
	}
	if tw.Engine != nil {
		tw.Engine.Close()
	}
	tw.wg.Wait()
	if tw.proxy != nil {
		tw.proxy.close()
	}
	if tw.db != nil {
		tw.db.Close()
	}
	os.RemoveAll(tw.tmp)
}

func (tw *Twin) sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// startDynamo creates the template's tables and GSIs in minidyn.
func (tw *Twin) startDynamo() error {
	tw.dyn = dynserver.NewServer()
	for _, id := range append(tw.tmpl.Of("AWS::DynamoDB::Table"), tw.tmpl.Of("AWS::DynamoDB::GlobalTable")...) {
		name := tw.tmpl.Name(id)
		in := map[string]any{"TableName": name, "BillingMode": "PAY_PER_REQUEST"}
		ks := &keySchema{gsiPK: map[string]string{}}
		for _, p := range []string{"KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes"} {
			v, err := tw.tmpl.Prop(id, p)
			if err != nil {
				return err
			}
			if v != nil {
				in[p] = v
			}
		}
		for _, k := range asList(in["KeySchema"]) {
			if m, _ := k.(map[string]any); m["KeyType"] == "HASH" {
				ks.pk, _ = m["AttributeName"].(string)
			}
		}
		var gsis []any
		for _, g := range asList(in["GlobalSecondaryIndexes"]) {
			gm, _ := g.(map[string]any)
			idx, _ := gm["IndexName"].(string)
			for _, k := range asList(gm["KeySchema"]) {
				if m, _ := k.(map[string]any); m["KeyType"] == "HASH" {
					ks.gsiPK[idx], _ = m["AttributeName"].(string)
				}
			}
			delete(gm, "ContributorInsightsSpecification")
			gsis = append(gsis, gm)
		}
		if gsis != nil {
			in["GlobalSecondaryIndexes"] = gsis
		}
		tw.tables[name] = ks
		body, _ := json.Marshal(in)
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body)))
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.CreateTable")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		rec := httptest.NewRecorder()
		tw.dyn.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("twin: create table %s in minidyn: %s", name, rec.Body.String())
		}
	}
	return nil
}

// loadFunctions prepares every AWS::Lambda::Function with its environment.
func (tw *Twin) loadFunctions() error {
	dirs, err := os.ReadDir(tw.opts.BootstrapDir)
	if err != nil {
		return fmt.Errorf("twin: bootstraps: %w (run make build-lambdas-amd64)", err)
	}
	for i, id := range tw.tmpl.Of("AWS::Lambda::Function") {
		name := tw.tmpl.Name(id)
		// The source folder of the function: the longest functions/<dir> the FunctionName ends with.
		src := ""
		for _, d := range dirs {
			if strings.HasSuffix(name, "-"+d.Name()) && len(d.Name()) > len(src) {
				src = d.Name()
			}
		}
		if src == "" {
			return fmt.Errorf("twin: no bootstrap in %s for function %s", tw.opts.BootstrapDir, name)
		}
		vars, err := tw.tmpl.Prop(id, "Environment")
		if err != nil {
			return fmt.Errorf("twin: %s environment: %w", name, err)
		}
		env := map[string]string{}
		if m, ok := vars.(map[string]any); ok {
			if vs, ok := m["Variables"].(map[string]any); ok {
				for k, v := range vs {
					env[k] = fmt.Sprint(v)
				}
			}
		}
		layers, err := tw.layerDirs(id)
		if err != nil {
			return err
		}
		// Lambda extracts layers into /opt; the twin reads the same files from the layer assets.
		for k, v := range env {
			if strings.HasPrefix(v, "/opt/") {
				for _, l := range layers {
					p := filepath.Join(l, strings.TrimPrefix(v, "/opt/"))
					if _, err := os.Stat(p); err == nil {
						env[k] = p
					}
				}
			}
		}
		timeout := 3 * time.Second
		if v, _ := tw.tmpl.Prop(id, "Timeout"); v != nil {
			if n, ok := v.(float64); ok {
				timeout = time.Duration(n) * time.Second
			}
		}
		memory := "128"
		if v, _ := tw.tmpl.Prop(id, "MemorySize"); v != nil {
			memory = fmt.Sprint(v)
		}
		key := fmt.Sprintf("AKIATWIN%012d", i)
		// The variables Lambda itself sets.
		// https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
		for k, v := range map[string]string{
			"AWS_REGION": Region, "AWS_DEFAULT_REGION": Region, "AWS_LAMBDA_FUNCTION_NAME": name,
			"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": memory, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
			"AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/" + name, "AWS_LAMBDA_LOG_STREAM_NAME": "twin",
			"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": "twin-secret", "AWS_SESSION_TOKEN": "twin-session",
			"_HANDLER": "bootstrap", "LAMBDA_TASK_ROOT": filepath.Join(tw.opts.BootstrapDir, src), "TZ": ":UTC",
			// The twin's own: the loopback AWS endpoints (proxy.go).
			"HTTPS_PROXY": tw.proxy.URL(), "AWS_CA_BUNDLE": tw.proxy.caFile, "NO_PROXY": "127.0.0.1,localhost",
		} {
			env[k] = v
		}
		f := &Function{Name: name, LogicalID: id, ARN: tw.tmpl.attArn(id), Role: LogicalIDOf(tw.tmpl.RawProp(id, "Role")),
			Bootstrap: filepath.Join(tw.opts.BootstrapDir, src, "bootstrap"), Env: env, Timeout: timeout, twin: tw, max: tw.opts.Concurrency}
		if err := f.start(); err != nil {
			return err
		}
		tw.Functions[name] = f
		tw.byKey[key] = f
	}
	return nil
}

// layerDirs returns the asset folders of a function's layers.
func (tw *Twin) layerDirs(fnID string) ([]string, error) {
	var out []string
	for _, l := range asList(tw.tmpl.RawProp(fnID, "Layers")) {
		id := LogicalIDOf(l)
		r := tw.tmpl.Resources[id]
		if r == nil {
			continue
		}
		// The asset's S3 key is <hash>.zip; cdk.out keeps it unzipped as asset.<hash>.
		c, _ := tw.tmpl.Prop(id, "Content")
		cm, _ := c.(map[string]any)
		key, _ := cm["S3Key"].(string)
		dir := filepath.Join(tw.tmpl.Dir, "asset."+strings.TrimSuffix(key, ".zip"))
		if _, err := os.Stat(dir); key == "" || err != nil {
			return nil, fmt.Errorf("twin: layer %s: no asset folder %s in the cloud assembly", id, dir)
		}
		out = append(out, dir)
	}
	return out, nil
}

// loadMachines registers each state machine's DefinitionString with its substitutions.
func (tw *Twin) loadMachines(ctx context.Context) error {
	for _, id := range tw.tmpl.Of("AWS::StepFunctions::StateMachine") {
		def, err := tw.tmpl.PropString(id, "DefinitionString")
		if err != nil {
			return fmt.Errorf("twin: %s definition: %w", id, err)
		}
		if def == "" {
			v, err := tw.tmpl.Prop(id, "Definition")
			if err != nil {
				return err
			}
			b, _ := json.Marshal(v)
			def = string(b)
		}
		subs, err := tw.tmpl.Prop(id, "DefinitionSubstitutions")
		if err != nil {
			return err
		}
		text := []byte(def)
		if m, ok := subs.(map[string]any); ok && len(m) > 0 {
			s := map[string]string{}
			for k, v := range m {
				s[k] = fmt.Sprint(v)
			}
			if text, err = sfn.Substitute(text, id, s); err != nil {
				return err
			}
		}
		name := tw.tmpl.Name(id)
		sm, err := tw.Engine.CreateStateMachine(ctx, name, text, id)
		if err != nil {
			return fmt.Errorf("twin: state machine %s: %w", name, err)
		}
		typ, _ := tw.tmpl.PropString(id, "StateMachineType")
		if typ == "" {
			typ = sfn.TypeStandard
		}
		if err := tw.Engine.SetType(sm.ARN, typ); err != nil {
			return err
		}
		if sm.ARN != tw.tmpl.attArn(id) {
			return fmt.Errorf("twin: state machine ARN %s differs from the template's %s", sm.ARN, tw.tmpl.attArn(id))
		}
		tw.Machines[name] = sm.ARN
		tw.machines = append(tw.machines, sm.ARN)
	}
	return nil
}

// rules converts the AWS::Events::Rule resources on the stack's bus to local/eventbus rules whose
// targets name function names or state machine ARNs.
func (tw *Twin) rules() ([]events.Rule, error) {
	var out []events.Rule
	for _, id := range tw.tmpl.Of("AWS::Events::Rule") {
		p, err := tw.tmpl.Resolve(tw.tmpl.props[id])
		if err != nil {
			return nil, fmt.Errorf("twin: rule %s: %w", id, err)
		}
		m := p.(map[string]any)
		if m["EventPattern"] == nil {
			continue // a scheduled rule; none expected
		}
		pat, _ := json.Marshal(m["EventPattern"])
		if s, ok := m["EventPattern"].(string); ok {
			pat = []byte(s)
		}
		r := events.Rule{File: id, Name: tw.tmpl.Name(id), EventPattern: pat}
		if s, _ := m["State"].(string); s != "" {
			r.State = s
		}
		for _, t := range asList(m["Targets"]) {
			tm, _ := t.(map[string]any)
			a, _ := tm["Arn"].(string)
			et := events.Target{}
			et.ID, _ = tm["Id"].(string)
			switch {
			case strings.Contains(a, ":function:"):
				et.Function = a[strings.LastIndex(a, ":")+1:]
			case strings.Contains(a, ":stateMachine:"):
				et.StateMachine = a
			default:
				continue
			}
			if in, ok := tm["Input"].(string); ok {
				et.Input = json.RawMessage(in)
			}
			if ip, ok := tm["InputPath"].(string); ok {
				et.InputPath = ip
			}
			if it, ok := tm["InputTransformer"].(map[string]any); ok {
				b, _ := json.Marshal(it)
				et.InputTransformer = &events.InputTransformer{}
				_ = json.Unmarshal(b, et.InputTransformer)
			}
			r.Targets = append(r.Targets, et)
		}
		out = append(out, r)
	}
	return out, nil
}

// deliver invokes one rule target: a Lambda function asynchronously (EventBridge's invocation
// type), a state machine by StartExecution with a fresh name.
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html
func (tw *Twin) deliver(ctx context.Context, rule string, t events.Target, input []byte) error {
	tw.delivered.Add(1)
	if t.StateMachine != "" {
		tw.sleep(ctx, tw.opts.Latency.StepFunctions)
		_, err := tw.Engine.StartExecution(ctx, sfn.StartExecutionInput{StateMachineArn: t.StateMachine, Input: string(input)})
		return err
	}
	f := tw.Functions[t.Function]
	if f == nil {
		return fmt.Errorf("twin: rule %s targets unknown function %s", rule, t.Function)
	}
	_, err := f.Invoke(ctx, input)
	return err
}

// busPublisher is the events:putEvents task integration of the state machines.
type busPublisher struct{ tw *Twin }

func (p busPublisher) Publish(ctx context.Context, entries []events.Entry) ([]string, error) {
	p.tw.sleep(ctx, p.tw.opts.Latency.EventBridge)
	res, err := p.tw.bus.PutEvents(ctx, entries)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(res.Entries))
	for i, e := range res.Entries {
		ids[i] = e.EventID
	}
	p.tw.published.Add(int64(len(entries)))
	return ids, nil
}

// schedules converts AWS::Scheduler::Schedule resources to local/schedule jobs.
func (tw *Twin) schedules() ([]schedule.Job, error) {
	var jobs []schedule.Job
	for _, id := range tw.tmpl.Of("AWS::Scheduler::Schedule") {
		p, err := tw.tmpl.Resolve(tw.tmpl.props[id])
		if err != nil {
			return nil, fmt.Errorf("twin: schedule %s: %w", id, err)
		}
		b, _ := json.Marshal(p)
		var s struct {
			Name, ScheduleExpression, ScheduleExpressionTimezone, State string
			FlexibleTimeWindow                                          events.FlexibleTimeWindow
			Target                                                      struct{ Arn, Input string }
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, err
		}
		def := events.Schedule{File: id, Name: s.Name, ScheduleExpression: s.ScheduleExpression, ScheduleExpressionTimezone: s.ScheduleExpressionTimezone,
			FlexibleTimeWindow: s.FlexibleTimeWindow, State: s.State}
		if def.Name == "" {
			def.Name = tw.tmpl.Name(id)
		}
		switch {
		case strings.Contains(s.Target.Arn, ":stateMachine:"):
			def.Target.StateMachine = s.Target.Arn
		case strings.Contains(s.Target.Arn, ":function:"):
			def.Target.Function = s.Target.Arn[strings.LastIndex(s.Target.Arn, ":")+1:]
		default:
			return nil, fmt.Errorf("twin: schedule %s targets %s, which the twin does not model", id, s.Target.Arn)
		}
		if s.Target.Input != "" {
			def.Target.Input = json.RawMessage(s.Target.Input)
		}
		j, probs := schedule.NewJob(def)
		if len(probs) > 0 {
			return nil, probs
		}
		tw.jobs[def.Name] = &j
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// Schedules lists the schedule names.
func (tw *Twin) Schedules() []string {
	var out []string
	for n := range tw.jobs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (tw *Twin) fire(ctx context.Context, inv schedule.Invocation) error {
	t := inv.Job.Def.Target
	input := string(inv.Input)
	if input == "" {
		input = "{}"
	}
	if t.StateMachine != "" {
		_, err := tw.Engine.StartExecution(ctx, sfn.StartExecutionInput{StateMachineArn: t.StateMachine, Input: input})
		return err
	}
	f := tw.Functions[t.Function]
	if f == nil {
		return fmt.Errorf("twin: schedule targets unknown function %s", t.Function)
	}
	go func() { _, _ = f.Invoke(context.Background(), []byte(input)) }()
	return nil
}

// FireSchedule fires one schedule now, as EventBridge Scheduler would at a slot, and returns the
// execution ARN when it targets a state machine.
func (tw *Twin) FireSchedule(ctx context.Context, name string) (string, error) {
	j := tw.jobs[name]
	if j == nil {
		return "", fmt.Errorf("twin: no schedule %q (have %v)", name, tw.Schedules())
	}
	input := string(j.Def.Target.Input)
	if input == "" {
		input = "{}"
	}
	if j.Def.Target.StateMachine != "" {
		o, err := tw.Engine.StartExecution(ctx, sfn.StartExecutionInput{StateMachineArn: j.Def.Target.StateMachine, Input: input})
		if err != nil {
			return "", err
		}
		return o.ExecutionArn, nil
	}
	_, err := tw.Functions[j.Def.Target.Function].Invoke(ctx, []byte(input))
	return "", err
}
