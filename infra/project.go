package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/dealflow/dealflow/shared/events"
)

// Project is everything the stack is built from, read from the repository's own folders: the
// same files the local runtime loads (statemachines/, events/, functions/, the org file).
type Project struct {
	Root          string
	StateMachines []StateMachineFile
	Rules         []events.Rule
	Schedules     []events.Schedule
	Functions     []string // functions/<name>/main.go, sorted
	Routes        []Route
	Org           OrgSettings
}

// StateMachineFile is one statemachines/<name>.asl.json.
type StateMachineFile struct {
	Name         string
	File         string
	Definition   string
	Placeholders []string // sorted, unique
	Resources    []string // every Task "Resource" value, sorted, unique
	MaxWaitSecs  int      // largest literal Wait "Seconds", for the Express 5-minute limit
}

// Route is one HTTP API route: METHOD + path served by one function (shared route table).
type Route struct {
	Method   string
	Path     string
	Function string
	Auth     string // how the handler authenticates callers (httpapi.Route.Auth)
}

// RouteKey is the API Gateway v2 route key, e.g. "POST /v1/leads".
func (r Route) RouteKey() string { return r.Method + " " + r.Path }

var placeholderRE = regexp.MustCompile(`\$\{([^}]*)\}`)

// LoadProject reads root's statemachines/, events/rules, events/schedules and functions/ and the
// route table. Every problem in every file is reported, not just the first.
func LoadProject(root string, routes []Route) (*Project, error) {
	p := &Project{Root: root, Routes: routes}
	var errs []error

	files, err := filepath.Glob(filepath.Join(root, "statemachines", "*.asl.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		sm, err := readStateMachine(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.StateMachines = append(p.StateMachines, sm)
	}

	rules, probs := events.LoadRules(filepath.Join(root, "events", "rules"))
	if len(probs) > 0 {
		errs = append(errs, probs)
	}
	p.Rules = rules
	scheds, probs := events.LoadSchedules(filepath.Join(root, "events", "schedules"))
	if len(probs) > 0 {
		errs = append(errs, probs)
	}
	p.Schedules = scheds

	mains, err := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if err != nil {
		return nil, err
	}
	for _, m := range mains {
		p.Functions = append(p.Functions, filepath.Base(filepath.Dir(m)))
	}
	sort.Strings(p.Functions)

	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

func readStateMachine(file string) (StateMachineFile, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return StateMachineFile{}, err
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return StateMachineFile{}, fmt.Errorf("%s: invalid JSON: %w", file, err)
	}
	sm := StateMachineFile{
		Name:       strings.TrimSuffix(filepath.Base(file), ".asl.json"),
		File:       file,
		Definition: string(data),
	}
	seen := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(sm.Definition, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			sm.Placeholders = append(sm.Placeholders, m[1])
		}
	}
	sort.Strings(sm.Placeholders)
	res := map[string]bool{}
	walkStates(doc, func(state map[string]any) {
		if r, ok := state["Resource"].(string); ok {
			res[r] = true
		}
		if state["Type"] == "Wait" {
			if s, ok := state["Seconds"].(float64); ok && int(s) > sm.MaxWaitSecs {
				sm.MaxWaitSecs = int(s)
			}
			// A timestamp or path-driven wait can be arbitrarily long.
			for _, k := range []string{"SecondsPath", "Timestamp", "TimestampPath"} {
				if _, ok := state[k]; ok {
					sm.MaxWaitSecs = 1 << 30
				}
			}
			if s, ok := state["Seconds"].(string); ok && s != "" { // JSONata expression
				sm.MaxWaitSecs = 1 << 30
			}
		}
	})
	for r := range res {
		sm.Resources = append(sm.Resources, r)
	}
	sort.Strings(sm.Resources)
	return sm, nil
}

// walkStates calls fn for every object under a "States" map, at any depth (Parallel branches,
// Map item processors), so nested Task resources count too.
func walkStates(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if states, ok := x["States"].(map[string]any); ok {
			for _, s := range states {
				if m, ok := s.(map[string]any); ok {
					fn(m)
				}
			}
		}
		for _, c := range x {
			walkStates(c, fn)
		}
	case []any:
		for _, c := range x {
			walkStates(c, fn)
		}
	}
}

// StateMachine returns the named state machine file, if present.
func (p *Project) StateMachine(name string) (StateMachineFile, bool) {
	for _, sm := range p.StateMachines {
		if sm.Name == name {
			return sm, true
		}
	}
	return StateMachineFile{}, false
}

// HasFunction reports whether functions/<name>/main.go exists.
func (p *Project) HasFunction(name string) bool {
	i := sort.SearchStrings(p.Functions, name)
	return i < len(p.Functions) && p.Functions[i] == name
}

// Check cross-references every file against the others: a placeholder, rule target, schedule
// target or route naming something that does not exist is an error naming the file and field.
func (p *Project) Check() error {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, sm := range p.StateMachines {
		for _, ph := range sm.Placeholders {
			if _, err := p.resolvePlaceholder(ph); err != nil {
				fail("%s: ${%s}: %v", sm.File, ph, err)
			}
		}
	}
	target := func(file, path, smName, fn string) {
		if smName != "" {
			if _, ok := p.StateMachine(smName); !ok {
				fail("%s: %s.StateMachine: no statemachines/%s.asl.json", file, path, smName)
			}
		}
		if fn != "" && !p.HasFunction(fn) {
			fail("%s: %s.Function: no functions/%s/main.go", file, path, fn)
		}
	}
	for _, r := range p.Rules {
		for i, t := range r.Targets {
			target(r.File, fmt.Sprintf("Targets[%d]", i), t.StateMachine, t.Function)
		}
	}
	for _, s := range p.Schedules {
		target(s.File, "Target", s.Target.StateMachine, s.Target.Function)
	}
	if _, ok := p.StateMachine(DigestStateMachine); !ok && len(p.Org.Digests) > 0 {
		fail("%s: digests: digest schedules need statemachines/%s.asl.json", p.Org.File, DigestStateMachine)
	}
	seen := map[string]bool{}
	for _, r := range p.Routes {
		if seen[r.RouteKey()] {
			fail("route table: %q is listed twice", r.RouteKey())
		}
		seen[r.RouteKey()] = true
		if !p.HasFunction(r.Function) {
			fail("route table: %s: no functions/%s/main.go", r.RouteKey(), r.Function)
		}
	}
	return errors.Join(errs...)
}

// placeholderKind says what a ${Placeholder} stands for.
type placeholderKind int

const (
	phFunction placeholderKind = iota
	phStateMachine
	phEventBus
)

type placeholder struct {
	Kind placeholderKind
	Name string // function or state machine name
}

// resolvePlaceholder maps "QualifyLeadFunctionArn" to the function "qualify-lead" (and the same
// for state machines) by comparing against the names that exist, so no casing rule is guessed.
func (p *Project) resolvePlaceholder(ph string) (placeholder, error) {
	if ph == events.EventBusPlaceholder {
		return placeholder{Kind: phEventBus}, nil
	}
	switch {
	case strings.HasSuffix(ph, "FunctionArn"):
		for _, fn := range p.Functions {
			if events.FunctionPlaceholder(fn) == ph {
				return placeholder{phFunction, fn}, nil
			}
		}
		return placeholder{}, fmt.Errorf("no function for this placeholder: expected functions/<name>/main.go with PascalCase(name) = %q", strings.TrimSuffix(ph, "FunctionArn"))
	case strings.HasSuffix(ph, "StateMachineArn"):
		for _, sm := range p.StateMachines {
			if events.StateMachinePlaceholder(sm.Name) == ph {
				return placeholder{phStateMachine, sm.Name}, nil
			}
		}
		return placeholder{}, fmt.Errorf("no state machine for this placeholder: expected statemachines/<name>.asl.json with PascalCase(name) = %q", strings.TrimSuffix(ph, "StateMachineArn"))
	}
	return placeholder{}, fmt.Errorf("unknown placeholder: use ${<Name>FunctionArn}, ${<Name>StateMachineArn} or ${%s}", events.EventBusPlaceholder)
}
