// Package functions_test checks that every function the runtimes know has its Lambda entry point
// and the other way round, so the CDK stack (which deploys functions/<name>) and the local runtime
// never disagree. That each main runs the function its folder names is checked when it starts:
// lambdaenv.Start refuses a name its capability's Functions table lacks (make lambda-init and the
// AWS twin start every bootstrap).
package functions_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/registry"
)

func TestEveryFunctionHasALambdaEntryPoint(t *testing.T) {
	routes, fns := registry.Table()
	names := map[string]bool{}
	for _, n := range append(fns, httpapi.Functions(routes)...) {
		names[n] = true
	}
	for n := range names {
		if _, err := os.Stat(filepath.Join(n, "main.go")); err != nil {
			t.Errorf("function %q has no functions/%s/main.go: add one (lambdaenv.Start or StartHTTP)", n, n)
		}
	}
	dirs, _ := filepath.Glob("*/main.go")
	if len(dirs) < 20 {
		t.Fatalf("found %d functions/*/main.go; run the test from functions/", len(dirs))
	}
	for _, d := range dirs {
		if n := filepath.Dir(d); !names[n] {
			t.Errorf("functions/%s is neither a capability's function nor serves a route", n)
		}
	}
}
