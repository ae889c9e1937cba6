package sfn

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/dealflow/dealflow/local/sfn/expr"
)

// Query languages a definition or state may declare.
const (
	langJSONPath = "JSONPath"
	langJSONata  = "JSONata"
)

// Definition is a parsed, validated state machine (or a Parallel branch / Map item processor).
type Definition struct {
	Comment        string
	StartAt        string
	States         map[string]*State
	TimeoutSeconds int // 0 when absent
	QueryLanguage  string
	// Mode and ExecutionType are set for Map item processors (ProcessorConfig).
	Mode          string
	ExecutionType string
	// raw is the definition text as given, for $$.StateMachine and describe calls.
	raw string
	// keys remembers the key order of the definition's objects (templates).
	keys *keyOrders
}

// optPath is a path field that may be absent, null, or a path string.
type optPath struct {
	Set  bool
	Null bool
	Path string
}

// Retrier is one Retry entry.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int
	MaxAttempts     int
	BackoffRate     float64
	MaxDelaySeconds int // 0 when absent
	JitterFull      bool
}

// Catcher is one Catch entry.
type Catcher struct {
	ErrorEquals []string
	Next        string
	ResultPath  optPath
	Output      any
	HasOutput   bool
	Assign      any
	HasAssign   bool
}

// State is one state of a definition. Templates stay as parsed JSON and are evaluated at run time.
type State struct {
	Name          string
	Type          string
	QueryLanguage string // effective language
	Next          string
	End           bool

	InputPath, OutputPath, ResultPath optPath

	Parameters, ResultSelector, Result, Arguments, Output, Assign        any
	HasParameters, HasResultSelector, HasResult, HasArguments, HasOutput bool
	HasAssign                                                            bool

	// Task
	Resource             string
	TimeoutSeconds       any // number or JSONata string
	TimeoutSecondsPath   string
	HeartbeatSeconds     any
	HeartbeatSecondsPath string
	Retry                []Retrier
	Catch                []Catcher

	// Choice
	Choices []*ChoiceRule
	Default string

	// Wait
	Seconds       any
	SecondsPath   string
	Timestamp     any
	TimestampPath string
	HasSeconds    bool
	HasTimestamp  bool

	// Fail
	Error, Cause         any
	ErrorPath, CausePath string
	HasError, HasCause   bool

	// Parallel
	Branches []*Definition

	// Map
	Processor                  *Definition
	ItemsPath                  optPath
	Items                      any
	HasItems                   bool
	ItemSelector               any
	HasItemSelector            bool
	MaxConcurrency             any
	MaxConcurrencyPath         string
	ToleratedFailureCount      any
	ToleratedFailureCountPath  string
	ToleratedFailurePercentage any
	TolFailurePercentagePath   string
	Label                      string
	Distributed                bool

	// usesContext: some field of the state may read the context object, so it is built.
	usesContext bool
}

// ChoiceRule is one rule of a Choice state (top level, or nested in And/Or/Not).
type ChoiceRule struct {
	Next      string
	Variable  string
	Operator  string // e.g. "StringEquals", "NumericLessThanPath", "IsPresent"
	Operand   any
	And, Or   []*ChoiceRule
	Not       *ChoiceRule
	Condition any // JSONata
	HasCond   bool
	Assign    any
	HasAssign bool
	Output    any
	HasOutput bool
}

// LoadOptions tunes validation.
type LoadOptions struct {
	// File names the definition in errors ("statemachines/x.asl.json").
	File string
	// FunctionKnown reports whether a Lambda function name or ARN resolves; nil accepts any.
	FunctionKnown func(nameOrARN string) bool
}

// ValidationError is a load-time problem, naming file, JSON location and message.
type ValidationError struct {
	File, Location, Message string
}

func (e *ValidationError) Error() string {
	loc := e.Location
	if e.File != "" {
		if loc == "" {
			return e.File + ": " + e.Message
		}
		return e.File + ": " + loc + ": " + e.Message
	}
	if loc == "" {
		return e.Message
	}
	return loc + ": " + e.Message
}

// Parse loads and validates a definition text.
func Parse(text []byte, opts LoadOptions) (*Definition, error) {
	v, err := decodeJSON(text)
	if err != nil {
		return nil, &ValidationError{File: opts.File, Message: "invalid JSON: " + err.Error()}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &ValidationError{File: opts.File, Message: "a state machine definition must be a JSON object"}
	}
	l := &loader{opts: opts}
	lang := langJSONPath
	if q, ok := obj["QueryLanguage"]; ok {
		s, _ := q.(string)
		if s != langJSONPath && s != langJSONata {
			return nil, l.errf("QueryLanguage", "must be %q or %q", langJSONPath, langJSONata)
		}
		lang = s
	}
	d := l.definition(obj, "", lang, true)
	if l.err != nil {
		return nil, l.err
	}
	d.raw = string(text)
	d.keys = newKeyOrders(nil)
	d.keys.parse(string(text))
	return d, nil
}

type loader struct {
	opts LoadOptions
	err  error
}

func (l *loader) errf(loc, format string, args ...any) error {
	return &ValidationError{File: l.opts.File, Location: loc, Message: fmt.Sprintf(format, args...)}
}

func (l *loader) fail(loc, format string, args ...any) {
	if l.err == nil {
		l.err = l.errf(loc, format, args...)
	}
}

func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

var topFields = map[string]bool{"Comment": true, "StartAt": true, "States": true, "TimeoutSeconds": true, "Version": true, "QueryLanguage": true}
var branchFields = map[string]bool{"Comment": true, "StartAt": true, "States": true, "QueryLanguage": true}
var processorFields = map[string]bool{"Comment": true, "StartAt": true, "States": true, "ProcessorConfig": true, "QueryLanguage": true}

func (l *loader) definition(obj map[string]any, prefix, lang string, top bool) *Definition {
	return l.definitionWith(obj, prefix, lang, map[bool]map[string]bool{true: topFields, false: branchFields}[top])
}

func (l *loader) definitionWith(obj map[string]any, prefix, lang string, allowed map[string]bool) *Definition {
	d := &Definition{States: map[string]*State{}, QueryLanguage: lang}
	for _, k := range sortedKeys(obj) {
		if !allowed[k] {
			l.fail(join(prefix, k), "unknown field")
		}
	}
	if c, ok := obj["Comment"].(string); ok {
		d.Comment = c
	}
	if q, ok := obj["QueryLanguage"]; ok && prefix != "" {
		s, _ := q.(string)
		if s != langJSONPath && s != langJSONata {
			l.fail(join(prefix, "QueryLanguage"), "must be %q or %q", langJSONPath, langJSONata)
		}
	}
	if t, ok := obj["TimeoutSeconds"]; ok {
		n, ok := asInt(t)
		if !ok || n <= 0 {
			l.fail(join(prefix, "TimeoutSeconds"), "must be a positive integer")
		}
		d.TimeoutSeconds = n
	}
	if v, ok := obj["Version"]; ok {
		if s, _ := v.(string); s != "1.0" {
			l.fail(join(prefix, "Version"), "must be \"1.0\"")
		}
	}
	start, ok := obj["StartAt"].(string)
	if !ok || start == "" {
		l.fail(join(prefix, "StartAt"), "missing or not a string")
	}
	d.StartAt = start
	states, ok := obj["States"].(map[string]any)
	if !ok || len(states) == 0 {
		l.fail(join(prefix, "States"), "missing or empty")
		return d
	}
	names := sortedKeys(states)
	for _, name := range names {
		loc := join(prefix, "States."+name)
		if len(name) > 80 {
			l.fail(loc, "state name longer than 80 characters")
		}
		so, ok := states[name].(map[string]any)
		if !ok {
			l.fail(loc, "a state must be a JSON object")
			continue
		}
		d.States[name] = l.state(name, so, loc, lang)
	}
	if l.err != nil {
		return d
	}
	if _, ok := d.States[start]; !ok {
		l.fail(join(prefix, "StartAt"), "unknown state %q", start)
		return d
	}
	// Every transition must target a state of this definition (not of an enclosing one).
	for _, name := range names {
		s := d.States[name]
		loc := join(prefix, "States."+name)
		check := func(field, target string) {
			if target != "" {
				if _, ok := d.States[target]; !ok {
					l.fail(loc+"."+field, "unknown state %q", target)
				}
			}
		}
		check("Next", s.Next)
		check("Default", s.Default)
		for i, c := range s.Choices {
			check(fmt.Sprintf("Choices[%d].Next", i), c.Next)
		}
		for i, c := range s.Catch {
			check(fmt.Sprintf("Catch[%d].Next", i), c.Next)
		}
	}
	if l.err != nil {
		return d
	}
	terminal := false
	for _, s := range d.States {
		terminal = terminal || s.End || s.Type == "Succeed" || s.Type == "Fail"
	}
	if !terminal {
		l.fail(join(prefix, "States"), "no terminal state (End: true, Succeed or Fail): the workflow could never finish")
	}
	// Unreachable states are an error in AWS's validator as well.
	seen := map[string]bool{start: true}
	queue := []string{start}
	for len(queue) > 0 {
		s := d.States[queue[0]]
		queue = queue[1:]
		var next []string
		next = append(next, s.Next, s.Default)
		for _, c := range s.Choices {
			next = append(next, c.Next)
		}
		for _, c := range s.Catch {
			next = append(next, c.Next)
		}
		for _, n := range next {
			if n != "" && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, name := range names {
		if !seen[name] {
			l.fail(join(prefix, "States."+name), "state is not reachable from StartAt %q", start)
		}
	}
	return d
}

// Fields each state type accepts, on top of Type, Comment and QueryLanguage.
var stateFields = map[string]string{
	"Pass":     "Next End InputPath OutputPath ResultPath Parameters Result Assign Output",
	"Task":     "Next End InputPath OutputPath ResultPath Parameters ResultSelector Resource TimeoutSeconds TimeoutSecondsPath HeartbeatSeconds HeartbeatSecondsPath Retry Catch Arguments Output Assign Credentials",
	"Choice":   "InputPath OutputPath Choices Default Assign Output",
	"Wait":     "Next End InputPath OutputPath Seconds SecondsPath Timestamp TimestampPath Assign Output",
	"Succeed":  "InputPath OutputPath Output",
	"Fail":     "Error ErrorPath Cause CausePath",
	"Parallel": "Next End InputPath OutputPath ResultPath Parameters ResultSelector Branches Retry Catch Arguments Output Assign",
	"Map":      "Next End InputPath OutputPath ResultPath Parameters ResultSelector ItemsPath Items ItemSelector ItemProcessor Iterator MaxConcurrency MaxConcurrencyPath ToleratedFailureCount ToleratedFailureCountPath ToleratedFailurePercentage ToleratedFailurePercentagePath ItemReader ItemBatcher ResultWriter Label Retry Catch Arguments Output Assign",
}

// Fields that exist only in one query language
// (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
var jsonPathOnly = map[string]bool{"InputPath": true, "OutputPath": true, "ResultPath": true, "Parameters": true, "ResultSelector": true,
	"ItemsPath": true, "TimeoutSecondsPath": true, "HeartbeatSecondsPath": true, "SecondsPath": true, "TimestampPath": true,
	"ErrorPath": true, "CausePath": true, "MaxConcurrencyPath": true, "ToleratedFailureCountPath": true, "ToleratedFailurePercentagePath": true,
	"Iterator": true}
var jsonataOnly = map[string]bool{"Arguments": true, "Output": true, "Items": true}

func (l *loader) state(name string, obj map[string]any, loc, parentLang string) *State {
	s := &State{Name: name, QueryLanguage: parentLang}
	if text := encodeJSON(obj); strings.Contains(text, "$$") || strings.Contains(text, "context") || strings.Contains(text, "Token") {
		s.usesContext = true
	}
	typ, _ := obj["Type"].(string)
	s.Type = typ
	allowed, ok := stateFields[typ]
	if !ok {
		l.fail(loc+".Type", "unknown state type %q", typ)
		return s
	}
	if q, ok := obj["QueryLanguage"]; ok {
		qs, _ := q.(string)
		switch {
		case qs != langJSONPath && qs != langJSONata:
			l.fail(loc+".QueryLanguage", "must be %q or %q", langJSONPath, langJSONata)
		case parentLang == langJSONata && qs == langJSONPath:
			l.fail(loc+".QueryLanguage", "a state cannot use JSONPath when the state machine uses JSONata")
		}
		s.QueryLanguage = qs
	}
	fields := map[string]bool{"Type": true, "Comment": true, "QueryLanguage": true}
	for _, f := range strings.Fields(allowed) {
		fields[f] = true
	}
	for _, k := range sortedKeys(obj) {
		switch {
		case !fields[k]:
			l.fail(loc+"."+k, "unknown field for a %s state", typ)
		case s.QueryLanguage == langJSONata && jsonPathOnly[k]:
			l.fail(loc+"."+k, "field is not supported when QueryLanguage is JSONata")
		case s.QueryLanguage == langJSONPath && jsonataOnly[k]:
			l.fail(loc+"."+k, "field is only supported when QueryLanguage is JSONata")
		}
	}
	str := func(field string) string {
		v, ok := obj[field]
		if !ok {
			return ""
		}
		sv, ok := v.(string)
		if !ok {
			l.fail(loc+"."+field, "must be a string")
		}
		return sv
	}
	path := func(field string) optPath {
		v, ok := obj[field]
		if !ok {
			return optPath{}
		}
		if v == nil {
			return optPath{Set: true, Null: true}
		}
		sv, ok := v.(string)
		if !ok || !strings.HasPrefix(sv, "$") {
			l.fail(loc+"."+field, "must be a JSONPath starting with '$' or null")
		}
		return optPath{Set: true, Path: sv}
	}
	tmpl := func(field string) (any, bool) {
		v, ok := obj[field]
		return v, ok
	}
	s.Next = str("Next")
	if e, ok := obj["End"]; ok {
		b, isBool := e.(bool)
		if !isBool {
			l.fail(loc+".End", "must be a boolean")
		}
		s.End = b
	}
	switch typ {
	case "Choice", "Succeed", "Fail":
	default:
		switch {
		case s.Next == "" && !s.End:
			l.fail(loc, "missing Next or End: true")
		case s.Next != "" && s.End:
			l.fail(loc, "has both Next and End")
		}
	}
	s.InputPath, s.OutputPath, s.ResultPath = path("InputPath"), path("OutputPath"), path("ResultPath")
	s.Parameters, s.HasParameters = tmpl("Parameters")
	s.ResultSelector, s.HasResultSelector = tmpl("ResultSelector")
	s.Result, s.HasResult = tmpl("Result")
	s.Arguments, s.HasArguments = tmpl("Arguments")
	s.Output, s.HasOutput = tmpl("Output")
	s.Assign, s.HasAssign = tmpl("Assign")
	if s.HasAssign {
		if _, ok := s.Assign.(map[string]any); !ok && s.QueryLanguage == langJSONPath {
			l.fail(loc+".Assign", "must be a JSON object")
		}
	}
	if s.HasParameters {
		if _, ok := s.Parameters.(map[string]any); !ok && typ != "Pass" {
			l.fail(loc+".Parameters", "must be a JSON object")
		}
	}
	if typ == "Task" {
		s.Resource = str("Resource")
		l.resource(s, loc)
		if _, ok := obj["Credentials"]; ok {
			l.fail(loc+".Credentials", "cross-account Credentials are not supported by the local runtime; remove the field or run on AWS")
		}
	}
	s.TimeoutSeconds, _ = tmpl("TimeoutSeconds")
	s.TimeoutSecondsPath = str("TimeoutSecondsPath")
	s.HeartbeatSeconds, _ = tmpl("HeartbeatSeconds")
	s.HeartbeatSecondsPath = str("HeartbeatSecondsPath")
	if s.TimeoutSeconds != nil && s.TimeoutSecondsPath != "" {
		l.fail(loc, "has both TimeoutSeconds and TimeoutSecondsPath")
	}
	if s.HeartbeatSeconds != nil && s.HeartbeatSecondsPath != "" {
		l.fail(loc, "has both HeartbeatSeconds and HeartbeatSecondsPath")
	}
	for _, f := range []string{"TimeoutSeconds", "HeartbeatSeconds"} {
		if v, ok := obj[f]; ok {
			if _, isStr := v.(string); isStr && s.QueryLanguage == langJSONata {
				continue
			}
			if n, ok := asInt(v); !ok || n <= 0 {
				l.fail(loc+"."+f, "must be a positive integer")
			}
		}
	}
	if ts, ok := asInt(s.TimeoutSeconds); ok {
		if hs, ok := asInt(s.HeartbeatSeconds); ok && hs >= ts {
			l.fail(loc+".HeartbeatSeconds", "must be smaller than TimeoutSeconds")
		}
	}
	if r, ok := obj["Retry"]; ok {
		s.Retry = l.retriers(r, loc+".Retry")
	}
	if c, ok := obj["Catch"]; ok {
		s.Catch = l.catchers(c, loc+".Catch", s.QueryLanguage)
	}
	// Paths, templates, intrinsic calls and JSONata expressions are checked by expr.
	for _, te := range expr.ValidateState(obj, s.QueryLanguage) {
		l.fail(loc+"."+te.Field, "%s", te.Reason)
	}
	switch typ {
	case "Choice":
		cs, ok := obj["Choices"].([]any)
		if !ok || len(cs) == 0 {
			l.fail(loc+".Choices", "must be a non-empty array")
		}
		for i, c := range cs {
			s.Choices = append(s.Choices, l.choiceRule(c, fmt.Sprintf("%s.Choices[%d]", loc, i), s.QueryLanguage, true))
		}
		s.Default = str("Default")
	case "Wait":
		s.Seconds, s.HasSeconds = tmpl("Seconds")
		s.SecondsPath = str("SecondsPath")
		s.Timestamp, s.HasTimestamp = tmpl("Timestamp")
		s.TimestampPath = str("TimestampPath")
		n := 0
		for _, b := range []bool{s.HasSeconds, s.SecondsPath != "", s.HasTimestamp, s.TimestampPath != ""} {
			if b {
				n++
			}
		}
		if n != 1 {
			l.fail(loc, "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath")
		}
		if s.HasSeconds {
			if _, isStr := s.Seconds.(string); !(isStr && s.QueryLanguage == langJSONata) {
				if n, ok := asInt(s.Seconds); !ok || n < 0 {
					l.fail(loc+".Seconds", "must be a non-negative integer")
				}
			}
		}
	case "Fail":
		s.Error, s.HasError = tmpl("Error")
		s.Cause, s.HasCause = tmpl("Cause")
		s.ErrorPath, s.CausePath = str("ErrorPath"), str("CausePath")
		if s.HasError && s.ErrorPath != "" {
			l.fail(loc, "has both Error and ErrorPath")
		}
		if s.HasCause && s.CausePath != "" {
			l.fail(loc, "has both Cause and CausePath")
		}
	case "Parallel":
		bs, ok := obj["Branches"].([]any)
		if !ok || len(bs) == 0 {
			l.fail(loc+".Branches", "must be a non-empty array")
		}
		for i, b := range bs {
			bo, ok := b.(map[string]any)
			bloc := fmt.Sprintf("%s.Branches[%d]", loc, i)
			if !ok {
				l.fail(bloc, "a branch must be a JSON object")
				continue
			}
			s.Branches = append(s.Branches, l.definitionWith(bo, bloc, s.QueryLanguage, branchFields))
		}
	case "Map":
		l.mapState(s, obj, loc)
	}
	return s
}

func (l *loader) mapState(s *State, obj map[string]any, loc string) {
	for _, f := range []string{"ItemReader", "ResultWriter", "ItemBatcher"} {
		if _, ok := obj[f]; ok {
			l.fail(loc+"."+f, "distributed Map %s is not supported by the local runtime (no S3 or batching); use an inline Map over the state input", f)
		}
	}
	procField := "ItemProcessor"
	p, ok := obj["ItemProcessor"]
	if it, hasIt := obj["Iterator"]; hasIt {
		if ok {
			l.fail(loc, "has both ItemProcessor and Iterator")
		}
		p, ok, procField = it, true, "Iterator"
	}
	po, isObj := p.(map[string]any)
	if !ok || !isObj {
		l.fail(loc+".ItemProcessor", "missing or not a JSON object")
		return
	}
	ploc := loc + "." + procField
	s.Processor = l.definitionWith(po, ploc, s.QueryLanguage, processorFields)
	s.Processor.Mode = "INLINE"
	if pc, ok := po["ProcessorConfig"]; ok {
		pcm, ok := pc.(map[string]any)
		if !ok {
			l.fail(ploc+".ProcessorConfig", "must be a JSON object")
			return
		}
		for _, k := range sortedKeys(pcm) {
			switch k {
			case "Mode":
				m, _ := pcm[k].(string)
				if m != "INLINE" && m != "DISTRIBUTED" {
					l.fail(ploc+".ProcessorConfig.Mode", "must be INLINE or DISTRIBUTED")
				}
				s.Processor.Mode = m
			case "ExecutionType":
				e, _ := pcm[k].(string)
				if e != "STANDARD" && e != "EXPRESS" {
					l.fail(ploc+".ProcessorConfig.ExecutionType", "must be STANDARD or EXPRESS")
				}
				s.Processor.ExecutionType = e
			default:
				l.fail(ploc+".ProcessorConfig."+k, "unknown field")
			}
		}
	}
	s.Distributed = s.Processor.Mode == "DISTRIBUTED"
	if ip, ok := obj["ItemsPath"]; ok {
		sv, isStr := ip.(string)
		if !isStr || !strings.HasPrefix(sv, "$") {
			l.fail(loc+".ItemsPath", "must be a JSONPath starting with '$'")
		}
		s.ItemsPath = optPath{Set: true, Path: sv}
	}
	s.Items, s.HasItems = obj["Items"]
	s.ItemSelector, s.HasItemSelector = obj["ItemSelector"]
	if s.HasItemSelector && s.HasParameters {
		l.fail(loc, "has both ItemSelector and Parameters")
	}
	s.MaxConcurrency = obj["MaxConcurrency"]
	s.MaxConcurrencyPath, _ = obj["MaxConcurrencyPath"].(string)
	s.ToleratedFailureCount = obj["ToleratedFailureCount"]
	s.ToleratedFailureCountPath, _ = obj["ToleratedFailureCountPath"].(string)
	s.ToleratedFailurePercentage = obj["ToleratedFailurePercentage"]
	s.TolFailurePercentagePath, _ = obj["ToleratedFailurePercentagePath"].(string)
	s.Label, _ = obj["Label"].(string)
	if s.MaxConcurrency != nil {
		if _, isStr := s.MaxConcurrency.(string); !(isStr && s.QueryLanguage == langJSONata) {
			if n, ok := asInt(s.MaxConcurrency); !ok || n < 0 {
				l.fail(loc+".MaxConcurrency", "must be a non-negative integer")
			}
		}
	}
}

// resource checks a Task resource against the integrations the local runtime provides.
func (l *loader) resource(s *State, loc string) {
	r := s.Resource
	if r == "" {
		l.fail(loc+".Resource", "missing")
		return
	}
	if strings.HasPrefix(r, "{%") {
		return // JSONata expression, resolved at run time
	}
	if _, err := parseResource(r); err != nil {
		l.fail(loc+".Resource", "%v", err)
		return
	}
	if l.opts.FunctionKnown == nil {
		return
	}
	rs, _ := parseResource(r)
	fn := ""
	switch rs.kind {
	case resLambdaARN:
		fn = r
	case resLambdaInvoke:
		args := s.Parameters
		if s.QueryLanguage == langJSONata {
			args = s.Arguments
		}
		if m, ok := args.(map[string]any); ok {
			if name, ok := m["FunctionName"].(string); ok && !strings.Contains(name, "{%") {
				fn = name
			}
		}
	}
	if fn != "" && !l.opts.FunctionKnown(fn) {
		l.fail(loc+".Resource", "Lambda function %q is not registered with the local runtime", fn)
	}
}

func (l *loader) retriers(v any, loc string) []Retrier {
	arr, ok := v.([]any)
	if !ok {
		l.fail(loc, "must be an array")
		return nil
	}
	var out []Retrier
	for i, x := range arr {
		rloc := fmt.Sprintf("%s[%d]", loc, i)
		m, ok := x.(map[string]any)
		if !ok {
			l.fail(rloc, "must be a JSON object")
			continue
		}
		r := Retrier{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2}
		for _, k := range sortedKeys(m) {
			val := m[k]
			switch k {
			case "ErrorEquals":
				r.ErrorEquals = l.errorEquals(val, rloc+".ErrorEquals")
			case "IntervalSeconds":
				n, ok := asInt(val)
				if !ok || n < 1 {
					l.fail(rloc+"."+k, "must be a positive integer")
				}
				r.IntervalSeconds = n
			case "MaxAttempts":
				n, ok := asInt(val)
				if !ok || n < 0 {
					l.fail(rloc+"."+k, "must be a non-negative integer")
				}
				r.MaxAttempts = n
			case "BackoffRate":
				f, ok := asFloat(val)
				if !ok || f < 1 {
					l.fail(rloc+"."+k, "must be a number >= 1.0")
				}
				r.BackoffRate = f
			case "MaxDelaySeconds":
				n, ok := asInt(val)
				if !ok || n < 1 {
					l.fail(rloc+"."+k, "must be a positive integer")
				}
				r.MaxDelaySeconds = n
			case "JitterStrategy":
				j, _ := val.(string)
				if j != "FULL" && j != "NONE" {
					l.fail(rloc+"."+k, "must be FULL or NONE")
				}
				r.JitterFull = j == "FULL"
			case "Comment":
			default:
				l.fail(rloc+"."+k, "unknown field")
			}
		}
		out = append(out, r)
	}
	return out
}

func (l *loader) catchers(v any, loc, lang string) []Catcher {
	arr, ok := v.([]any)
	if !ok {
		l.fail(loc, "must be an array")
		return nil
	}
	var out []Catcher
	for i, x := range arr {
		cloc := fmt.Sprintf("%s[%d]", loc, i)
		m, ok := x.(map[string]any)
		if !ok {
			l.fail(cloc, "must be a JSON object")
			continue
		}
		var c Catcher
		for _, k := range sortedKeys(m) {
			val := m[k]
			switch k {
			case "ErrorEquals":
				c.ErrorEquals = l.errorEquals(val, cloc+".ErrorEquals")
			case "Next":
				c.Next, _ = val.(string)
			case "ResultPath":
				if lang == langJSONata {
					l.fail(cloc+"."+k, "field is not supported when QueryLanguage is JSONata")
				}
				if val == nil {
					c.ResultPath = optPath{Set: true, Null: true}
				} else if sv, ok := val.(string); ok && strings.HasPrefix(sv, "$") {
					c.ResultPath = optPath{Set: true, Path: sv}
				} else {
					l.fail(cloc+"."+k, "must be a JSONPath starting with '$' or null")
				}
			case "Output":
				if lang != langJSONata {
					l.fail(cloc+"."+k, "field is only supported when QueryLanguage is JSONata")
				}
				c.Output, c.HasOutput = val, true
			case "Assign":
				c.Assign, c.HasAssign = val, true
			case "Comment":
			default:
				l.fail(cloc+"."+k, "unknown field")
			}
		}
		if c.Next == "" {
			l.fail(cloc+".Next", "missing")
		}
		out = append(out, c)
	}
	return out
}

func (l *loader) errorEquals(v any, loc string) []string {
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		l.fail(loc, "must be a non-empty array of error names")
		return nil
	}
	var out []string
	for i, x := range arr {
		s, ok := x.(string)
		if !ok {
			l.fail(fmt.Sprintf("%s[%d]", loc, i), "must be a string")
		}
		if s == "States.ALL" && len(arr) > 1 {
			l.fail(loc, "States.ALL must appear alone")
		}
		out = append(out, s)
	}
	return out
}

// Comparison operators of a Choice rule
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html).
var choiceOperators = map[string]bool{}

func init() {
	for _, base := range []string{"StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals", "StringGreaterThanEquals",
		"NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals", "NumericGreaterThanEquals",
		"BooleanEquals", "TimestampEquals", "TimestampLessThan", "TimestampGreaterThan", "TimestampLessThanEquals", "TimestampGreaterThanEquals"} {
		choiceOperators[base] = true
		choiceOperators[base+"Path"] = true
	}
	for _, op := range []string{"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp", "StringMatches"} {
		choiceOperators[op] = true
	}
}

func (l *loader) choiceRule(v any, loc, lang string, top bool) *ChoiceRule {
	m, ok := v.(map[string]any)
	r := &ChoiceRule{}
	if !ok {
		l.fail(loc, "must be a JSON object")
		return r
	}
	for _, k := range sortedKeys(m) {
		val := m[k]
		switch {
		case k == "Comment":
		case k == "Next" && top:
			r.Next, _ = val.(string)
		case k == "Assign" && top:
			r.Assign, r.HasAssign = val, true
		case k == "Output" && top && lang == langJSONata:
			r.Output, r.HasOutput = val, true
		case k == "Condition" && lang == langJSONata:
			r.Condition, r.HasCond = val, true
		case lang == langJSONata:
			l.fail(loc+"."+k, "unknown field for a JSONata Choice rule (use Condition)")
		case k == "Variable":
			sv, ok := val.(string)
			if !ok || !strings.HasPrefix(sv, "$") {
				l.fail(loc+"."+k, "must be a JSONPath starting with '$'")
			}
			r.Variable = sv
		case k == "And" || k == "Or":
			arr, ok := val.([]any)
			if !ok || len(arr) == 0 {
				l.fail(loc+"."+k, "must be a non-empty array")
			}
			var rules []*ChoiceRule
			for i, x := range arr {
				rules = append(rules, l.choiceRule(x, fmt.Sprintf("%s.%s[%d]", loc, k, i), lang, false))
			}
			if k == "And" {
				r.And = rules
			} else {
				r.Or = rules
			}
			r.Operator = k
		case k == "Not":
			r.Not = l.choiceRule(val, loc+".Not", lang, false)
			r.Operator = k
		case choiceOperators[k]:
			if r.Operator != "" {
				l.fail(loc+"."+k, "a Choice rule has exactly one comparison operator (also has %s)", r.Operator)
			}
			r.Operator, r.Operand = k, val
			if strings.HasSuffix(k, "Path") {
				if sv, ok := val.(string); !ok || !strings.HasPrefix(sv, "$") {
					l.fail(loc+"."+k, "must be a JSONPath starting with '$'")
				}
			}
		default:
			l.fail(loc+"."+k, "unknown field for a Choice rule")
		}
	}
	if top && r.Next == "" {
		l.fail(loc+".Next", "missing")
	}
	if lang == langJSONata {
		if !r.HasCond {
			l.fail(loc+".Condition", "missing")
		}
		return r
	}
	switch r.Operator {
	case "":
		l.fail(loc, "missing a comparison operator")
	case "And", "Or", "Not":
	default:
		if r.Variable == "" {
			l.fail(loc+".Variable", "missing")
		}
	}
	return r
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// asInt reads an integral JSON number.
func asInt(v any) (int, bool) {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i), true
		}
		f, err := t.Float64()
		if err == nil && f == math.Trunc(f) && !strings.ContainsAny(string(t), ".") && math.Abs(f) < 1<<53 {
			return int(f), true
		}
	case float64:
		if t == math.Trunc(t) {
			return int(t), true
		}
	case int:
		return t, true
	case int64:
		return int(t), true
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return f, err == nil
	case float64:
		return t, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	}
	return 0, false
}

// historyHint is the history capacity a new execution starts with: an entered and an exited
// event per state plus the start and end, capped, so a straight run never grows its slice.
func (d *Definition) historyHint() int { return min(2*len(d.States)+2, 64) }
