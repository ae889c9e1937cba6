package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestRequire runs the test binary as a child with a test that requires something missing: it
// must skip outside CI and fail in CI, naming what is missing and how to install it.
func TestRequire(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		return
	}
	for _, tc := range []struct {
		ci       string
		wantFail bool
		wantText string
	}{
		{"", false, "SKIP"},
		{"false", false, "SKIP"},
		{"true", true, "FAIL"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestMissingThing$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "CI="+tc.ci)
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.wantFail {
			t.Errorf("CI=%q: failed=%v, want %v\n%s", tc.ci, failed, tc.wantFail, out)
		}
		for _, want := range []string{tc.wantText, "the-thing is missing", "apt-get install the-thing"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("CI=%q: output lacks %q:\n%s", tc.ci, want, out)
			}
		}
	}
}

func TestMissingThing(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") != "1" {
		t.Skip("runs as the child of TestRequire")
	}
	Require(t, "the-thing", true, "never shown")
	Require(t, "the-thing", false, "apt-get install the-thing")
	t.Fatal("Require returned for a missing thing")
}

func TestConformanceDirAndTool(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(dir+"/eventbridge", 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DEALFLOW_CONFORMANCE_DIR", dir)
	if got := ConformanceDir(t, "eventbridge"); got != dir+"/eventbridge" {
		t.Fatalf("ConformanceDir = %q, want %q", got, dir+"/eventbridge")
	}
	if err := os.WriteFile(dir+"/mytool", []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DEALFLOW_TOOLS", dir)
	if got := Tool(t, "mytool"); got != dir+"/mytool" {
		t.Fatalf("Tool = %q, want %q", got, dir+"/mytool")
	}
}
