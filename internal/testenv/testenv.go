// Package testenv lets a test that needs something outside Go (a Node tool, Chromium, the oracle
// corpora in ../shared/conformance) say so in one place. Without it the test skips on a
// developer's machine, with a message naming what is missing and how to get it; in CI (CI=true)
// it fails instead, so CI can never pass by testing less.
package testenv

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the tests run in CI (the CI=true convention of GitHub Actions, GitLab CI
// and most other runners).
func InCI() bool { return os.Getenv("CI") == "true" }

// Require does nothing when ok; otherwise it fails the test in CI and skips it elsewhere, naming
// what is missing and how to install it.
func Require(t testing.TB, what string, ok bool, howToInstall string) {
	t.Helper()
	if ok {
		return
	}
	if InCI() {
		t.Fatalf("%s is missing (CI=true, so this fails instead of skipping): %s", what, howToInstall)
	}
	t.Skipf("skipped: %s is missing: %s (in CI, with CI=true, this fails)", what, howToInstall)
}

// ModuleRoot is the directory of the go.mod above the working directory (a test's working
// directory is its package's).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above " + dir)
		}
		dir = parent
	}
}

const toolsHint = "`make test` installs it (`make tools`: npm ci in tools/); DEALFLOW_TOOLS names another folder holding it"

// Tool returns the path of a Node tool of tools/package.json: $DEALFLOW_TOOLS/name when that is
// set, else <module root>/tools/node_modules/.bin/name. The tools are Node scripts, so node must
// be on PATH too.
func Tool(t testing.TB, name string) string {
	t.Helper()
	var bin string
	if dir := os.Getenv("DEALFLOW_TOOLS"); dir != "" {
		bin = filepath.Join(dir, name)
	} else if root, err := ModuleRoot(); err == nil {
		bin = filepath.Join(root, "tools", "node_modules", ".bin", name)
	}
	fi, err := os.Stat(bin)
	Require(t, name+" (looked at "+bin+")", bin != "" && err == nil && !fi.IsDir(), toolsHint)
	_, err = exec.LookPath("node")
	Require(t, "node (which runs "+name+")", err == nil, "install Node.js 20 or later (Debian: apt-get install -y nodejs npm); `make test` installs it when npm is missing")
	return bin
}

// ConformanceDir returns the oracle folder under the shared conformance corpus, e.g.
// ConformanceDir(t, "eventbridge"): $DEALFLOW_CONFORMANCE_DIR/sub when that is set, else
// ../shared/conformance/sub beside the module root (where a clone of the team's shared
// repository sits next to this one). `make test` sets DEALFLOW_CONFORMANCE_DIR to the latter.
func ConformanceDir(t testing.TB, sub string) string {
	t.Helper()
	base := os.Getenv("DEALFLOW_CONFORMANCE_DIR")
	if base == "" {
		if root, err := ModuleRoot(); err == nil {
			base = filepath.Join(filepath.Dir(root), "shared", "conformance")
		}
	}
	dir := filepath.Join(base, sub)
	fi, err := os.Stat(dir)
	Require(t, "the "+sub+" oracle (looked at "+dir+")", base != "" && err == nil && fi.IsDir(),
		"clone the shared repository beside this one so that ../shared/conformance exists, or set DEALFLOW_CONFORMANCE_DIR to its conformance folder")
	return dir
}
