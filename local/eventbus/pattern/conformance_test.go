package pattern_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dealflow/dealflow/internal/testenv"
	"github.com/dealflow/dealflow/local/eventbus/pattern"
)

// conformanceCase is one line of the EventBridge oracle, eventbridge/cases.jsonl of the conformance
// folder (internal/testenv): a pattern, an event and whether AWS matched them or rejected the pattern.
type conformanceCase struct {
	Name    string          `json:"name"`
	Pattern json.RawMessage `json:"pattern"`
	Event   json.RawMessage `json:"event"`
	Match   bool            `json:"match"`
	Invalid bool            `json:"invalid"`
	Note    string          `json:"note"`
}

func loadCases(t *testing.T) []conformanceCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.ConformanceDir(t, "eventbridge"), "cases.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []conformanceCase
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var c conformanceCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("cases.jsonl line %d: %v", n, err)
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		t.Fatal("cases.jsonl holds no cases")
	}
	return cases
}

func TestConformance(t *testing.T) {
	cases := loadCases(t)
	passed := 0
	for _, c := range cases {
		ok := t.Run(c.Name, func(t *testing.T) {
			p, err := pattern.Compile(c.Pattern)
			if c.Invalid {
				var ipe *pattern.InvalidPatternError
				if !errors.As(err, &ipe) {
					t.Fatalf("pattern %s: want InvalidPatternError, got %v (note: %s)", c.Pattern, err, c.Note)
				}
				return
			}
			if err != nil {
				t.Fatalf("pattern %s: %v", c.Pattern, err)
			}
			got, err := p.Match(c.Event)
			if err != nil {
				t.Fatalf("event: %v", err)
			}
			if got != c.Match {
				t.Fatalf("match = %v, want %v\npattern %s\nevent   %s\nnote: %s", got, c.Match, c.Pattern, c.Event, c.Note)
			}
		})
		if ok {
			passed++
		}
	}
	t.Logf("conformance: %d passed, %d failed", passed, len(cases)-passed)
}

// TestReferenceAgreesWithConformance checks the tests' own oracle, ReferenceMatch, against the
// conformance answers, so that FuzzMatch compares MatchValue with something known to be right.
func TestReferenceAgreesWithConformance(t *testing.T) {
	for _, c := range loadCases(t) {
		if c.Invalid {
			continue
		}
		p, err := pattern.Compile(c.Pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		ev, err := pattern.DecodeEvent(c.Event)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if got := pattern.ReferenceMatch(p, ev); got != c.Match {
			t.Errorf("%s: reference says %v, want %v", c.Name, got, c.Match)
		}
	}
}
