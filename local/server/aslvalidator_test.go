package server

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestProjectStateMachinesAgreeWithASLValidator checks that every statemachines/*.asl.json that the
// engine loads is also valid for the reference validator (npm asl-validator), so a file that runs
// locally deploys on AWS.
func TestProjectStateMachinesAgreeWithASLValidator(t *testing.T) {
	bin := filepath.Join(os.Getenv("DEALFLOW_TOOLS"), "asl-validator")
	if os.Getenv("DEALFLOW_TOOLS") == "" {
		bin = "../../tools/node_modules/.bin/asl-validator"
	}
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("asl-validator is missing (%v): make test installs it with npm ci in tools/", err)
		}
		t.Skipf("asl-validator not installed (%v); run make tools", err)
	}
	p, probs := LoadProject("../..")
	if len(probs) > 0 {
		t.Fatalf("the engine rejects the project's files:\n%v", probs)
	}
	if len(p.Files) == 0 {
		t.Fatal("no state machines found")
	}
	for name, file := range p.Files {
		out, err := exec.Command(bin, "--json-path", filepath.Join("../..", file)).CombinedOutput()
		if err != nil {
			t.Errorf("%s (%s): asl-validator rejects it: %v\n%s", name, file, err, out)
		}
	}
}
