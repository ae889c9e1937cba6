// Package functions_test checks that every handler the runtimes know has its Lambda entry point,
// so the CDK stack (which deploys functions/<name>) and the local runtime never disagree, and
// that each entry point runs the same handler the local runtime runs for that name.
package functions_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
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

// funcName is the linker's name of a function value: "pkg.(*Deps).QualifyLead-fm" for a method
// value, "pkg.DealsHTTP" for a function.
func funcName(f any) string { return runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name() }

// startCall finds the lambdaenv.Start or StartHTTP call in functions/<name>/main.go.
func startCall(t *testing.T, name string) (string, *ast.CallExpr) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(name, "main.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var kind string
	var call *ast.CallExpr
	ast.Inspect(f, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "lambdaenv" && (sel.Sel.Name == "Start" || sel.Sel.Name == "StartHTTP") {
				kind, call = sel.Sel.Name, c
			}
		}
		return true
	})
	if call == nil || len(call.Args) < 2 {
		t.Fatalf("functions/%s/main.go: no lambdaenv.Start(name, handler, clients...) or StartHTTP(name, routes, clients...) call", name)
	}
	if lit, ok := call.Args[0].(*ast.BasicLit); !ok || lit.Value != strconv.Quote(name) {
		t.Errorf("functions/%s/main.go starts a function with another name", name)
	}
	return kind, call
}

// Each main names its handler itself (so its bootstrap links nothing else): it must be the
// registry's handler for that name, and an HTTP main's route sets must hold all its routes.
func TestEachMainRunsTheRegistrysHandler(t *testing.T) {
	d, s := &handlers.Deps{}, &handlers.Secrets{}
	for name, fn := range handlers.Functions(d) {
		kind, call := startCall(t, name)
		if kind != "Start" {
			t.Errorf("functions/%s/main.go: a task or event function starts with lambdaenv.Start", name)
			continue
		}
		// func(d *handlers.Deps) any { return d.Method }
		var method string
		if lit, ok := call.Args[1].(*ast.FuncLit); ok && len(lit.Body.List) == 1 {
			if ret, ok := lit.Body.List[0].(*ast.ReturnStmt); ok && len(ret.Results) == 1 {
				if sel, ok := ret.Results[0].(*ast.SelectorExpr); ok {
					method = sel.Sel.Name
				}
			}
		}
		if want := funcName(fn); method == "" || !strings.HasSuffix(want, ".(*Deps)."+method+"-fm") {
			t.Errorf("functions/%s/main.go runs d.%s; the registry (handlers.Functions) runs %s", name, method, want)
		}
	}
	sets := map[string]func(*handlers.Deps, *handlers.Secrets) map[string]http.HandlerFunc{}
	for _, set := range handlers.HTTPSets() {
		n := funcName(set)
		sets[n[strings.LastIndex(n, ".")+1:]] = set
	}
	for _, name := range httpapi.Functions() {
		kind, call := startCall(t, name)
		if kind != "StartHTTP" {
			t.Errorf("functions/%s/main.go: an HTTP function starts with lambdaenv.StartHTTP", name)
			continue
		}
		got := map[string]bool{}
		ast.Inspect(call.Args[1], func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "handlers" {
					set, ok := sets[sel.Sel.Name]
					if !ok {
						t.Errorf("functions/%s/main.go passes handlers.%s, which is not in handlers.HTTPSets", name, sel.Sel.Name)
						return true
					}
					for p := range set(d, s) {
						got[p] = true
					}
				}
			}
			return true
		})
		for _, r := range httpapi.Routes {
			if r.Function == name && !got[r.MuxPattern()] {
				t.Errorf("functions/%s/main.go: route %s is in none of the route sets it passes", name, r.MuxPattern())
			}
		}
	}
}
