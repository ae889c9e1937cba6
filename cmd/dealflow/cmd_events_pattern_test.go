package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/internal/testenv"
)

func writeTemp(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEventsTestPatternConformance runs every oracle case through the CLI contract:
// true/false on stdout and exit 0, or exit 2 with the reason for an invalid pattern.
func TestEventsTestPatternConformance(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.ConformanceDir(t, "eventbridge"), "cases.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	total, passed := 0, 0
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c struct {
			Name    string          `json:"name"`
			Pattern json.RawMessage `json:"pattern"`
			Event   json.RawMessage `json:"event"`
			Match   bool            `json:"match"`
			Invalid bool            `json:"invalid"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("cases.jsonl: %v", err)
		}
		total++
		ok := t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			pf := writeTemp(t, dir, "pattern.json", c.Pattern)
			ef := writeTemp(t, dir, "event.json", c.Event)
			var out, errb bytes.Buffer
			code := dispatch([]string{"events", "test-pattern", "--pattern", pf, "--event", ef}, &out, &errb)
			if c.Invalid {
				if code != 2 || !strings.Contains(errb.String(), "Reason: ") {
					t.Fatalf("invalid pattern %s: exit %d, stdout %q, stderr %q; want exit 2 with the reason", c.Pattern, code, out.String(), errb.String())
				}
				return
			}
			want := "false\n"
			if c.Match {
				want = "true\n"
			}
			if code != 0 || out.String() != want {
				t.Fatalf("pattern %s\nevent %s\nexit %d, stdout %q, stderr %q; want %q", c.Pattern, c.Event, code, out.String(), errb.String(), want)
			}
		})
		if ok {
			passed++
		}
	}
	if total == 0 {
		t.Fatal("cases.jsonl holds no cases")
	}
	t.Logf("conformance: %d passed, %d failed", passed, total-passed)
}

func TestEventsTestPatternUsageAndInputErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeTemp(t, dir, "p.json", []byte(`{"source":["dealflow"]}`))
	event := writeTemp(t, dir, "e.json", []byte(`{"version":"0","id":"1","detail-type":"Lead Received","source":"dealflow","account":"123456789012","time":"2026-01-01T00:00:00Z","region":"eu-central-1","resources":[],"detail":{}}`))
	noEnvelope := writeTemp(t, dir, "bare.json", []byte(`{"source":"dealflow","detail":{}}`))
	notJSON := writeTemp(t, dir, "bad.json", []byte(`{"source":`))
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"match", []string{"--pattern", good, "--event", event}, 0, "true\n", ""},
		{"missing event flag", []string{"--pattern", good}, 2, "", "usage: dealflow events test-pattern"},
		{"unknown flag", []string{"--pattern", good, "--event", event, "--x"}, 2, "", "flag provided but not defined"},
		{"unreadable pattern file", []string{"--pattern", filepath.Join(dir, "nope.json"), "--event", event}, 1, "", "nope.json"},
		{"event without envelope", []string{"--pattern", good, "--event", noEnvelope}, 1, "", "missing envelope field(s) id, account, time, region, resources, detail-type"},
		{"event not JSON", []string{"--pattern", good, "--event", notJSON}, 1, "", "decode event"},
		{"pattern not JSON", []string{"--pattern", notJSON, "--event", event}, 2, "", "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := dispatch(append([]string{"events", "test-pattern"}, tt.args...), &out, &errb)
			if code != tt.wantCode || out.String() != tt.wantStdout || !strings.Contains(errb.String(), tt.wantStderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q",
					code, out.String(), errb.String(), tt.wantCode, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}

func TestEventsTestPatternInvalidPatternNamesFileAndReason(t *testing.T) {
	dir := t.TempDir()
	pf := writeTemp(t, dir, "rule.json", []byte(`{"detail":{"state":[]}}`))
	ef := writeTemp(t, dir, "e.json", []byte(`{"id":"1","account":"1","source":"s","time":"t","region":"r","resources":[],"detail-type":"d"}`))
	var out, errb bytes.Buffer
	code := dispatch([]string{"events", "test-pattern", "--pattern", pf, "--event", ef}, &out, &errb)
	if code != 2 || out.Len() != 0 || !strings.Contains(errb.String(), pf+": Event pattern is not valid. Reason: Empty arrays are not allowed") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
