package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/dealflow/dealflow/shared/store/dynamo"
)

// TestMain starts jsii once for the whole binary (every synth shares the node process) and closes
// it at the end; ensureJSIIEnv keeps its caches inside the project.
func TestMain(m *testing.M) {
	ensureJSIIEnv()
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// fixtureRoutes is the route table of the fixture project (the real one is routeTable()).
var fixtureRoutes = []Route{
	{Method: "POST", Path: "/v1/leads", Function: "intake", Auth: "dealflow-signature"},
	{Method: "POST", Path: "/v1/webhooks/hubspot", Function: "intake", Auth: "hubspot-signature"},
	{Method: "POST", Path: "/v1/forms/{formId}", Function: "intake", Auth: "rate-limit"},
	{Method: "GET", Path: "/v1/handoffs/{id}/accept", Function: "handoff-links", Auth: "signed-link"},
	{Method: "POST", Path: "/v1/handoffs/{id}/accept", Function: "handoff-links", Auth: "signed-link"},
}

// fixtureAccess is the access table of the fixture project's functions.
var fixtureAccess = map[string]Access{
	"compute-digest": {Table: ReadWriteTable, SendEmail: true},
	"handoff-links":  {Table: ReadWriteTable, Secrets: []string{SecretLinkSigning}, AnswerTasks: []string{"sdr-ae-handoff"}},
	"intake":         {Table: ReadWriteTable, PublishEvents: true, Secrets: []string{SecretHubSpot, SecretLeadSigning}},
	"notify-owner":   {Table: ReadTable, SendEmail: true, Secrets: []string{SecretLinkSigning}},
	"qualify-lead":   {Table: ReadTable},
	"route-lead":     {Table: ReadWriteTable, PublishEvents: true},
	"send-reminders": {Table: ReadWriteTable, SendEmail: true, StartWorkflows: []string{"manager-digest"}},
}

type synthCase struct {
	name string
	root string
	// stubMissing builds root in a temp dir from the real statemachines/ and events/ plus a stub
	// functions/<name>/main.go for every function the files name that does not exist yet.
	stubMissing bool
	org         string // empty: no org file (only while examples/org.yaml does not exist)
	routes      []Route
	access      map[string]Access
	stage       string
	settings    func(*Settings) // adjusts the settings before synth (nil: as below)
}

type synthed struct {
	proj  *Project
	stack awscdk.Stack
	tmpl  map[string]any
	err   error
}

var (
	synthMu    sync.Mutex
	synthCache = map[string]*synthed{}
	synthRoots = map[string]string{} // stubbed roots, for readLocal
)

var functionPlaceholderRE = regexp.MustCompile(`\$\{([A-Za-z0-9]+)FunctionArn\}`)

// kebab turns "LeadFallback" into "lead-fallback" (the inverse of events.PascalCase).
func kebab(p string) string {
	var b strings.Builder
	for i, r := range p {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stubRepository mirrors repo's statemachines/ and events/ into a temp root and gives every
// function they (or the routes) name a stub functions/<name>/main.go, so the real workflow and
// rule files are checked against the stack before every function has landed.
func stubRepository(repo string, routes []Route) (string, error) {
	root, err := os.MkdirTemp("", "dealflow-repo-preview-")
	if err != nil {
		return "", err
	}
	for _, d := range []string{"statemachines", "events"} {
		abs, _ := filepath.Abs(filepath.Join(repo, d))
		if _, err := os.Stat(abs); err == nil {
			if err := os.Symlink(abs, filepath.Join(root, d)); err != nil {
				return "", err
			}
		}
	}
	names := map[string]bool{}
	mains, _ := filepath.Glob(filepath.Join(repo, "functions", "*", "main.go"))
	for _, m := range mains {
		names[filepath.Base(filepath.Dir(m))] = true
	}
	defs, _ := filepath.Glob(filepath.Join(repo, "statemachines", "*.asl.json"))
	for _, f := range defs {
		data, _ := os.ReadFile(f)
		for _, m := range functionPlaceholderRE.FindAllStringSubmatch(string(data), -1) {
			names[kebab(m[1])] = true
		}
	}
	for _, r := range routes {
		names[r.Function] = true
	}
	for n := range names {
		if err := os.MkdirAll(filepath.Join(root, "functions", n), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(root, "functions", n, "main.go"), []byte("package main\n"), 0o644); err != nil {
			return "", err
		}
	}
	return root, nil
}

func repoCase() synthCase {
	org := filepath.Join("..", "examples", "org.yaml")
	if _, err := os.Stat(org); err != nil {
		org = ""
	}
	return synthCase{name: "repository", root: "..", org: org, routes: routeTable(), access: functionAccess, stage: "dev"}
}

// previewCase is the repository with stub functions for those not written yet and no org file
// (its digests need the manager-digest workflow); TestRepositorySynthesizes covers the rest.
func previewCase() synthCase {
	return synthCase{name: "repository-preview", root: "..", stubMissing: true, routes: routeTable(), access: functionAccess, stage: "dev"}
}

func fixtureCase(stage string) synthCase {
	return synthCase{name: "fixture-" + stage, root: "testdata/project", org: "testdata/project/org.yaml", routes: fixtureRoutes, access: fixtureAccess, stage: stage}
}

// synth builds the stack for c once per test binary (synthesis costs seconds) with cdk-nag on.
func synth(t *testing.T, c synthCase) *synthed {
	t.Helper()
	synthMu.Lock()
	defer synthMu.Unlock()
	if s, ok := synthCache[c.name]; ok {
		if s.err != nil {
			failSynth(t, c, s.err)
		}
		return s
	}
	s := &synthed{}
	synthCache[c.name] = s
	s.err = func() error {
		if c.stubMissing {
			root, err := stubRepository(c.root, c.routes)
			if err != nil {
				return err
			}
			c.root = root
			synthRoots[c.name] = root
		}
		proj, err := LoadProject(c.root, c.routes)
		if err != nil {
			return err
		}
		if c.org != "" {
			if proj.Org, err = loadOrg(c.org); err != nil {
				return err
			}
		}
		s.proj = proj
		tmp, err := os.MkdirTemp("", "dealflow-infra-test-")
		if err != nil {
			return err
		}
		// Stand-in bootstraps: the test checks the stack, not the binaries (make build-lambdas).
		for _, fn := range proj.Functions {
			if err := os.MkdirAll(filepath.Join(tmp, "lambda", fn), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(tmp, "lambda", fn, "bootstrap"), []byte("stand-in for "+fn), 0o755); err != nil {
				return err
			}
		}
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(filepath.Join(tmp, "cdk.out"))})
		set := Settings{
			Stage: c.stage, SenderEmail: "sales-robot@example.com", AllowedOrigins: []string{"https://app.example.com"},
			AlarmEmail: "oncall@example.com", LambdaDir: filepath.Join(tmp, "lambda"), StagingDir: filepath.Join(tmp, "staging"),
			ReservedConcurrency: true,
		}
		if c.settings != nil {
			c.settings(&set)
		}
		stack, err := NewDealflowStack(app, "dealflow-"+c.stage, nil, set, proj, c.access)
		if err != nil {
			return err
		}
		awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
		s.stack = stack
		s.tmpl = *assertions.Template_FromStack(stack, nil).ToJSON()
		return nil
	}()
	if s.err != nil {
		failSynth(t, c, s.err)
	}
	return s
}

// failSynth fails the test, except that the checks of the real repository skip when it does not
// synthesise at all: TestRepositorySynthesizes reports that once, with every reason.
func failSynth(t *testing.T, c synthCase, err error) {
	t.Helper()
	if c.name == "repository" && !strings.HasPrefix(t.Name(), "TestRepositorySynthesizes") {
		t.Skipf("the repository does not synthesise yet (see TestRepositorySynthesizes)")
	}
	t.Fatalf("synth %s:\n%v", c.name, err)
}

// TestRepositorySynthesizes: the real statemachines/, events/, functions/, route table and org
// file build a stack. It fails, listing every missing piece, while something the files name does
// not exist (a function, a workflow) or a function has no entry in the access table.
func TestRepositorySynthesizes(t *testing.T) {
	synth(t, repoCase())
}

// ---- template helpers ----

func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		rm := r.(map[string]any)
		if rm["Type"] == typ {
			props, _ := rm["Properties"].(map[string]any)
			if props == nil {
				props = map[string]any{}
			}
			out[id] = props
		}
	}
	return out
}

// refID returns the logical id a {"Ref"} or {"Fn::GetAtt"} points at.
func refID(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if g, ok := m["Fn::GetAtt"].([]any); ok && len(g) > 0 {
		s, _ := g[0].(string)
		return s
	}
	return ""
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func sortedKeys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type statement struct {
	Policy    string // logical id of the policy (or role for inline policies)
	Roles     []string
	Actions   []string
	Resources []any
}

// statements returns every IAM policy statement of the template with the roles it applies to.
func statements(tmpl map[string]any) []statement {
	var out []statement
	collect := func(policy string, roles []string, doc any) {
		for _, st := range list(doc.(map[string]any)["Statement"]) {
			sm := st.(map[string]any)
			if sm["Effect"] != "Allow" {
				continue
			}
			s := statement{Policy: policy, Roles: roles, Resources: list(sm["Resource"])}
			for _, a := range list(sm["Action"]) {
				s.Actions = append(s.Actions, str(a))
			}
			out = append(out, s)
		}
	}
	for id, p := range resources(tmpl, "AWS::IAM::Policy") {
		var roles []string
		for _, r := range list(p["Roles"]) {
			roles = append(roles, refID(r))
		}
		collect(id, roles, p["PolicyDocument"])
	}
	for id, r := range resources(tmpl, "AWS::IAM::Role") {
		for _, p := range list(r["Policies"]) {
			collect(id, []string{id}, p.(map[string]any)["PolicyDocument"])
		}
	}
	for id, p := range resources(tmpl, "AWS::IAM::ManagedPolicy") {
		var roles []string
		for _, r := range list(p["Roles"]) {
			roles = append(roles, refID(r))
		}
		collect(id, roles, p["PolicyDocument"])
	}
	return out
}

// ---- what the local runtime loads, read independently of the stack's loader ----

type localSets struct {
	stateMachines, rules, schedules, routes, functions []string
}

func readLocal(t *testing.T, c synthCase) localSets {
	t.Helper()
	var ls localSets
	glob := func(pattern string) []string {
		m, err := filepath.Glob(filepath.Join(c.root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	nameOf := func(f string) string {
		var v struct{ Name string }
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		return v.Name
	}
	for _, f := range glob("statemachines/*.asl.json") {
		ls.stateMachines = append(ls.stateMachines, strings.TrimSuffix(filepath.Base(f), ".asl.json"))
	}
	for _, f := range glob("events/rules/*.json") {
		ls.rules = append(ls.rules, nameOf(f))
	}
	for _, f := range glob("events/schedules/*.json") {
		ls.schedules = append(ls.schedules, nameOf(f))
	}
	if c.org != "" {
		org, err := loadOrg(c.org)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range org.Digests {
			ls.schedules = append(ls.schedules, d.ScheduleName())
		}
	}
	for _, r := range c.routes {
		ls.routes = append(ls.routes, r.Method+" "+r.Path)
	}
	for _, f := range glob("functions/*/main.go") {
		ls.functions = append(ls.functions, filepath.Base(filepath.Dir(f)))
	}
	for _, s := range [][]string{ls.stateMachines, ls.rules, ls.schedules, ls.routes, ls.functions} {
		sort.Strings(s)
	}
	return ls
}

func templateSets(tmpl map[string]any, stage string) localSets {
	prefix := "dealflow-" + stage + "-"
	var ts localSets
	for _, p := range resources(tmpl, "AWS::StepFunctions::StateMachine") {
		ts.stateMachines = append(ts.stateMachines, strings.TrimPrefix(str(p["StateMachineName"]), prefix))
	}
	for _, p := range resources(tmpl, "AWS::Events::Rule") {
		ts.rules = append(ts.rules, str(p["Name"]))
	}
	for _, p := range resources(tmpl, "AWS::Scheduler::Schedule") {
		ts.schedules = append(ts.schedules, str(p["Name"]))
	}
	for _, p := range resources(tmpl, "AWS::ApiGatewayV2::Route") {
		ts.routes = append(ts.routes, str(p["RouteKey"]))
	}
	for _, p := range resources(tmpl, "AWS::Lambda::Function") {
		ts.functions = append(ts.functions, strings.TrimPrefix(str(p["FunctionName"]), prefix))
	}
	for _, s := range [][]string{ts.stateMachines, ts.rules, ts.schedules, ts.routes, ts.functions} {
		sort.Strings(s)
	}
	return ts
}

func allCases() []synthCase { return []synthCase{repoCase(), previewCase(), fixtureCase("dev")} }

// TestNagCatchesAnUnjustifiedOpenRoute: a route whose Auth has no written reason is an
// unsuppressed cdk-nag error (proves the nag check can fail).
func TestNagCatchesAnUnjustifiedOpenRoute(t *testing.T) {
	c := fixtureCase("dev")
	c.name = "fixture-open-route"
	c.routes = append(append([]Route{}, fixtureRoutes...), Route{Method: "GET", Path: "/v1/debug", Function: "intake", Auth: "none"})
	s := synth(t, c)
	errs := *assertions.Annotations_FromStack(s.stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	if len(errs) != 1 || !strings.Contains(*errs[0].Id, "HttpRouteGetV1Debug") || !strings.Contains(fmt.Sprint(errs[0].Entry.Data), "AwsSolutions-APIG4") {
		var got []string
		for _, e := range errs {
			got = append(got, *e.Id+": "+fmt.Sprint(e.Entry.Data))
		}
		t.Errorf("nag errors = %q, want exactly AwsSolutions-APIG4 on the GET /v1/debug route", got)
	}
}

// TestStackMatchesLocalFiles: the state machines, rules, schedules, routes and functions in the
// template are exactly those the local runtime loads from the same folders.
func TestStackMatchesLocalFiles(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			s := synth(t, c)
			if root, ok := synthRoots[c.name]; ok {
				c.root = root
			}
			local, got := readLocal(t, c), templateSets(s.tmpl, c.stage)
			for _, k := range []struct {
				what        string
				local, tmpl []string
			}{
				{"state machines", local.stateMachines, got.stateMachines},
				{"rules", local.rules, got.rules},
				{"schedules", local.schedules, got.schedules},
				{"routes", local.routes, got.routes},
				{"functions", local.functions, got.functions},
			} {
				if !reflect.DeepEqual(nonNil(k.local), nonNil(k.tmpl)) {
					t.Errorf("%s: local files define %q, the stack has %q", k.what, k.local, k.tmpl)
				}
			}
			t.Logf("%d state machines, %d rules, %d schedules, %d routes, %d functions",
				len(got.stateMachines), len(got.rules), len(got.schedules), len(got.routes), len(got.functions))
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// allowedWildcardActions may have Resource "*" because AWS offers no resource-level permission
// for them (infra/README.md "IAM exceptions").
var allowedWildcardActions = map[string]string{
	"xray:PutTraceSegments":         "X-Ray: no resource-level permissions",
	"xray:PutTelemetryRecords":      "X-Ray: no resource-level permissions",
	"xray:GetSamplingRules":         "X-Ray: no resource-level permissions",
	"xray:GetSamplingTargets":       "X-Ray: no resource-level permissions",
	"logs:CreateLogDelivery":        "CloudWatch Logs vended delivery (Step Functions logging)",
	"logs:GetLogDelivery":           "CloudWatch Logs vended delivery (Step Functions logging)",
	"logs:UpdateLogDelivery":        "CloudWatch Logs vended delivery (Step Functions logging)",
	"logs:DeleteLogDelivery":        "CloudWatch Logs vended delivery (Step Functions logging)",
	"logs:ListLogDeliveries":        "CloudWatch Logs vended delivery (Step Functions logging)",
	"logs:PutResourcePolicy":        "CloudWatch Logs vended delivery (Step Functions logging)",
	"logs:DescribeResourcePolicies": "CloudWatch Logs vended delivery (Step Functions logging)",
	"logs:DescribeLogGroups":        "CloudWatch Logs vended delivery (Step Functions logging)",
}

// TestNoWildcardResourceOutsideAllowlist: no IAM statement grants Resource "*" except for the
// listed actions AWS requires it for, and no statement grants a wildcard action.
func TestNoWildcardResourceOutsideAllowlist(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			s := synth(t, c)
			for _, st := range statements(s.tmpl) {
				star := false
				for _, r := range st.Resources {
					star = star || r == "*"
				}
				for _, a := range st.Actions {
					if strings.Contains(a, "*") {
						t.Errorf("%s: wildcard action %q", st.Policy, a)
					}
					if _, ok := allowedWildcardActions[a]; star && !ok {
						t.Errorf("%s (roles %v): %s on Resource \"*\" is not in the justified list", st.Policy, st.Roles, a)
					}
				}
			}
		})
	}
}

// functionRoles maps function name → the set of actions its role grants, and the resources per action.
func functionRoles(t *testing.T, s *synthed, stage string) map[string]map[string][]any {
	t.Helper()
	roleOf := map[string]string{}
	for _, p := range resources(s.tmpl, "AWS::Lambda::Function") {
		roleOf[refID(p["Role"])] = strings.TrimPrefix(str(p["FunctionName"]), "dealflow-"+stage+"-")
	}
	out := map[string]map[string][]any{}
	for _, st := range statements(s.tmpl) {
		for _, r := range st.Roles {
			fn, ok := roleOf[r]
			if !ok {
				continue
			}
			if out[fn] == nil {
				out[fn] = map[string][]any{}
			}
			for _, a := range st.Actions {
				out[fn][a] = append(out[fn][a], st.Resources...)
			}
		}
	}
	return out
}

// TestFunctionRolesGrantOnlyWhatHandlersUse checks each fixture function's role against the
// actions its handler needs, written out by hand.
func TestFunctionRolesGrantOnlyWhatHandlersUse(t *testing.T) {
	base := []string{"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments"}
	read := []string{"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query"}
	write := append(append([]string{}, read...), "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
	email := []string{"ses:SendEmail", "ses:SendRawEmail"}
	join := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		sort.Strings(out)
		return out
	}
	want := map[string][]string{
		"compute-digest": join(base, write, email),
		"handoff-links":  join(base, write, []string{"secretsmanager:GetSecretValue", "states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"}),
		"intake":         join(base, write, []string{"events:PutEvents", "secretsmanager:GetSecretValue"}),
		"notify-owner":   join(base, read, email, []string{"secretsmanager:GetSecretValue"}),
		"qualify-lead":   join(base, read),
		"route-lead":     join(base, write, []string{"events:PutEvents"}),
		"send-reminders": join(base, write, email, []string{"states:StartExecution"}),
	}
	s := synth(t, fixtureCase("dev"))
	got := functionRoles(t, s, "dev")
	for _, fn := range sortedKeys(want) {
		t.Run(fn, func(t *testing.T) {
			if g := sortedKeys(got[fn]); !reflect.DeepEqual(g, want[fn]) {
				t.Errorf("role grants\n  %q\nwant\n  %q", g, want[fn])
			}
		})
	}
	// Secrets: each function reads only the secrets it names.
	secretIDs := func(fn string) []string {
		var ids []string
		for _, r := range got[fn]["secretsmanager:GetSecretValue"] {
			ids = append(ids, regexp.MustCompile(`[0-9A-F]{8}$`).ReplaceAllString(refID(r), ""))
		}
		sort.Strings(ids)
		return ids
	}
	if g, w := secretIDs("intake"), []string{"SecretHubspotAppSecret", "SecretLeadSigningKeys"}; !reflect.DeepEqual(g, w) {
		t.Errorf("intake reads secrets %q, want %q", g, w)
	}
	if g, w := secretIDs("notify-owner"), []string{"SecretLinkSigningKey"}; !reflect.DeepEqual(g, w) {
		t.Errorf("notify-owner reads secrets %q, want %q", g, w)
	}
}

// definitionText renders a DefinitionString that may be a string or an Fn::Join.
func definitionText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if j, ok := v.(map[string]any)["Fn::Join"].([]any); ok {
		var b strings.Builder
		for _, p := range list(j[1]) {
			if s, ok := p.(string); ok {
				b.WriteString(s)
			} else {
				b.WriteString("«token»")
			}
		}
		return b.String()
	}
	return fmt.Sprint(v)
}

var placeholderInText = regexp.MustCompile(`\$\{([^}]*)\}`)

// TestDefinitionsResolveEveryPlaceholder: after DefinitionSubstitutions nothing like ${…} is
// left in any state machine definition.
func TestDefinitionsResolveEveryPlaceholder(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			s := synth(t, c)
			for id, p := range resources(s.tmpl, "AWS::StepFunctions::StateMachine") {
				def := definitionText(p["DefinitionString"])
				subs, _ := p["DefinitionSubstitutions"].(map[string]any)
				resolved := placeholderInText.ReplaceAllStringFunc(def, func(m string) string {
					if v, ok := subs[m[2:len(m)-1]]; ok && v != nil && v != "" {
						return "«resolved»"
					}
					return m
				})
				if strings.Contains(resolved, "${") {
					t.Errorf("%s: unresolved %q", id, placeholderInText.FindAllString(resolved, -1))
				}
				if !json.Valid([]byte(strings.ReplaceAll(def, "«token»", "x"))) {
					t.Errorf("%s: definition is not valid JSON", id)
				}
			}
		})
	}
}

func resourceTypes(tmpl map[string]any) map[string]string {
	out := map[string]string{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		out[id] = str(r.(map[string]any)["Type"])
	}
	return out
}

// TestEveryTargetExists: every rule and schedule target is a state machine or function of this
// stack, reachable with the permission it needs.
func TestEveryTargetExists(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			s := synth(t, c)
			types := resourceTypes(s.tmpl)
			perms := resources(s.tmpl, "AWS::Lambda::Permission")
			sts := statements(s.tmpl)
			allows := func(role, action, target string) bool {
				for _, st := range sts {
					if !contains(st.Roles, role) || !contains(st.Actions, action) {
						continue
					}
					for _, r := range st.Resources {
						if refID(r) == target {
							return true
						}
					}
				}
				return false
			}
			// source is the rule for EventBridge targets, "" for Scheduler (which invokes
			// functions with its role instead of a resource policy).
			check := func(where string, arn any, role any, source string) {
				target := refID(arn)
				switch types[target] {
				case "AWS::StepFunctions::StateMachine":
					if !allows(refID(role), "states:StartExecution", target) {
						t.Errorf("%s: role %s cannot start %s", where, refID(role), target)
					}
				case "AWS::Lambda::Function":
					if source == "" {
						if !allows(refID(role), "lambda:InvokeFunction", target) {
							t.Errorf("%s: role %s cannot invoke %s", where, refID(role), target)
						}
						return
					}
					ok := false
					for _, p := range perms {
						ok = ok || (refID(p["FunctionName"]) == target && refID(p["SourceArn"]) == source)
					}
					if !ok {
						t.Errorf("%s: no lambda permission lets rule %s invoke %s", where, source, target)
					}
				default:
					t.Errorf("%s: target %v is not a state machine or function of this stack", where, arn)
				}
			}
			for id, r := range resources(s.tmpl, "AWS::Events::Rule") {
				for _, tg := range list(r["Targets"]) {
					tm := tg.(map[string]any)
					check(id+"/"+str(tm["Id"]), tm["Arn"], tm["RoleArn"], id)
				}
			}
			for id, sc := range resources(s.tmpl, "AWS::Scheduler::Schedule") {
				tm := sc["Target"].(map[string]any)
				check(id, tm["Arn"], tm["RoleArn"], "")
			}
		})
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// TestEveryDeadLetterQueueHasAnAlarm: every queue used as a DLQ is alarmed (depth > 0) to the
// alarm topic, and every queue in the stack is such a DLQ.
func TestEveryDeadLetterQueueHasAnAlarm(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			s := synth(t, c)
			dlqs := map[string]bool{}
			for _, r := range resources(s.tmpl, "AWS::Events::Rule") {
				for _, tg := range list(r["Targets"]) {
					if dl, ok := tg.(map[string]any)["DeadLetterConfig"].(map[string]any); ok {
						dlqs[refID(dl["Arn"])] = true
					}
				}
			}
			for _, sc := range resources(s.tmpl, "AWS::Scheduler::Schedule") {
				if dl, ok := sc["Target"].(map[string]any)["DeadLetterConfig"].(map[string]any); ok {
					dlqs[refID(dl["Arn"])] = true
				}
			}
			for q := range resources(s.tmpl, "AWS::SQS::Queue") {
				if !dlqs[q] {
					t.Errorf("queue %s is not a dead-letter queue of any rule or schedule", q)
				}
			}
			alarmed := map[string]bool{}
			for _, a := range resources(s.tmpl, "AWS::CloudWatch::Alarm") {
				if a["Namespace"] != "AWS/SQS" || len(list(a["AlarmActions"])) == 0 {
					continue
				}
				for _, dim := range list(a["Dimensions"]) {
					if dm := dim.(map[string]any); dm["Name"] == "QueueName" {
						alarmed[refID(dm["Value"])] = true
					}
				}
			}
			for q := range dlqs {
				if !alarmed[q] {
					t.Errorf("dead-letter queue %s has no alarm", q)
				}
			}
			t.Logf("%d dead-letter queues, all alarmed", len(dlqs))
		})
	}
}

// TestNoUnsuppressedNagErrors: cdk-nag AwsSolutions reports no error that is not suppressed with
// a reason.
func TestNoUnsuppressedNagErrors(t *testing.T) {
	for _, c := range allCases() {
		t.Run(c.name, func(t *testing.T) {
			s := synth(t, c)
			ann := assertions.Annotations_FromStack(s.stack)
			for _, m := range *ann.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
				t.Errorf("%s: %v", *m.Id, m.Entry.Data)
			}
			warns := *ann.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
			for _, m := range warns {
				t.Logf("warning %s: %v", *m.Id, m.Entry.Data)
			}
		})
	}
}

// TestEveryWorkflowHasADecidedType: each statemachines/*.asl.json has a Standard/Express decision
// with a reason in workflows.go.
func TestEveryWorkflowHasADecidedType(t *testing.T) {
	proj, err := LoadProject("..", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, sm := range proj.StateMachines {
		if wt, ok := workflowTypes[sm.Name]; !ok || wt.Reason == "" {
			t.Errorf("%s: add %q with a reason to Types in shared/workflow/types.go", sm.File, sm.Name)
		}
	}
}

// TestFixtureDeployedAsWritten: rule patterns, input shaping, retry policies, schedules and
// workflow types reach the template exactly as the files say.
func TestFixtureDeployedAsWritten(t *testing.T) {
	s := synth(t, fixtureCase("dev"))
	rules := map[string]map[string]any{}
	for _, r := range resources(s.tmpl, "AWS::Events::Rule") {
		rules[str(r["Name"])] = r
	}
	var wantPattern any
	json.Unmarshal([]byte(`{"source": ["dealflow"], "detail-type": ["Lead Received"], "detail": {"score": [{"numeric": [">=", 10]}], "owner": [null]}}`), &wantPattern)
	lr := rules["lead-received"]
	var gotPattern any
	if err := json.Unmarshal([]byte(str(lr["EventPattern"])), &gotPattern); err != nil || !reflect.DeepEqual(gotPattern, wantPattern) {
		t.Errorf("lead-received pattern = %v (%v), want %v", lr["EventPattern"], err, wantPattern)
	}
	targets := map[string]map[string]any{}
	for _, tg := range list(lr["Targets"]) {
		targets[str(tg.(map[string]any)["Id"])] = tg.(map[string]any)
	}
	q := targets["qualify"]
	wantIT := map[string]any{
		"InputPathsMap": map[string]any{"lead": "$.detail.lead_id", "at": "$.time"},
		"InputTemplate": `{"lead_id": <lead>, "received_at": <at>}`,
	}
	if !reflect.DeepEqual(q["InputTransformer"], wantIT) {
		t.Errorf("qualify InputTransformer = %v, want %v", q["InputTransformer"], wantIT)
	}
	if want := map[string]any{"MaximumRetryAttempts": 10.0, "MaximumEventAgeInSeconds": 3600.0}; !reflect.DeepEqual(q["RetryPolicy"], want) {
		t.Errorf("qualify RetryPolicy = %v, want %v", q["RetryPolicy"], want)
	}
	if n := targets["notify"]; n["InputPath"] != "$.detail" || n["DeadLetterConfig"] == nil {
		t.Errorf("notify target = %v, want InputPath $.detail and a DLQ", n)
	}
	hr := rules["handoff-requested"]
	if in := str(list(hr["Targets"])[0].(map[string]any)["Input"]); in != `{"kind":"handoff","from":"rule"}` {
		t.Errorf("handoff-requested Input = %s", in)
	}
	if hr["State"] != "ENABLED" {
		t.Errorf("a rule without State deploys %v, want ENABLED (the EventBridge default)", hr["State"])
	}

	scheds := map[string]map[string]any{}
	for _, sc := range resources(s.tmpl, "AWS::Scheduler::Schedule") {
		scheds[str(sc["Name"])] = sc
	}
	fs := scheds["follow-up-sweep"]
	for k, want := range map[string]any{
		"ScheduleExpression":         "cron(0 8-18 ? * MON-FRI *)",
		"ScheduleExpressionTimezone": "Europe/Berlin",
		"StartDate":                  "2026-01-05T00:00:00Z",
		"FlexibleTimeWindow":         map[string]any{"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5.0},
	} {
		if !reflect.DeepEqual(fs[k], want) {
			t.Errorf("follow-up-sweep %s = %v, want %v", k, fs[k], want)
		}
	}
	if _, has := fs["CatchUp"]; has {
		t.Error("CatchUp is local-only and must not reach AWS")
	}
	dg := scheds["digest-katrin-mueller"]
	if dg["ScheduleExpressionTimezone"] != "Europe/Berlin" || dg["ScheduleExpression"] != "cron(0 8 ? * MON *)" {
		t.Errorf("digest schedule = %v, want Mondays 08:00 Europe/Berlin as the org file says", dg)
	}
	if in := str(dg["Target"].(map[string]any)["Input"]); in != `{"digestId":"digest-katrin-mueller","manager":"katrin-mueller","period":"week"}` {
		t.Errorf("digest input = %s", in)
	}
	if ny := scheds["digest-michael-johnson"]; ny["ScheduleExpressionTimezone"] != "America/New_York" {
		t.Errorf("New York digest time zone = %v", ny["ScheduleExpressionTimezone"])
	}

	types := map[string]string{}
	for _, p := range resources(s.tmpl, "AWS::StepFunctions::StateMachine") {
		types[str(p["StateMachineName"])] = str(p["StateMachineType"])
		if tc, _ := p["TracingConfiguration"].(map[string]any); tc["Enabled"] != true {
			t.Errorf("%s: X-Ray tracing off", p["StateMachineName"])
		}
		want := "ALL" // Standard: the audit trail; Express logs failures only by default
		if p["StateMachineType"] == "EXPRESS" {
			want = "ERROR"
		}
		if lc, _ := p["LoggingConfiguration"].(map[string]any); lc["Level"] != want {
			t.Errorf("%s: logging level %v, want %s", p["StateMachineName"], lc["Level"], want)
		}
	}
	for name, want := range map[string]string{"lead-qualification": "EXPRESS", "sdr-ae-handoff": "STANDARD", "manager-digest": "STANDARD"} {
		if got := types["dealflow-dev-"+name]; got != want {
			t.Errorf("%s type = %q, want %q", name, got, want)
		}
	}
	for _, fn := range resources(s.tmpl, "AWS::Lambda::Function") {
		if lc, _ := fn["LoggingConfig"].(map[string]any); lc["ApplicationLogLevel"] != "WARN" || lc["SystemLogLevel"] != "WARN" {
			t.Errorf("%s: logging %v, want WARN/WARN at the default log level", fn["FunctionName"], lc)
		}
		if fn["Runtime"] != "provided.al2023" || !reflect.DeepEqual(fn["Architectures"], []any{"arm64"}) || fn["Handler"] != "bootstrap" {
			t.Errorf("%s: runtime %v %v %v, want provided.al2023 arm64 bootstrap", fn["FunctionName"], fn["Runtime"], fn["Architectures"], fn["Handler"])
		}
	}
}

// TestTableAndRetention: the table is on-demand with PITR and TTL everywhere; deletion protection
// and retained data everywhere but dev.
func TestTableAndRetention(t *testing.T) {
	for _, tc := range []struct {
		stage     string
		protected bool
	}{{"dev", false}, {"prod", true}} {
		t.Run(tc.stage, func(t *testing.T) {
			s := synth(t, fixtureCase(tc.stage))
			tables := resources(s.tmpl, "AWS::DynamoDB::Table")
			if len(tables) != 1 {
				t.Fatalf("%d tables, want 1", len(tables))
			}
			for _, tb := range tables {
				if tb["BillingMode"] != "PAY_PER_REQUEST" {
					t.Errorf("BillingMode = %v", tb["BillingMode"])
				}
				if p, _ := tb["PointInTimeRecoverySpecification"].(map[string]any); p["PointInTimeRecoveryEnabled"] != true {
					t.Errorf("PITR = %v", tb["PointInTimeRecoverySpecification"])
				}
				if ttl, _ := tb["TimeToLiveSpecification"].(map[string]any); ttl["AttributeName"] != readmeTTL(t) || ttl["Enabled"] != true {
					t.Errorf("TTL = %v, want the %q attribute shared/store/dynamo/README.md names", tb["TimeToLiveSpecification"], readmeTTL(t))
				}
				checkTableMatchesStore(t, tb)
				if got := tb["DeletionProtectionEnabled"] == true; got != tc.protected {
					t.Errorf("DeletionProtectionEnabled = %v, want %v", tb["DeletionProtectionEnabled"], tc.protected)
				}
			}
			for id, r := range s.tmpl["Resources"].(map[string]any) {
				rm := r.(map[string]any)
				if rm["Type"] == "AWS::DynamoDB::Table" {
					if got := rm["DeletionPolicy"] == "Retain"; got != tc.protected {
						t.Errorf("%s DeletionPolicy = %v", id, rm["DeletionPolicy"])
					}
				}
			}
		})
	}
}

// readmeTTL is the TTL attribute the store's README tells AWS to enable.
func readmeTTL(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../shared/store/dynamo/README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("Enable TTL on the `([^`]+)` attribute").FindSubmatch(data)
	if m == nil {
		t.Fatal("shared/store/dynamo/README.md no longer says which attribute TTL uses")
	}
	return string(m[1])
}

// checkTableMatchesStore compares the template's keys and GSIs with the CreateTable input the
// store itself uses (dynamo.TableDefinition), so the deployed table is the one the code expects.
func checkTableMatchesStore(t *testing.T, tb map[string]any) {
	t.Helper()
	def := dynamo.TableDefinition("x")
	keys := func(ks []ddbtypes.KeySchemaElement) []any {
		var out []any
		for _, k := range ks {
			out = append(out, map[string]any{"AttributeName": *k.AttributeName, "KeyType": string(k.KeyType)})
		}
		return out
	}
	if !reflect.DeepEqual(tb["KeySchema"], keys(def.KeySchema)) {
		t.Errorf("KeySchema = %v, want %v", tb["KeySchema"], keys(def.KeySchema))
	}
	want := map[string][]any{}
	for _, g := range def.GlobalSecondaryIndexes {
		want[*g.IndexName] = keys(g.KeySchema)
	}
	got := map[string][]any{}
	for _, g := range list(tb["GlobalSecondaryIndexes"]) {
		gm := g.(map[string]any)
		got[str(gm["IndexName"])] = list(gm["KeySchema"])
		if p, _ := gm["Projection"].(map[string]any); p["ProjectionType"] != "ALL" {
			t.Errorf("%s projection = %v, want ALL", gm["IndexName"], gm["Projection"])
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GSIs = %v, want %v", got, want)
	}
}

// TestEveryAlarmReachesTheTopic: every alarm notifies the alarm topic, and the topic (and its key)
// let CloudWatch publish for exactly this stage's alarms, by name.
func TestEveryAlarmReachesTheTopic(t *testing.T) {
	s := synth(t, fixtureCase("dev"))
	topics := resources(s.tmpl, "AWS::SNS::Topic")
	if len(topics) != 1 {
		t.Fatalf("%d topics, want 1", len(topics))
	}
	var topic string
	for id := range topics {
		topic = id
	}
	alarms := resources(s.tmpl, "AWS::CloudWatch::Alarm")
	for id, a := range alarms {
		if acts := list(a["AlarmActions"]); len(acts) != 1 || refID(acts[0]) != topic {
			t.Errorf("%s: actions %v, want the alarm topic", id, a["AlarmActions"])
		}
		if !strings.HasPrefix(str(a["AlarmName"]), "dealflow-dev-") {
			t.Errorf("%s: name %v lacks the dealflow-dev- prefix the topic policy admits", id, a["AlarmName"])
		}
	}
	// 7 functions × (errors, throttles) + 3 workflows × (failed, timed out) + 2 DLQs + 2 rules + API 5xx
	if want := 7*2 + 3*2 + 2 + 2 + 1; len(alarms) != want {
		t.Errorf("%d alarms, want %d", len(alarms), want)
	}
	found := false
	for _, p := range resources(s.tmpl, "AWS::SNS::TopicPolicy") {
		for _, st := range list(p["PolicyDocument"].(map[string]any)["Statement"]) {
			sm := st.(map[string]any)
			pr, _ := sm["Principal"].(map[string]any)
			if sm["Effect"] == "Allow" && pr["Service"] == "cloudwatch.amazonaws.com" {
				found = strings.Contains(fmt.Sprint(sm["Condition"]), ":alarm:dealflow-dev-*")
			}
		}
	}
	if !found {
		t.Error("the topic policy does not let CloudWatch publish for dealflow-dev-* alarms")
	}
}

// TestManagerDigestFailuresRaiseAnAlarm: a manager digest that fails after its retries (a FAILED
// execution of manager-digest, e.g. States.Timeout at Render) is never silent: an alarm on the
// state machine's ExecutionsFailed metric notifies the alarm topic.
// https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
func TestManagerDigestFailuresRaiseAnAlarm(t *testing.T) {
	s := synth(t, repoCase())
	machine := ""
	for id, sm := range resources(s.tmpl, "AWS::StepFunctions::StateMachine") {
		if strings.HasSuffix(str(sm["StateMachineName"]), "-manager-digest") {
			machine = id
		}
	}
	if machine == "" {
		t.Fatal("no manager-digest state machine in the stack")
	}
	topics := resources(s.tmpl, "AWS::SNS::Topic")
	for id, a := range resources(s.tmpl, "AWS::CloudWatch::Alarm") {
		if a["Namespace"] != "AWS/States" || a["MetricName"] != "ExecutionsFailed" {
			continue
		}
		onMachine := false
		for _, dim := range list(a["Dimensions"]) {
			if dm := dim.(map[string]any); dm["Name"] == "StateMachineArn" && refID(dm["Value"]) == machine {
				onMachine = true
			}
		}
		if !onMachine {
			continue
		}
		// One failed execution in five minutes is enough.
		if a["ComparisonOperator"] != "GreaterThanThreshold" || a["Threshold"] != float64(0) || a["Statistic"] != "Sum" {
			t.Errorf("alarm %s fires on %v %v (%v), want Sum > 0", id, a["ComparisonOperator"], a["Threshold"], a["Statistic"])
		}
		notifies := false
		for _, act := range list(a["AlarmActions"]) {
			if _, ok := topics[refID(act)]; ok {
				notifies = true
			}
		}
		if !notifies {
			t.Errorf("alarm %s notifies no SNS topic of the stack: %v", id, a["AlarmActions"])
		}
		t.Logf("alarm %s on %s ExecutionsFailed", id, machine)
		return
	}
	t.Errorf("no ExecutionsFailed alarm on %s", machine)
}
