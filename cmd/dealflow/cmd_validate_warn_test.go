package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Each planted piece of dead configuration gives one `file:line:col: warning: …` line on the line
// it is on; the file stays valid (exit 0) unless --strict.
func TestValidateWarnsAboutConfigurationThatNeverTakesEffect(t *testing.T) {
	file := writeVariant(t,
		// a catch-all lead rule, then a lead rule after it
		"    - id: dach-handoff\n", "    - id: everyone-else\n      match: {}\n      action: {queue: triage}\n    - id: too-late\n      match: {countries: [FR]}\n      action: {queue: france}\n    - id: dach-handoff\n",
		// an AE pool with a rep who left, and a pool no rule names
		"        - {rep: ava-wilson, weight: 1, daily_cap: 4, monthly_cap: 40}\n",
		"        - {rep: ava-wilson, weight: 1, daily_cap: 4, monthly_cap: 40}\n        - {rep: grace-lee, weight: 1}\n    - id: spare-ae\n      role: ae\n      members:\n        - {rep: olivia-brown}\n",
		// a form field mapped to no lead field
		"      job_title: title", "      job_title: jobtitle",
		// an SMB-only SQL rule: SMB leads cannot collect the employee points
		"    - id: na-inbound\n", "    - id: na-smb-sql\n      match: {territories: [north-america], segments: [smb], statuses: [sql]}\n      action: {pool: na-ae}\n    - id: na-inbound\n",
		"thresholds: {mql: 40, sql: 70}", "thresholds: {mql: 40, sql: 150}",
	)
	src, _ := os.ReadFile(file)
	lineOf := func(s string) int {
		for i, l := range strings.Split(string(src), "\n") {
			if strings.Contains(l, s) {
				return i + 1
			}
		}
		t.Fatalf("%q not in the variant", s)
		return 0
	}
	var out, errb bytes.Buffer
	if code := dispatch([]string{"validate", file}, &out, &errb); code != 0 {
		t.Fatalf("exit %d, want 0 (warnings only)\n%s%s", code, out.String(), errb.String())
	}
	want := []struct {
		line int
		text string
	}{
		{lineOf("id: too-late"), `rule "too-late" comes after rule "everyone-else"`},
		{lineOf("{rep: grace-lee, weight: 1}"), "grace-lee is inactive"},
		{lineOf("id: spare-ae"), `no routing rule names pool "spare-ae"`},
		{lineOf("job_title: jobtitle"), `form field "job_title" is mapped to "jobtitle", which is no lead field`},
		{lineOf("segments: [smb], statuses: [sql]"), `rule "na-smb-sql" never matches: status sql needs a score of 150, but the most a lead in segment smb can score is 125`},
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	for _, w := range want {
		prefix := fmt.Sprintf("%s:%d:", file, w.line)
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, prefix) && strings.Contains(g, ": warning: ") && strings.Contains(g, w.text)
		}
		if !found {
			t.Errorf("no warning %q at %s in\n%s", w.text, prefix, out.String())
		}
	}
	// Enterprise leads can still reach 150 (65 fit + 90 engagement): their SQL rules stay quiet.
	if n := strings.Count(out.String(), ": warning: "); n != 5 {
		t.Errorf("%d warnings, want 5:\n%s", n, out.String())
	}
	out.Reset()
	if code := dispatch([]string{"validate", "--strict", file}, &out, &errb); code != 1 || strings.Contains(out.String(), "warning:") {
		t.Fatalf("--strict: exit %d, want 1 with the warnings as errors\n%s", code, out.String())
	}
}
