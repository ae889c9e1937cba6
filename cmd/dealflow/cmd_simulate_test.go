package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// simulate fills a database through the real API; the same seed gives the same story.
func TestSimulateIsRealisticAndRepeatable(t *testing.T) {
	run := func(seed string) string {
		t.Helper()
		var out, errb bytes.Buffer
		code := dispatch([]string{"simulate", "--days", "2", "--leads-per-day", "20", "--seed", seed, "--quiet",
			"--start", "2026-11-02T00:00:00Z", "--root", "../..", "--config", "../../examples/org.yaml",
			"--db", filepath.Join(t.TempDir(), "db")}, &out, &errb)
		if code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
		}
		return out.String()
	}
	a := run("42")
	m := regexp.MustCompile(`leads: (\d+) posted, (\d+) accepted, (\d+) duplicates, (\d+) rejected; (\d+) routed, (\d+) disqualified`).FindStringSubmatch(a)
	if m == nil {
		t.Fatalf("no leads summary in:\n%s", a)
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	if n(1) != 40 {
		t.Errorf("posted %d leads over two working days at 20 a day, want 40", n(1))
	}
	if n(2)+n(3)+n(4) != n(1) {
		t.Errorf("accepted+duplicates+rejected = %d, posted %d", n(2)+n(3)+n(4), n(1))
	}
	if n(5)+n(6) != n(2) || n(5) == 0 {
		t.Errorf("routed %d + disqualified %d should be every accepted lead (%d), some routed", n(5), n(6), n(2))
	}
	if !strings.Contains(a, "emails in the outbox") || strings.Contains(a, "still in flight") {
		t.Errorf("summary:\n%s", a)
	}
	b := run("42")
	first2 := func(s string) string { return strings.Join(strings.SplitN(s, "\n", 4)[:3], "\n") }
	if first2(a) != first2(b) {
		t.Errorf("same seed, different runs:\n%s\n---\n%s", first2(a), first2(b))
	}
}
