package main

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/local/server"
)

// TestTemplateMatchesLocalRuntime reads both sides: what `dealflow serve` loads (local/server's
// own loader: state machines, rules, schedules) and what the template deploys.
func TestTemplateMatchesLocalRuntime(t *testing.T) {
	for _, c := range []synthCase{repoCase(), previewCase()} {
		t.Run(c.name, func(t *testing.T) {
			s := synth(t, c)
			root := c.root
			if r, ok := synthRoots[c.name]; ok {
				root = r
			}
			p, probs := server.LoadProject(root)
			if len(probs) > 0 {
				t.Fatalf("the local runtime cannot load %s:\n%v", root, probs)
			}
			var machines, rules, scheds []string
			for name := range p.Machines {
				machines = append(machines, name)
			}
			for _, r := range p.Rules {
				rules = append(rules, r.Name)
			}
			for _, j := range p.Schedules {
				scheds = append(scheds, j.Def.Name)
			}
			got := templateSets(s.tmpl, c.stage)
			var fileScheds []string // digest schedules come from the org file, not events/schedules
			for _, n := range got.schedules {
				if !strings.HasPrefix(n, "digest-") {
					fileScheds = append(fileScheds, n)
				}
			}
			for _, k := range []struct {
				what         string
				local, stack []string
			}{
				{"state machines", machines, got.stateMachines},
				{"rules", rules, got.rules},
				{"schedules", scheds, fileScheds},
			} {
				sort.Strings(k.local)
				if !reflect.DeepEqual(nonNil(k.local), nonNil(k.stack)) {
					t.Errorf("%s: the local runtime loads %q, the stack deploys %q", k.what, k.local, k.stack)
				}
			}
		})
	}
}
