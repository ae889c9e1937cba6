package server

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/dealflow/dealflow/internal/testenv"
)

// TestProjectStateMachinesAgreeWithASLValidator checks that every statemachines/*.asl.json that the
// engine loads is also valid for the reference validator (npm asl-validator), so a file that runs
// locally deploys on AWS.
func TestProjectStateMachinesAgreeWithASLValidator(t *testing.T) {
	bin := testenv.Tool(t, "asl-validator")
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
