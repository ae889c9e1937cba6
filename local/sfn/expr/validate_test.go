package expr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateStateAcceptsCorpus: every definition in the corpus was accepted by AWS, so no
// state in it may be rejected.
func TestValidateStateAcceptsCorpus(t *testing.T) {
	dir := corpusDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "definition.json"))
		if err != nil {
			continue
		}
		def, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		walkStates(def.(map[string]any), "JSONPath", func(name string, st map[string]any, ql string) {
			checked++
			for _, p := range ValidateState(st, ql) {
				t.Errorf("%s: state %s: %s: %s", e.Name(), name, p.Field, p.Reason)
			}
		})
	}
	if checked < 1000 {
		t.Errorf("only %d states checked; the corpus walk is broken", checked)
	}
}

// walkStates visits every state, including Parallel branches and Map processors, with its
// effective query language.
func walkStates(machine map[string]any, inherited string, fn func(string, map[string]any, string)) {
	ql := inherited
	if q, ok := machine["QueryLanguage"].(string); ok {
		ql = q
	}
	states, _ := machine["States"].(map[string]any)
	for name, s := range states {
		st, ok := s.(map[string]any)
		if !ok {
			continue
		}
		sql := ql
		if q, ok := st["QueryLanguage"].(string); ok {
			sql = q
		}
		fn(name, st, sql)
		if branches, ok := st["Branches"].([]any); ok {
			for _, b := range branches {
				if bm, ok := b.(map[string]any); ok {
					walkStates(bm, sql, fn)
				}
			}
		}
		for _, k := range []string{"ItemProcessor", "Iterator"} {
			if p, ok := st[k].(map[string]any); ok {
				walkStates(p, sql, fn)
			}
		}
	}
}

func TestValidateStateRejects(t *testing.T) {
	tests := []struct {
		name, state, ql, field, reason string
	}{
		{"bad InputPath", `{"Type": "Pass", "InputPath": "$.a["}`, "JSONPath", "InputPath", "invalid JSONPath"},
		{"ResultPath must be a reference path", `{"Type": "Pass", "ResultPath": "$.a[*]"}`, "JSONPath", "ResultPath", "reference path"},
		{"ResultPath cannot name a variable", `{"Type": "Pass", "ResultPath": "$x.a"}`, "JSONPath", "ResultPath", "invalid JSONPath"},
		{"bad Parameters path", `{"Type": "Pass", "Parameters": {"a": {"b.$": "$$.["}}}`, "JSONPath", "Parameters/a/b.$", "invalid JSONPath"},
		{"bad intrinsic in ResultSelector", `{"Type": "Task", "ResultSelector": {"x.$": "States.Nope(1)"}}`, "JSONPath", "ResultSelector/x.$", "unknown function"},
		{"bad ErrorPath intrinsic", `{"Type": "Fail", "ErrorPath": "States.Format('{}'"}`, "JSONPath", "ErrorPath", "Invalid intrinsic"},
		{"bad Choice Variable", `{"Type": "Choice", "Choices": [{"Not": {"Variable": "$.[", "IsPresent": true}, "Next": "x"}]}`, "JSONPath", "Choices[0].Not.Variable", "invalid JSONPath"},
		{"bad comparison path", `{"Type": "Choice", "Choices": [{"And": [{"Variable": "$.a", "NumericEqualsPath": "nope"}], "Next": "x"}]}`, "JSONPath", "Choices[0].And[0].NumericEqualsPath", "must start with '$'"},
		{"reserved variable", `{"Type": "Pass", "Assign": {"states": 1}}`, "JSONPath", "Assign/states", "reserved"},
		{"variable starting with a digit", `{"Type": "Pass", "Assign": {"1x.$": "$.a"}}`, "JSONPath", "Assign/1x.$", "not a valid variable name"},
		{"bad Catch ResultPath", `{"Type": "Task", "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$..x", "Next": "n"}]}`, "JSONPath", "Catch[0].ResultPath", "reference path"},
		{"JSONata syntax", `{"Type": "Pass", "Output": {"a": "{% $states.input. %}"}}`, "JSONata", "Output/a", "not valid"},
		{"JSONata condition", `{"Type": "Choice", "Choices": [{"Condition": "{% 1 + %}", "Next": "x"}]}`, "JSONata", "Choices[0].Condition", "not valid"},
		{"JSONata assign", `{"Type": "Pass", "Assign": {"v": "{% ( %}"}}`, "JSONata", "Assign/v", "not valid"},
		{"JSONata catch output", `{"Type": "Task", "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% [ %}", "Next": "n"}]}`, "JSONata", "Catch[0].Output", "not valid"},
		{"JSONata recursion", `{"Type": "Pass", "Output": "{% ($f := function($x){ $f($x) }; $f(1)) %}"}`, "JSONata", "Output", "U1001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := ValidateState(mustDecode(t, tc.state).(map[string]any), tc.ql)
			if len(errs) != 1 {
				t.Fatalf("got %d problems %v, want 1", len(errs), errs)
			}
			if errs[0].Field != tc.field || !strings.Contains(errs[0].Reason, tc.reason) {
				t.Errorf("got %s: %s; want field %s mentioning %q", errs[0].Field, errs[0].Reason, tc.field, tc.reason)
			}
		})
	}
}
