package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadRefusesWhatItMustNotDo(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"non-loopback URL", []string{"load", "--url", "http://10.1.2.3:8080", "--secret", "s"}, "only loopback"},
		{"public host name", []string{"load", "--url", "http://example.com", "--secret", "s"}, "only loopback"},
		{"unknown kind in the mix", []string{"load", "--mix", "leads,orders", "--secret", "s"}, "unknown kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := dispatch(tc.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q, want 2 and %q", code, errb.String(), tc.want)
			}
		})
	}
}

func TestCostFromRun(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run.json")
	os.WriteFile(run, []byte(`{"sent":100,"usage":{"leads":100,"stateMachines":{"lead-qualification":{"executions":100,"transitions":500,"durationMs":900}},"lambdaInvocations":300,"eventsPut":200}}`), 0o644)
	empty := filepath.Join(dir, "empty.json")
	os.WriteFile(empty, []byte(`{"sent":3}`), 0o644)
	var out, errb bytes.Buffer
	code := dispatch([]string{"cost", "--from-run", run, "--config", "../../examples/org.yaml", "--sample", "20", "--json", filepath.Join(dir, "bill.json")}, &out, &errb)
	if code != 0 || !strings.Contains(out.String(), "lead workflow total") || !strings.Contains(out.String(), "Express") {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "bill.json")); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := dispatch([]string{"cost", "--from-run", empty, "--config", "../../examples/org.yaml"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "no usage counts") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
