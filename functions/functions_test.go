// Package functions_test checks that every handler the runtimes know has its Lambda entry point,
// so the CDK stack (which deploys functions/<name>) and the local runtime never disagree.
package functions_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dealflow/dealflow/shared/handlers"
	"github.com/dealflow/dealflow/shared/httpapi"
)

func TestEveryHandlerHasALambdaEntryPoint(t *testing.T) {
	names := map[string]bool{}
	for n := range handlers.Functions(&handlers.Deps{}) {
		names[n] = true
	}
	for _, n := range httpapi.Functions() {
		names[n] = true
	}
	for n := range names {
		if _, err := os.Stat(filepath.Join(n, "main.go")); err != nil {
			t.Errorf("handler %q has no functions/%s/main.go: add one (lambdaenv.Start or StartHTTP)", n, n)
		}
	}
	dirs, _ := filepath.Glob("*/main.go")
	for _, d := range dirs {
		if n := filepath.Dir(d); !names[n] {
			t.Errorf("functions/%s has no handler in shared/handlers or route in shared/httpapi", n)
		}
	}
}
