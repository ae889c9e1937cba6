package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dealflow/dealflow/local/eventbus/pattern"
	"github.com/dealflow/dealflow/local/schedule"
	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/registry"
)

// Project is what statemachines/ and events/ define, checked and ready to wire.
type Project struct {
	Root      string
	Machines  map[string][]byte // name → definition with local ARNs substituted
	Files     map[string]string // name → file
	Rules     []events.Rule
	Schedules []schedule.Job
	Functions []string // the handler registry's function names, sorted
}

// LoadProject reads and checks statemachines/*.asl.json, events/rules and events/schedules
// against the handler registry: every placeholder resolves, every definition is valid ASL, every
// pattern compiles, every target names a state machine or function that exists, every schedule
// expression parses. All problems are returned, one `file: path: message` line each.
func LoadProject(root string) (*Project, Problems) {
	p := &Project{Root: root, Machines: map[string][]byte{}, Files: map[string]string{}}
	var probs Problems
	_, p.Functions = registry.Table()
	known := func(nameOrARN string) bool {
		n := nameOrARN[strings.LastIndex(nameOrARN, ":")+1:]
		i := sort.SearchStrings(p.Functions, n)
		return i < len(p.Functions) && p.Functions[i] == n
	}

	files, err := filepath.Glob(filepath.Join(root, "statemachines", "*.asl.json"))
	if err != nil {
		return nil, Problems{err.Error()}
	}
	sort.Strings(files)
	names := map[string]string{events.EventBusPlaceholder: events.BusName}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".asl.json")
		names[events.StateMachinePlaceholder(name)] = fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", Region, Account, name)
	}
	for _, fn := range p.Functions {
		names[events.FunctionPlaceholder(fn)] = FunctionARN(fn)
	}
	for _, f := range files {
		rel := relPath(root, f)
		raw, err := os.ReadFile(f)
		if err != nil {
			probs = append(probs, fmt.Sprintf("%s: %v", rel, err))
			continue
		}
		def, missing := events.Substitute(raw, func(n string) (string, bool) { v, ok := names[n]; return v, ok })
		for _, m := range missing {
			probs = append(probs, fmt.Sprintf("%s: ${%s}: unknown placeholder (no function, state machine or bus of that name)", rel, m))
		}
		if len(missing) > 0 {
			continue
		}
		if _, err := sfn.Parse(def, sfn.LoadOptions{File: rel, FunctionKnown: known}); err != nil {
			var ve *sfn.ValidationError
			if errors.As(err, &ve) {
				probs = append(probs, ve.Error())
			} else {
				probs = append(probs, fmt.Sprintf("%s: %v", rel, err))
			}
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".asl.json")
		p.Machines[name] = def
		p.Files[name] = rel
	}

	rules, rp := events.LoadRules(filepath.Join(root, "events", "rules"))
	for _, x := range rp {
		probs = append(probs, relProblem(root, x))
	}
	for _, r := range rules {
		if _, err := pattern.Compile(r.EventPattern); err != nil {
			probs = append(probs, relProblem(root, events.Problem{File: r.File, Path: "EventPattern", Message: err.Error()}))
		}
		for i, t := range r.Targets {
			if msg := p.missingTarget(t.StateMachine, t.Function, files); msg != "" {
				probs = append(probs, relProblem(root, events.Problem{File: r.File, Path: fmt.Sprintf("Targets[%d]", i), Message: msg}))
			}
		}
	}
	p.Rules = rules
	scheds, sp := events.LoadSchedules(filepath.Join(root, "events", "schedules"))
	for _, x := range sp {
		probs = append(probs, relProblem(root, x))
	}
	jobs, jp := schedule.NewJobs(scheds)
	for _, x := range jp {
		probs = append(probs, relProblem(root, x))
	}
	for _, s := range scheds {
		if msg := p.missingTarget(s.Target.StateMachine, s.Target.Function, files); msg != "" {
			probs = append(probs, relProblem(root, events.Problem{File: s.File, Path: "Target", Message: msg}))
		}
	}
	p.Schedules = jobs
	return p, probs
}

func (p *Project) missingTarget(sm, fn string, files []string) string {
	if sm != "" {
		for _, f := range files {
			if strings.TrimSuffix(filepath.Base(f), ".asl.json") == sm {
				return ""
			}
		}
		return fmt.Sprintf("unknown state machine %q (no statemachines/%s.asl.json)", sm, sm)
	}
	if fn != "" {
		i := sort.SearchStrings(p.Functions, fn)
		if i < len(p.Functions) && p.Functions[i] == fn {
			return ""
		}
		return fmt.Sprintf("unknown function %q (not in the handler registry: %s)", fn, strings.Join(p.Functions, ", "))
	}
	return ""
}

// Summary says what the project holds, for `dealflow validate`.
func (p *Project) Summary() string {
	return fmt.Sprintf("%d state machines, %d rules, %d schedules, %d functions", len(p.Machines), len(p.Rules), len(p.Schedules), len(p.Functions))
}

func relPath(root, f string) string {
	if r, err := filepath.Rel(root, f); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return f
}

func relProblem(root string, x events.Problem) string {
	x.File = relPath(root, x.File)
	return x.String()
}
