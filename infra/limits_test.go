package main

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// expressLimit is the longest an Express execution may run; past it the execution is stopped
// with no Catch able to see it.
// https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html
const expressLimit = 5 * 60

// attemptOverhead is added to every attempt for the invoke round trip and the state transition,
// so the bound stays an over-estimate.
const attemptOverhead = 1.0

type aslRetrier struct {
	ErrorEquals     []string
	IntervalSeconds *float64
	MaxAttempts     *int
	BackoffRate     *float64
	MaxDelaySeconds *float64
}

type aslState struct {
	Type           string
	Resource       string
	Parameters     map[string]any
	TimeoutSeconds *float64
	Seconds        *float64
	Next           string
	Default        string
	End            bool
	Choices        []struct{ Next string }
	Retry          []aslRetrier
	Catch          []struct{ Next string }
}

type aslDef struct {
	StartAt string
	States  map[string]aslState
}

// Field defaults of a retrier (Amazon States Language spec, "Retrying after an error").
// https://states-language.net/spec.html#retrying-after-error
func (r aslRetrier) attempts() int {
	if r.MaxAttempts == nil {
		return 3
	}
	return *r.MaxAttempts
}

func (r aslRetrier) delay(k int) float64 { // before retry k (1-based); FULL jitter only shortens it
	iv, rate := 1.0, 2.0
	if r.IntervalSeconds != nil {
		iv = *r.IntervalSeconds
	}
	if r.BackoffRate != nil {
		rate = *r.BackoffRate
	}
	d := iv * math.Pow(rate, float64(k-1))
	if r.MaxDelaySeconds != nil && d > *r.MaxDelaySeconds {
		d = *r.MaxDelaySeconds
	}
	return d
}

var fnPlaceholderRE = regexp.MustCompile(`^\$\{([A-Za-z0-9]+)FunctionArn\}$`)

// taskFunction is the function a Task invokes ("" when it is not a Lambda task).
func taskFunction(s aslState) string {
	ref := s.Resource
	if strings.HasPrefix(s.Resource, "arn:aws:states:::lambda:invoke") {
		ref, _ = s.Parameters["FunctionName"].(string)
	}
	if m := fnPlaceholderRE.FindStringSubmatch(ref); m != nil {
		return kebab(m[1])
	}
	return ""
}

// taskWorstCase is the longest one Task state can take: every attempt its retriers allow (each
// retrier counts separately, so errors that alternate between them exhaust all), each running to
// its timeout, plus every backoff at its longest.
func taskWorstCase(name string, s aslState, limits func(string) Limits) (float64, error) {
	per := math.Inf(1)
	if fn := taskFunction(s); fn != "" {
		per = float64(limits(fn).TimeoutSeconds)
	}
	if s.TimeoutSeconds != nil && *s.TimeoutSeconds < per {
		per = *s.TimeoutSeconds
	}
	if math.IsInf(per, 1) {
		return 0, fmt.Errorf("state %s (%s): no bound on one attempt: give it TimeoutSeconds", name, s.Resource)
	}
	per += attemptOverhead
	total := per
	for _, r := range s.Retry {
		for k := 1; k <= r.attempts(); k++ {
			total += r.delay(k) + per
		}
	}
	return total, nil
}

// worstCaseSeconds is the longest path through a definition, every Task at its worst case and
// every Catch followed. A loop cannot be bounded by construction and is an error.
func worstCaseSeconds(definition string, limits func(string) Limits) (float64, []string, error) {
	var def aslDef
	if err := json.Unmarshal([]byte(definition), &def); err != nil {
		return 0, nil, err
	}
	type res struct {
		secs float64
		path []string
	}
	memo := map[string]res{}
	onPath := map[string]bool{}
	var walk func(string) (res, error)
	walk = func(name string) (res, error) {
		if r, ok := memo[name]; ok {
			return r, nil
		}
		if onPath[name] {
			return res{}, fmt.Errorf("state %s is part of a loop: the worst case cannot be bounded", name)
		}
		s, ok := def.States[name]
		if !ok {
			return res{}, fmt.Errorf("state %s does not exist", name)
		}
		onPath[name] = true
		defer delete(onPath, name)
		var own float64
		switch s.Type {
		case "Task":
			w, err := taskWorstCase(name, s, limits)
			if err != nil {
				return res{}, err
			}
			own = w
		case "Wait":
			if s.Seconds == nil {
				return res{}, fmt.Errorf("state %s: only a literal Seconds Wait can be bounded", name)
			}
			own = *s.Seconds
		case "Choice", "Pass", "Succeed", "Fail":
		default:
			return res{}, fmt.Errorf("state %s: %s states are not bounded by this check yet", name, s.Type)
		}
		next := []string{}
		if s.Next != "" {
			next = append(next, s.Next)
		}
		if s.Default != "" {
			next = append(next, s.Default)
		}
		for _, c := range s.Choices {
			next = append(next, c.Next)
		}
		for _, c := range s.Catch {
			next = append(next, c.Next)
		}
		best := res{}
		for _, n := range next {
			r, err := walk(n)
			if err != nil {
				return res{}, err
			}
			if r.secs > best.secs || best.path == nil {
				best = r
			}
		}
		out := res{secs: own + best.secs, path: append([]string{fmt.Sprintf("%s %.0fs", name, own)}, best.path...)}
		memo[name] = out
		return out, nil
	}
	r, err := walk(def.StartAt)
	return r.secs, r.path, err
}

// TestExpressWorstCaseFitsFiveMinutes: every Express workflow, with its retries and the function
// timeouts of functionLimits, ends before Express's 5-minute limit whatever fails.
func TestExpressWorstCaseFitsFiveMinutes(t *testing.T) {
	proj, err := LoadProject("..", routeTable())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sm := range proj.StateMachines {
		if !workflowTypes[sm.Name].Express {
			continue
		}
		n++
		secs, path, err := worstCaseSeconds(sm.Definition, limitsFor)
		if err != nil {
			t.Errorf("%s: %v", sm.File, err)
			continue
		}
		t.Logf("%s worst case %.0f s: %s", sm.Name, secs, strings.Join(path, " → "))
		if secs > expressLimit {
			t.Errorf("%s: worst case %.0f s exceeds the %d s Express limit (%s): shorten retries or function timeouts",
				sm.File, secs, expressLimit, strings.Join(path, " → "))
		}
	}
	if n == 0 {
		t.Fatal("no Express workflow found: lead-qualification is expected to be Express")
	}
}

// TestWorstCaseCountsEveryRetry: the bound grows with each attempt, backoff and Catch path, so a
// definition that can outlive Express is caught.
func TestWorstCaseCountsEveryRetry(t *testing.T) {
	lim := func(fn string) Limits { return Limits{TimeoutSeconds: map[string]int{"slow": 29, "fast": 5}[fn]} }
	def := `{"StartAt":"A","States":{
	  "A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"${SlowFunctionArn}"},
	       "Retry":[{"ErrorEquals":["X"],"IntervalSeconds":2,"MaxAttempts":2,"BackoffRate":3},{"ErrorEquals":["States.ALL"]}],
	       "Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"Next":"B"},
	  "B":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","TimeoutSeconds":4,"End":true},
	  "F":{"Type":"Task","Resource":"${FastFunctionArn}","Retry":[{"ErrorEquals":["States.ALL"],"MaxAttempts":10,"IntervalSeconds":1,"MaxDelaySeconds":5}],"End":true}}}`
	secs, path, err := worstCaseSeconds(def, lim)
	if err != nil {
		t.Fatal(err)
	}
	// A: 1+2+3 attempts of 30 s, backoffs 2+6 and 1+2+4; F: 11 attempts of 6 s, backoffs 1+2+4+5×7.
	wantA := 6*30.0 + 8 + 7
	wantF := 11*6.0 + 1 + 2 + 4 + 5*7
	if want := wantA + wantF; secs != want || len(path) != 2 || !strings.HasPrefix(path[1], "F ") {
		t.Errorf("worst case %.0f s via %v, want %.0f s via A → F", secs, path, want)
	}
	if secs <= expressLimit {
		t.Errorf("%.0f s: this definition must exceed the Express limit", secs)
	}
	if _, _, err := worstCaseSeconds(`{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","End":true}}}`, lim); err == nil ||
		!strings.Contains(err.Error(), "TimeoutSeconds") {
		t.Errorf("a task with no timeout: err = %v, want it named unbounded", err)
	}
}

// lambdaTransient are the Lambda service errors a lambda:invoke task sees when Lambda, not the
// handler, failed; they say nothing about the lead and must be retried before any fallback.
// https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
var lambdaTransient = []string{"Lambda.AWSLambdaException", "Lambda.ServiceException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"}

func eachTask(t *testing.T, f func(file, name string, s aslState)) {
	t.Helper()
	proj, err := LoadProject("..", routeTable())
	if err != nil {
		t.Fatal(err)
	}
	for _, sm := range proj.StateMachines {
		var def aslDef
		if err := json.Unmarshal([]byte(sm.Definition), &def); err != nil {
			t.Fatalf("%s: %v", sm.File, err)
		}
		for name, s := range def.States {
			if s.Type == "Task" {
				f(sm.File, name, s)
			}
		}
	}
}

// matching is the retrier the interpreter picks for err: the first whose ErrorEquals names it.
func matching(rs []aslRetrier, err string) *aslRetrier {
	for i, r := range rs {
		for _, e := range r.ErrorEquals {
			if e == err || e == "States.ALL" || (e == "States.TaskFailed" && !strings.HasPrefix(err, "States.")) {
				return &rs[i]
			}
		}
	}
	return nil
}

func TestEveryPutEventsTaskRetries(t *testing.T) {
	eachTask(t, func(file, name string, s aslState) {
		if !strings.HasPrefix(s.Resource, "arn:aws:states:::events:putEvents") {
			return
		}
		if r := matching(s.Retry, "EventBridge.EventBridgeException"); r == nil || r.attempts() < 2 {
			t.Errorf("%s: %s: events:putEvents needs a Retry (EventBridge throttles and fails transiently)", file, name)
		}
	})
}

func TestTransientLambdaErrorsRetriedWithBackoff(t *testing.T) {
	eachTask(t, func(file, name string, s aslState) {
		if !strings.HasPrefix(s.Resource, "arn:aws:states:::lambda:invoke") {
			return
		}
		for _, e := range lambdaTransient {
			r := matching(s.Retry, e)
			if r == nil || r.attempts() < 2 || r.delay(1) < 1 || (r.BackoffRate != nil && *r.BackoffRate < 1.5) {
				t.Errorf("%s: %s: %s is not retried with backoff (at least 2 attempts, ≥ 1 s, growing by ≥ 1.5×)", file, name, e)
			}
		}
	})
}

// TestFunctionLimitsFitTheirCallers: a function behind a route answers before API Gateway gives
// up, a workflow step's function ends before the step's TimeoutSeconds, every function's limits
// were decided, and the reservations leave the 100 unreserved executions Lambda insists on out of
// the default 1,000.
func TestFunctionLimitsFitTheirCallers(t *testing.T) {
	proj, err := LoadProject("..", routeTable())
	if err != nil {
		t.Fatal(err)
	}
	reserved := 0
	for _, fn := range proj.Functions {
		l, ok := functionLimits[fn]
		if !ok {
			t.Errorf("function %s has no entry in infra/limits.go functionLimits", fn)
		}
		if l.MemoryMB < 128 || l.MemoryMB > 10240 {
			t.Errorf("function %s: memory %d MB outside Lambda's 128-10240", fn, l.MemoryMB)
		}
		reserved += l.Reserved
	}
	if reserved > 900 {
		t.Errorf("reserved concurrency %d leaves fewer than 100 of 1,000 unreserved", reserved)
	}
	for _, r := range proj.Routes {
		if got := limitsFor(r.Function).TimeoutSeconds; got > apiMaxTimeout {
			t.Errorf("route %s %s: function %s times out after %d s; API Gateway gives up after 30", r.Method, r.Path, r.Function, got)
		}
	}
	eachTask(t, func(file, name string, s aslState) {
		fn := taskFunction(s)
		if fn == "" || s.TimeoutSeconds == nil {
			return
		}
		if got := limitsFor(fn).TimeoutSeconds; float64(got) > *s.TimeoutSeconds {
			t.Errorf("%s: %s gives %s %.0f s but the function may run %d s", file, name, fn, *s.TimeoutSeconds, got)
		}
	})
}

func TestRouteThrottlesFromTheOrgFile(t *testing.T) {
	routes := []Route{
		{Method: "POST", Path: "/v1/leads", Function: "intake", Auth: "dealflow-signature"},
		{Method: "POST", Path: "/v1/webhooks/hubspot", Function: "intake", Auth: "hubspot-signature"},
		{Method: "POST", Path: "/v1/forms/{formId}", Function: "intake", Auth: "rate-limit"},
		{Method: "GET", Path: "/v1/deals/{id}", Function: "deals", Auth: "dealflow-signature"},
	}
	def, per, err := routeThrottles(routes, map[string]Throttle{"POST /v1/leads": {Rate: 3000, Burst: 5000}, "default": {Rate: 20, Burst: 40}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Throttle{"POST /v1/leads": {3000, 5000}, "POST /v1/webhooks/hubspot": intakeThrottle, "POST /v1/forms/{formId}": formThrottle}
	if def != (Throttle{20, 40}) || !reflect.DeepEqual(per, want) {
		t.Errorf("stage default %v, routes %v; want {20 40}, %v", def, per, want)
	}
	if _, _, err := routeThrottles(routes, map[string]Throttle{"POST /v1/lead": {Rate: 1, Burst: 1}}); err == nil || !strings.Contains(err.Error(), "api_throttling.POST /v1/lead: no such route") {
		t.Errorf("a key naming no route: err = %v", err)
	}
}

// TestLimitsAndThrottlingDeployed: the template carries functionLimits and the throttles of the
// sample org file, not one number for everything.
func TestLimitsAndThrottlingDeployed(t *testing.T) {
	s := synth(t, repoCase())
	n := 0
	for _, fn := range resources(s.tmpl, "AWS::Lambda::Function") {
		name := strings.TrimPrefix(str(fn["FunctionName"]), "dealflow-dev-")
		l, ok := functionLimits[name]
		if !ok {
			continue
		}
		n++
		var reserved any
		if l.Reserved > 0 {
			reserved = float64(l.Reserved)
		}
		if fn["Timeout"] != float64(l.TimeoutSeconds) || fn["MemorySize"] != float64(l.MemoryMB) || fn["ReservedConcurrentExecutions"] != reserved {
			t.Errorf("%s: timeout %v memory %v reserved %v, want %+v", name, fn["Timeout"], fn["MemorySize"], fn["ReservedConcurrentExecutions"], l)
		}
	}
	if n != len(functionLimits) {
		t.Errorf("%d functions with limits deployed, want %d", n, len(functionLimits))
	}
	stages := resources(s.tmpl, "AWS::ApiGatewayV2::Stage")
	if len(stages) != 1 {
		t.Fatalf("%d stages", len(stages))
	}
	var stage map[string]any
	for _, st := range stages {
		stage = st
	}
	rs, _ := stage["RouteSettings"].(map[string]any)
	leads, _ := rs["POST /v1/leads"].(map[string]any)
	hub, _ := rs["POST /v1/webhooks/hubspot"].(map[string]any)
	if leads["ThrottlingRateLimit"] != 1000.0 || leads["ThrottlingBurstLimit"] != 2000.0 || hub["ThrottlingRateLimit"] != 1000.0 {
		t.Errorf("route settings %v: want intake routes at 1000/s burst 2000", rs)
	}
	if d, _ := stage["DefaultRouteSettings"].(map[string]any); d["ThrottlingRateLimit"] != 100.0 {
		t.Errorf("stage default %v, want 100/s", d)
	}
}

// TestCustomDomainAndMailDomain: with a domain and a mail domain in context, the API answers at
// https://<domain> (links in emails point there), and SES gets a DKIM-signed domain identity
// whose records the operator can read from the outputs.
func TestCustomDomainAndMailDomain(t *testing.T) {
	c := fixtureCase("prod")
	c.name = "fixture-domain"
	c.settings = func(s *Settings) {
		s.Domain, s.MailDomain, s.SenderEmail = "api.northwind.example", "northwind.example", "dealflow@northwind.example"
	}
	s := synth(t, c)
	doms := resources(s.tmpl, "AWS::ApiGatewayV2::DomainName")
	if len(doms) != 1 || len(resources(s.tmpl, "AWS::ApiGatewayV2::ApiMapping")) != 1 || len(resources(s.tmpl, "AWS::CertificateManager::Certificate")) != 1 {
		t.Fatalf("domain %v: want one domain name, API mapping and certificate", doms)
	}
	for _, fn := range resources(s.tmpl, "AWS::Lambda::Function") {
		env, _ := fn["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		if vars["PUBLIC_URL"] != "https://api.northwind.example" {
			t.Errorf("%s: PUBLIC_URL %v", fn["FunctionName"], vars["PUBLIC_URL"])
		}
	}
	outs, _ := s.tmpl["Outputs"].(map[string]any)
	if pu, _ := outs["PublicUrl"].(map[string]any); pu["Value"] != "https://api.northwind.example" {
		t.Errorf("PublicUrl output %v", outs["PublicUrl"])
	}
	var identities []string
	for _, id := range resources(s.tmpl, "AWS::SES::EmailIdentity") {
		identities = append(identities, str(id["EmailIdentity"]))
		if id["EmailIdentity"] == "northwind.example" {
			if sa, _ := id["DkimSigningAttributes"].(map[string]any); sa["NextSigningKeyLength"] != "RSA_2048_BIT" {
				t.Errorf("domain identity DKIM %v", id["DkimSigningAttributes"])
			}
		}
	}
	if !reflect.DeepEqual(identities, []string{"northwind.example"}) {
		t.Errorf("SES identities %v: want the domain only (the sender is an address at it)", identities)
	}
	for i := 1; i <= 3; i++ {
		if _, ok := outs[fmt.Sprintf("DkimCname%d", i)]; !ok {
			t.Errorf("no DkimCname%d output", i)
		}
	}
}
