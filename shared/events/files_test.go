package events

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseRuleReportsEveryProblemWithItsPath(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []string // substrings of the printed problems, in order
	}{
		{
			name: "valid",
			file: `{"Name":"lead-received","EventPattern":{"source":["dealflow"]},"Targets":[{"Id":"q","StateMachine":"lead-qualification","InputPath":"$.detail","RetryPolicy":{"MaximumRetryAttempts":3,"MaximumEventAgeInSeconds":600},"DeadLetter":true}]}`,
		},
		{
			name: "unknown field",
			file: `{"Name":"x","EventPatern":{}}`,
			want: []string{`r.json: unknown field "EventPatern"`},
		},
		{
			name: "syntax error has line and column",
			file: "{\n  \"Name\": \"x\",,\n}",
			want: []string{"r.json: invalid JSON at line 2, column 15"},
		},
		{
			name: "bad targets",
			file: `{"Name":"bad name!","EventPattern":{"source":["x"]},"Targets":[
				{"Id":"a","StateMachine":"s","Function":"f"},
				{"Id":"a","Function":"notify-owner","Input":{"a":1},"InputPath":"$.detail"},
				{"Id":"c","Function":"notify-owner","RetryPolicy":{"MaximumRetryAttempts":186,"MaximumEventAgeInSeconds":10}},
				{"Id":"d","Function":"notify-owner","InputTransformer":{"InputPathsMap":{"lead":"detail.leadId"},"InputTemplate":"{\"l\":<lead>,\"o\":<owner>}"}}]}`,
			want: []string{
				"r.json: Name: must be 1-64 characters",
				"r.json: Targets[0]: use StateMachine or Function, not both",
				`r.json: Targets[1].Id: duplicate target id "a"`,
				"r.json: Targets[1]: use only one of Input, InputPath and InputTransformer",
				"r.json: Targets[2].RetryPolicy.MaximumRetryAttempts: must be 0 to 185 (got 186)",
				"r.json: Targets[2].RetryPolicy.MaximumEventAgeInSeconds: must be 60 to 86400 (got 10)",
				`r.json: Targets[3].InputTransformer.InputPathsMap.lead: must be a JSONPath starting with $ (got "detail.leadId")`,
				"r.json: Targets[3].InputTransformer.InputTemplate: placeholder <owner> is not in InputPathsMap",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := ParseRule("r.json", []byte(tc.file))
			if len(ps) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(ps), len(tc.want), ps.Error())
			}
			for i, w := range tc.want {
				if !strings.Contains(ps[i].String(), w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, ps[i], w)
				}
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	ok := `{"Name":"digest-anna","ScheduleExpression":"cron(0 8 ? * MON *)","ScheduleExpressionTimezone":"Europe/Berlin","FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"StateMachine":"manager-digest","Input":{"managerId":"anna"}},"CatchUp":"latest"}`
	s, ps := ParseSchedule("s.json", []byte(ok))
	if len(ps) != 0 {
		t.Fatalf("unexpected problems: %v", ps)
	}
	loc, _ := s.Location()
	if loc.String() != "Europe/Berlin" || s.CatchUp != "latest" {
		t.Fatalf("decoded %+v", s)
	}
	var in map[string]string
	if err := json.Unmarshal(s.Target.Input, &in); err != nil || in["managerId"] != "anna" {
		t.Fatalf("input = %s", s.Target.Input)
	}
	bad := `{"Name":"x","ScheduleExpression":"","ScheduleExpressionTimezone":"Europe/Berlni","FlexibleTimeWindow":{"Mode":"FLEXIBLE"},"Target":{},"CatchUp":"all"}`
	_, ps = ParseSchedule("s.json", []byte(bad))
	got := ps.Error()
	for _, w := range []string{
		"s.json: ScheduleExpression: is required",
		`s.json: ScheduleExpressionTimezone: unknown time zone "Europe/Berlni"`,
		"s.json: FlexibleTimeWindow.MaximumWindowInMinutes: must be 1 to 1440 when Mode is FLEXIBLE (got 0)",
		`s.json: CatchUp: must be "latest" or omitted (got "all")`,
		"s.json: Target: needs StateMachine or Function",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
}

func TestLoadRulesRejectsDuplicateNamesAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	r := `{"Name":"same","EventPattern":{"source":["dealflow"]},"Targets":[{"Id":"a","Function":"notify-owner"}]}`
	for _, f := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(r), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rules, ps := LoadRules(dir)
	if len(rules) != 1 || len(ps) != 1 || !strings.Contains(ps[0].String(), `rule "same" is already defined in`) {
		t.Fatalf("rules=%d problems=%v", len(rules), ps)
	}
}

func TestPlaceholders(t *testing.T) {
	if got := FunctionPlaceholder("qualify-lead"); got != "QualifyLeadFunctionArn" {
		t.Fatal(got)
	}
	if got := StateMachinePlaceholder("sdr-ae-handoff"); got != "SdrAeHandoffStateMachineArn" {
		t.Fatal(got)
	}
}

func TestSubstituteResolvesEveryPlaceholderOrNamesIt(t *testing.T) {
	def := []byte(`{"a":"${QualifyLeadFunctionArn}","b":"${EventBusName}","c":"${QualifyLeadFunctionArn}","d":"${Nope}"}`)
	if got := Placeholders(def); strings.Join(got, ",") != "QualifyLeadFunctionArn,EventBusName,Nope" {
		t.Fatalf("placeholders = %v", got)
	}
	out, missing := Substitute(def, func(n string) (string, bool) {
		v, ok := map[string]string{"QualifyLeadFunctionArn": "arn:f", "EventBusName": "dealflow"}[n]
		return v, ok
	})
	if string(out) != `{"a":"arn:f","b":"dealflow","c":"arn:f","d":"${Nope}"}` || strings.Join(missing, ",") != "Nope" {
		t.Fatalf("out = %s missing = %v", out, missing)
	}
}
