package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Rule is one events/rules/*.json file: an EventBridge rule on the dealflow bus with its targets.
// Field names follow the EventBridge API (PutRule, PutTargets) so the files read like AWS docs.
type Rule struct {
	File         string          `json:"-"`
	Name         string          `json:"Name"`
	Description  string          `json:"Description,omitempty"`
	EventPattern json.RawMessage `json:"EventPattern"`
	State        string          `json:"State,omitempty"`
	Targets      []Target        `json:"Targets"`
}

// Target is a rule target. Exactly one of StateMachine or Function names what it invokes; at most
// one of Input, InputPath, InputTransformer shapes what it receives.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_Target.html
type Target struct {
	ID               string            `json:"Id"`
	StateMachine     string            `json:"StateMachine,omitempty"`
	Function         string            `json:"Function,omitempty"`
	Input            json.RawMessage   `json:"Input,omitempty"`
	InputPath        string            `json:"InputPath,omitempty"`
	InputTransformer *InputTransformer `json:"InputTransformer,omitempty"`
	RetryPolicy      *RetryPolicy      `json:"RetryPolicy,omitempty"`
	DeadLetter       bool              `json:"DeadLetter,omitempty"`
}

// InputTransformer mirrors the EventBridge InputTransformer.
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
type InputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

// RetryPolicy mirrors the EventBridge/Scheduler RetryPolicy.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html
type RetryPolicy struct {
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
}

// Defaults EventBridge applies when a target has no RetryPolicy: 24 hours and 185 attempts.
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
const (
	DefaultMaxRetryAttempts = 185
	DefaultMaxEventAge      = 24 * time.Hour
)

// Attempts returns the effective retry limits of p (nil means the AWS defaults).
func (p *RetryPolicy) Limits() (attempts int, maxAge time.Duration) {
	attempts, maxAge = DefaultMaxRetryAttempts, DefaultMaxEventAge
	if p != nil && p.MaximumRetryAttempts != nil {
		attempts = *p.MaximumRetryAttempts
	}
	if p != nil && p.MaximumEventAgeInSeconds != nil {
		maxAge = time.Duration(*p.MaximumEventAgeInSeconds) * time.Second
	}
	return attempts, maxAge
}

// Schedule is one events/schedules/*.json file, in EventBridge Scheduler's CreateSchedule shape.
// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
type Schedule struct {
	File                       string             `json:"-"`
	Name                       string             `json:"Name"`
	Description                string             `json:"Description,omitempty"`
	ScheduleExpression         string             `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string             `json:"ScheduleExpressionTimezone,omitempty"`
	FlexibleTimeWindow         FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	StartDate                  *time.Time         `json:"StartDate,omitempty"`
	EndDate                    *time.Time         `json:"EndDate,omitempty"`
	State                      string             `json:"State,omitempty"`
	Target                     ScheduleTarget     `json:"Target"`
	// CatchUp is local-only: "latest" fires once for the most recent slot missed while the
	// process was down. AWS never replays missed slots, so the CDK stack ignores it.
	CatchUp string `json:"CatchUp,omitempty"`
}

type FlexibleTimeWindow struct {
	Mode                   string `json:"Mode"`
	MaximumWindowInMinutes int    `json:"MaximumWindowInMinutes,omitempty"`
}

type ScheduleTarget struct {
	StateMachine string          `json:"StateMachine,omitempty"`
	Function     string          `json:"Function,omitempty"`
	Input        json.RawMessage `json:"Input,omitempty"`
	RetryPolicy  *RetryPolicy    `json:"RetryPolicy,omitempty"`
	DeadLetter   bool            `json:"DeadLetter,omitempty"`
}

// Location returns the schedule's time zone (UTC when unset).
func (s *Schedule) Location() (*time.Location, error) {
	if s.ScheduleExpressionTimezone == "" || s.ScheduleExpressionTimezone == "UTC" {
		return time.UTC, nil
	}
	return time.LoadLocation(s.ScheduleExpressionTimezone)
}

// Problem is one thing wrong with a file, printed as `file: path: message`.
type Problem struct {
	File, Path, Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return fmt.Sprintf("%s: %s", p.File, p.Message)
	}
	return fmt.Sprintf("%s: %s: %s", p.File, p.Path, p.Message)
}

// Problems is a list of problems that is also an error.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Names that AWS accepts for rules and schedules.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
var (
	ruleNameRE     = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
	scheduleNameRE = regexp.MustCompile(`^[0-9a-zA-Z\-_.]{1,64}$`)
	targetIDRE     = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)
	resourceNameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
)

// LoadRules reads every *.json file in dir (sorted by name) as a Rule. Shape problems are
// collected for all files; the event patterns themselves are checked by the pattern compiler.
func LoadRules(dir string) ([]Rule, Problems) {
	return loadDir(dir, "rule", ParseRule, func(r Rule) string { return r.Name })
}

// LoadSchedules reads every *.json file in dir (sorted by name) as a Schedule.
func LoadSchedules(dir string) ([]Schedule, Problems) {
	return loadDir(dir, "schedule", ParseSchedule, func(s Schedule) string { return s.Name })
}

// loadDir parses every *.json file of dir, collecting every problem, and rejects a name that two
// files define.
func loadDir[T any](dir, kind string, parse func(string, []byte) (T, Problems), name func(T) string) ([]T, Problems) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, Problems{{File: dir, Message: err.Error()}}
	}
	sort.Strings(files)
	var out []T
	var probs Problems
	seen := map[string]string{}
	for _, f := range files {
		v, ps := parse(f, mustRead(f, &probs))
		probs = append(probs, ps...)
		if len(ps) > 0 {
			continue
		}
		if other, dup := seen[name(v)]; dup {
			probs = append(probs, Problem{f, "Name", fmt.Sprintf("%s %q is already defined in %s", kind, name(v), other)})
			continue
		}
		seen[name(v)] = f
		out = append(out, v)
	}
	return out, probs
}

func mustRead(f string, probs *Problems) []byte {
	b, err := os.ReadFile(f)
	if err != nil {
		*probs = append(*probs, Problem{File: f, Message: err.Error()})
	}
	return b
}

// ParseRule decodes and checks one rule file.
func ParseRule(file string, data []byte) (Rule, Problems) {
	var r Rule
	if ps := strictDecode(file, data, &r); len(ps) > 0 {
		return r, ps
	}
	r.File = file
	var ps Problems
	add := func(path, format string, a ...any) { ps = append(ps, Problem{file, path, fmt.Sprintf(format, a...)}) }
	if !ruleNameRE.MatchString(r.Name) {
		add("Name", "must be 1-64 characters of letters, digits, '.', '-' or '_' (got %q)", r.Name)
	}
	if len(bytes.TrimSpace(r.EventPattern)) == 0 || r.EventPattern[0] != '{' {
		add("EventPattern", "is required and must be a JSON object")
	}
	switch r.State {
	case "", "ENABLED", "DISABLED":
	default:
		add("State", "must be ENABLED or DISABLED (got %q)", r.State)
	}
	// PutTargets allows at most 5 targets per rule.
	// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html
	if len(r.Targets) == 0 || len(r.Targets) > 5 {
		add("Targets", "a rule needs 1 to 5 targets (got %d)", len(r.Targets))
	}
	ids := map[string]bool{}
	for i, t := range r.Targets {
		p := fmt.Sprintf("Targets[%d]", i)
		if !targetIDRE.MatchString(t.ID) {
			add(p+".Id", "must be 1-64 characters of letters, digits, '.', '-' or '_' (got %q)", t.ID)
		} else if ids[t.ID] {
			add(p+".Id", "duplicate target id %q", t.ID)
		}
		ids[t.ID] = true
		checkResource(add, p, t.StateMachine, t.Function)
		n := 0
		if len(t.Input) > 0 {
			n++
			if !json.Valid(t.Input) {
				add(p+".Input", "is not valid JSON")
			}
		}
		if t.InputPath != "" {
			n++
			if !strings.HasPrefix(t.InputPath, "$") {
				add(p+".InputPath", "must be a JSONPath starting with $ (got %q)", t.InputPath)
			}
		}
		if t.InputTransformer != nil {
			n++
			checkTransformer(add, p+".InputTransformer", t.InputTransformer)
		}
		if n > 1 {
			add(p, "use only one of Input, InputPath and InputTransformer")
		}
		checkRetry(add, p+".RetryPolicy", t.RetryPolicy)
	}
	return r, ps
}

// ParseSchedule decodes and checks one schedule file. The expression itself is checked by the
// schedule parser (local/schedule), which the validate command runs on top.
func ParseSchedule(file string, data []byte) (Schedule, Problems) {
	var s Schedule
	if ps := strictDecode(file, data, &s); len(ps) > 0 {
		return s, ps
	}
	s.File = file
	var ps Problems
	add := func(path, format string, a ...any) { ps = append(ps, Problem{file, path, fmt.Sprintf(format, a...)}) }
	if !scheduleNameRE.MatchString(s.Name) {
		add("Name", "must be 1-64 characters of letters, digits, '.', '-' or '_' (got %q)", s.Name)
	}
	if s.ScheduleExpression == "" {
		add("ScheduleExpression", "is required: cron(...), rate(...) or at(...)")
	}
	if _, err := s.Location(); err != nil {
		add("ScheduleExpressionTimezone", "unknown time zone %q", s.ScheduleExpressionTimezone)
	}
	switch s.FlexibleTimeWindow.Mode {
	case "OFF":
		if s.FlexibleTimeWindow.MaximumWindowInMinutes != 0 {
			add("FlexibleTimeWindow.MaximumWindowInMinutes", "must be omitted when Mode is OFF")
		}
	case "FLEXIBLE":
		if w := s.FlexibleTimeWindow.MaximumWindowInMinutes; w < 1 || w > 1440 {
			add("FlexibleTimeWindow.MaximumWindowInMinutes", "must be 1 to 1440 when Mode is FLEXIBLE (got %d)", w)
		}
	default:
		add("FlexibleTimeWindow.Mode", "must be OFF or FLEXIBLE (got %q)", s.FlexibleTimeWindow.Mode)
	}
	if s.StartDate != nil && s.EndDate != nil && !s.EndDate.After(*s.StartDate) {
		add("EndDate", "must be after StartDate")
	}
	switch s.State {
	case "", "ENABLED", "DISABLED":
	default:
		add("State", "must be ENABLED or DISABLED (got %q)", s.State)
	}
	switch s.CatchUp {
	case "", "latest":
	default:
		add("CatchUp", `must be "latest" or omitted (got %q)`, s.CatchUp)
	}
	checkResource(add, "Target", s.Target.StateMachine, s.Target.Function)
	if len(s.Target.Input) > 0 && !json.Valid(s.Target.Input) {
		add("Target.Input", "is not valid JSON")
	}
	checkRetry(add, "Target.RetryPolicy", s.Target.RetryPolicy)
	return s, ps
}

func checkResource(add func(string, string, ...any), p, sm, fn string) {
	switch {
	case sm == "" && fn == "":
		add(p, "needs StateMachine or Function")
	case sm != "" && fn != "":
		add(p, "use StateMachine or Function, not both")
	case sm != "" && !resourceNameRE.MatchString(sm):
		add(p+".StateMachine", "must be a kebab-case name matching statemachines/<name>.asl.json (got %q)", sm)
	case fn != "" && !resourceNameRE.MatchString(fn):
		add(p+".Function", "must be a kebab-case function name (got %q)", fn)
	}
}

// InputTransformer limits: at most 100 paths, keys of letters, digits, '_' and '-'.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html
var pathKeyRE = regexp.MustCompile(`^[A-Za-z0-9_\-]+$`)

func checkTransformer(add func(string, string, ...any), p string, it *InputTransformer) {
	if it.InputTemplate == "" {
		add(p+".InputTemplate", "is required")
	}
	if len(it.InputPathsMap) > 100 {
		add(p+".InputPathsMap", "at most 100 entries (got %d)", len(it.InputPathsMap))
	}
	keys := make([]string, 0, len(it.InputPathsMap))
	for k := range it.InputPathsMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !pathKeyRE.MatchString(k) {
			add(p+".InputPathsMap."+k, "keys may hold only letters, digits, '_' and '-'")
		}
		if v := it.InputPathsMap[k]; !strings.HasPrefix(v, "$") {
			add(p+".InputPathsMap."+k, "must be a JSONPath starting with $ (got %q)", v)
		}
	}
	for _, m := range placeholderRE.FindAllStringSubmatch(it.InputTemplate, -1) {
		if _, ok := it.InputPathsMap[m[1]]; !ok && !strings.HasPrefix(m[1], "aws.events.") {
			add(p+".InputTemplate", "placeholder <%s> is not in InputPathsMap", m[1])
		}
	}
}

var placeholderRE = regexp.MustCompile(`<([A-Za-z0-9_.\-]+)>`)

// RetryPolicy ranges: 0-185 attempts, 60-86400 seconds.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html
func checkRetry(add func(string, string, ...any), p string, rp *RetryPolicy) {
	if rp == nil {
		return
	}
	if a := rp.MaximumRetryAttempts; a != nil && (*a < 0 || *a > 185) {
		add(p+".MaximumRetryAttempts", "must be 0 to 185 (got %d)", *a)
	}
	if s := rp.MaximumEventAgeInSeconds; s != nil && (*s < 60 || *s > 86400) {
		add(p+".MaximumEventAgeInSeconds", "must be 60 to 86400 (got %d)", *s)
	}
}

// strictDecode rejects unknown fields and reports JSON errors with the file name.
func strictDecode(file string, data []byte, v any) Problems {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		var se *json.SyntaxError
		if errorsAs(err, &se) {
			line, col := lineCol(data, se.Offset-1) // Offset counts the offending byte
			msg = fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, se.Error())
		}
		msg = strings.TrimPrefix(msg, "json: ")
		return Problems{{File: file, Message: msg}}
	}
	if dec.More() {
		return Problems{{File: file, Message: "unexpected data after the JSON object"}}
	}
	return nil
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}
