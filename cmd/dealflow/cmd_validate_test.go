package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const sampleOrg = "../../examples/org.yaml"

// writeVariant writes a copy of the sample org with replacements applied and returns its path.
func writeVariant(t *testing.T, pairs ...string) string {
	t.Helper()
	b, err := os.ReadFile(sampleOrg)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("%q not in the sample", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	path := filepath.Join(t.TempDir(), "org.yaml")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidateSample(t *testing.T) {
	t.Chdir("../..") // the default file is examples/org.yaml from the project root
	var out, errb bytes.Buffer
	if code := dispatch([]string{"validate"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "valid: examples/org.yaml: 16 reps (4 SDR, 7 AE, 3 CSM, 2 managers), 2 teams, 2 territories") {
		t.Errorf("summary = %q", out.String())
	}
}

var problemLine = regexp.MustCompile(`^(.+):(\d+):(\d+): (\S+): (.+)$`)

// The acceptance case: a misspelt time zone, an unknown rep in a pool and a YAML syntax error in
// one file give three file:line:col lines and exit 1. The syntax error does not hide the others:
// the parser repairs the broken line for the rest of the run (see config.Parse).
func TestValidateReportsThreeProblems(t *testing.T) {
	file := writeVariant(t,
		"timezone: America/Los_Angeles", "timezone: America/Los_Angelos",
		"{rep: lena-schmidt,", "{rep: lena-schmitt,",
		"max_employees: 999}", "max_employees: 999",
	)
	var out, errb bytes.Buffer
	if code := dispatch([]string{"validate", file}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	wants := []struct{ path, msg string }{
		{"segments[1]", "YAML syntax error"},
		{"reps[12].timezone", `unknown time zone "America/Los_Angelos" (did you mean "America/Los_Angeles"?)`},
		{"routing.pools[0].members[1].rep", `unknown rep "lena-schmitt" (did you mean "lena-schmidt"?)`},
	}
	if len(lines) != len(wants) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(wants), out.String())
	}
	for i, w := range wants {
		m := problemLine.FindStringSubmatch(lines[i])
		if m == nil || m[1] != file || m[4] != w.path || !strings.Contains(m[5], w.msg) {
			t.Errorf("line %d = %q, want %s:LINE:COL: %s: …%s…", i, lines[i], file, w.path, w.msg)
		}
	}
}

func TestValidateUsesTheFullScheduleParser(t *testing.T) {
	tests := []struct{ name, expr, want string }{
		{"hour out of range", "cron(0 25 ? * MON *)", "digests[0].schedule: invalid schedule expression"},
		{"a year long past", "cron(0 8 ? * MON 2020)", `digests[0].schedule: schedule "cron(0 8 ? * MON 2020)" never fires again`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeVariant(t, "schedule: cron(0 8 ? * MON *)   # Mondays 08:00 in Berlin", "schedule: "+tt.expr)
			var out, errb bytes.Buffer
			if code := dispatch([]string{"validate", file}, &out, &errb); code != 1 || !strings.Contains(out.String(), tt.want) {
				t.Errorf("exit %d, output %q, want %q", code, out.String(), tt.want)
			}
		})
	}
}

func TestValidateRunsProjectChecks(t *testing.T) {
	saved := projectChecks
	t.Cleanup(func() { projectChecks = saved })
	projectChecks = nil
	registerCheck("statemachines", func(root string) (string, []fileProblem) {
		return "3 state machines in " + root, nil
	})
	var out, errb bytes.Buffer
	if code := dispatch([]string{"validate", "--root", "/proj", sampleOrg}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if !strings.HasSuffix(strings.TrimSpace(out.String()), "; 3 state machines in /proj") {
		t.Errorf("summary = %q, want the check's summary appended", out.String())
	}
	registerCheck("events", func(string) (string, []fileProblem) {
		return "", []fileProblem{{File: "events/rules/x.json", Path: "EventPattern.source", Message: "must be an array"}}
	})
	out.Reset()
	if code := dispatch([]string{"validate", sampleOrg}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if got := strings.TrimSpace(out.String()); got != "events/rules/x.json: EventPattern.source: must be an array" {
		t.Errorf("output = %q", got)
	}
}

func TestValidateBadInvocations(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"missing file", []string{"validate", "/no/such/org.yaml"}, 1, "/no/such/org.yaml: (file): no such file"},
		{"two files", []string{"validate", "a.yaml", "b.yaml"}, 2, ""},
		{"unknown flag", []string{"validate", "--frob"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := dispatch(tt.args, &out, &errb); code != tt.code || !strings.Contains(out.String(), tt.out) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, out.String(), errb.String(), tt.code, tt.out)
			}
		})
	}
}
