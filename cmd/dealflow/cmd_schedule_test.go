package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/internal/testenv"
)

type scheduleCase struct {
	Name      string   `json:"name"`
	Expr      string   `json:"expr"`
	TZ        string   `json:"tz"`
	From      string   `json:"from"`
	StartDate string   `json:"start_date"`
	Next      []string `json:"next"`
	Invalid   bool     `json:"invalid"`
	Service   string   `json:"service"`
}

// TestScheduleConformance runs every case of schedules/cases.jsonl through `dealflow schedule next`.
func TestScheduleConformance(t *testing.T) {
	path := filepath.Join(testenv.ConformanceDir(t, "schedules"), "cases.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []scheduleCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c scheduleCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s holds no cases", path)
	}
	passed := 0
	for _, c := range cases {
		ok := t.Run(c.Name, func(t *testing.T) {
			args := []string{"schedule", "next", "--expr", c.Expr}
			if c.TZ != "" {
				args = append(args, "--tz", c.TZ)
			}
			if c.Invalid {
				// Any fixed instant: an invalid expression must be rejected before evaluation.
				args = append(args, "--from", "2026-01-01T00:00:00Z")
			} else {
				args = append(args, "--from", c.From, "--count", strconv.Itoa(len(c.Next)))
				if c.StartDate != "" {
					args = append(args, "--start", c.StartDate)
				}
			}
			var out, errb bytes.Buffer
			code := dispatch(args, &out, &errb)
			if c.Invalid {
				if code != 2 || !strings.Contains(errb.String(), "invalid schedule expression") {
					t.Fatalf("%s: exit %d, stderr %q, stdout %q; want exit 2 with the reason", c.Expr, code, errb.String(), out.String())
				}
				return
			}
			if code != 0 {
				t.Fatalf("%s: exit %d: %s", c.Expr, code, errb.String())
			}
			got := strings.Fields(out.String())
			if strings.Join(got, " ") != strings.Join(c.Next, " ") {
				t.Fatalf("%s tz=%s from=%s:\n got  %v\n want %v", c.Expr, c.TZ, c.From, got, c.Next)
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("conformance: %d passed, %d failed", passed, len(cases)-passed)
}

func TestScheduleNextCLI(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"default count is five", []string{"--expr", "cron(0 9 ? * MON *)", "--from", "2026-01-01T00:00:00Z"}, 0,
			"2026-01-05T09:00:00Z\n2026-01-12T09:00:00Z\n2026-01-19T09:00:00Z\n2026-01-26T09:00:00Z\n2026-02-02T09:00:00Z\n", ""},
		{"from with offset is read as an instant", []string{"--expr", "cron(0 10 * * ? *)", "--from", "2026-01-01T11:30:00+02:00", "--count", "1"}, 0,
			"2026-01-01T10:00:00Z\n", ""},
		{"start bounds a cron", []string{"--expr", "cron(0 10 * * ? *)", "--from", "2026-01-01T00:00:00Z", "--start", "2026-01-03T10:00:00Z", "--count", "2"}, 0,
			"2026-01-03T10:00:00Z\n2026-01-04T10:00:00Z\n", ""},
		{"rate after its start keeps its phase", []string{"--expr", "rate(7 minutes)", "--from", "2026-01-01T00:10:00Z", "--start", "2026-01-01T00:00:00Z", "--count", "2"}, 0,
			"2026-01-01T00:14:00Z\n2026-01-01T00:21:00Z\n", ""},
		{"rate without --start starts at --from", []string{"--expr", "rate(1 day)", "--from", "2026-03-28T08:00:00Z", "--tz", "Europe/Berlin", "--count", "2"}, 0,
			"2026-03-28T08:00:00Z\n2026-03-29T08:00:00Z\n", ""},
		{"at in the past prints nothing", []string{"--expr", "at(2020-01-01T00:00:00)", "--from", "2026-01-01T00:00:00Z"}, 0, "", ""},
		{"invalid zone", []string{"--expr", "cron(0 10 * * ? *)", "--tz", "Mars/Olympus"}, 2, "", `time zone "Mars/Olympus"`},
		{"invalid from", []string{"--expr", "cron(0 10 * * ? *)", "--from", "yesterday"}, 2, "", "--from"},
		{"missing expr", []string{"--from", "2026-01-01T00:00:00Z"}, 2, "", "--expr is required"},
		{"reason names the field", []string{"--expr", "cron(0 10 32 * ? *)"}, 2, "", `day-of-month "32": 32 is out of range 1-31`},
		{"zero count", []string{"--expr", "rate(1 day)", "--count", "0"}, 2, "", "--count"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := dispatch(append([]string{"schedule", "next"}, tc.args...), &out, &errb)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.wantCode, errb.String())
			}
			if out.String() != tc.wantOut {
				t.Fatalf("stdout %q, want %q", out.String(), tc.wantOut)
			}
			if !strings.Contains(errb.String(), tc.wantErr) {
				t.Fatalf("stderr %q, want it to contain %q", errb.String(), tc.wantErr)
			}
		})
	}
}
