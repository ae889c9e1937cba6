package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A broken state machine stops serve before anything starts, naming file, field and problem.
func TestServeRefusesABrokenStateMachine(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "statemachines"), 0o755); err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Route","States":{"Route":{"Type":"Pass","Next":"Notfy"},"Notify":{"Type":"Succeed"}}}`
	if err := os.WriteFile(filepath.Join(root, "statemachines", "x.asl.json"), []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := dispatch([]string{"serve", "--root", root, "--config", "../../examples/org.yaml",
		"--db", filepath.Join(root, "data", "db"), "--addr", "127.0.0.1:0"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, errb.String())
	}
	want := `statemachines/x.asl.json: States.Route.Next: unknown state "Notfy"`
	if !strings.Contains(errb.String(), want+"\n") {
		t.Fatalf("stderr lacks %q:\n%s", want, errb.String())
	}
	if strings.Contains(out.String(), "dealflow is running") {
		t.Fatal("serve said it was running")
	}
	if _, err := os.Stat(filepath.Join(root, "data", "db")); err == nil {
		t.Fatal("serve created the database although the files are broken")
	}
}

func TestServeNeedsAConsoleTokenBeyondLoopback(t *testing.T) {
	t.Setenv("DEALFLOW_CONSOLE_TOKEN", "")
	tests := []struct {
		name string
		args []string
		want string // "" means access is allowed (checked without starting)
	}{
		{"all interfaces", []string{"--addr", "0.0.0.0:8080"}, "reachable from other machines"},
		{"empty host", []string{"--addr", ":8080"}, "reachable from other machines"},
		{"lan address", []string{"--addr", "192.168.1.10:8080"}, "--console-token"},
		{"short token", []string{"--addr", "0.0.0.0:8080", "--console-token", "abc"}, "at least 16 characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := dispatch(append([]string{"serve"}, tc.args...), &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.want)
			}
		})
	}
	for _, ok := range []struct{ addr, token string }{{"127.0.0.1:8080", ""}, {"localhost:8080", ""}, {"[::1]:8080", ""}, {"0.0.0.0:8080", "a-long-enough-token"}} {
		if err := checkConsoleAccess(ok.addr, ok.token); err != nil {
			t.Errorf("%s with token %q refused: %v", ok.addr, ok.token, err)
		}
	}
}
