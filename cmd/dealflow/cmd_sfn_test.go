package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSfnRun(t *testing.T) {
	sfnFunctions.Register("score-lead", func(_ context.Context, in struct{ Employees int }) (map[string]int, error) {
		return map[string]int{"score": in.Employees / 10}, nil
	})
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("qualify.asl.json", `{"StartAt":"Score","States":{
	  "Score":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"score-lead","Payload.$":"$"},
	           "ResultSelector":{"score.$":"$.Payload.score"},"ResultPath":"$.scoring","Next":"Hot"},
	  "Hot":{"Type":"Choice","Choices":[{"Variable":"$.scoring.score","NumericGreaterThanEquals":50,"Next":"Route"}],"Default":"Nurture"},
	  "Route":{"Type":"Pass","Result":"routed","ResultPath":"$.status","End":true},
	  "Nurture":{"Type":"Fail","Error":"LeadNotQualified","Cause":"score below 50"}}}`)
	input := write("lead.json", `{"Employees": 800}`)
	placeholder := write("placeholder.asl.json", `{"StartAt":"Score","States":{"Score":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
	  "Parameters":{"FunctionName":"${ScoreLeadFunctionArn}","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}`)
	bad := write("bad.asl.json", `{"StartAt":"Score","States":{"Score":{"Type":"Task","Resource":"arn:aws:lambda:eu-central-1:123456789012:function:missing","End":true}}}`)

	tests := []struct {
		name      string
		args      []string
		code      int
		status    string
		output    string
		types     string
		stderrHas string
	}{
		{"succeeds with a registered handler", []string{"sfn", "run", "--definition", good, "--input", input}, 0, "SUCCEEDED",
			`{"Employees":800,"scoring":{"score":80},"status":"routed"}`,
			"ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ChoiceStateEntered ChoiceStateExited PassStateEntered PassStateExited ExecutionSucceeded", ""},
		{"fail state reports error and cause", []string{"sfn", "run", "--definition", good, "--input", write("small.json", `{"Employees": 20}`)}, 0, "FAILED", "null",
			"ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ChoiceStateEntered ChoiceStateExited FailStateEntered ExecutionFailed", ""},
		{"unknown function fails at load time", []string{"sfn", "run", "--definition", bad}, 1, "", "", "", bad + `: States.Score.Resource: Lambda function "arn:aws:lambda:eu-central-1:123456789012:function:missing" is not registered`},
		{"definition is required", []string{"sfn", "run"}, 2, "", "", "", "--definition is required"},
		{"placeholders are substituted", []string{"sfn", "run", "--definition", placeholder, "--input", input, "--sub", "ScoreLeadFunctionArn=score-lead"}, 0, "SUCCEEDED",
			`{"score":80}`, "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded", ""},
		{"missing substitution is named", []string{"sfn", "run", "--definition", placeholder}, 1, "", "", "", "no value for placeholder ${ScoreLeadFunctionArn}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := dispatch(tt.args, &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errb.String())
			}
			if tt.stderrHas != "" && !strings.Contains(errb.String(), tt.stderrHas) {
				t.Errorf("stderr %q does not contain %q", errb.String(), tt.stderrHas)
			}
			if tt.status == "" {
				return
			}
			var res struct {
				Status  string          `json:"status"`
				Output  json.RawMessage `json:"output"`
				Error   *string         `json:"error"`
				Cause   *string         `json:"cause"`
				History []struct {
					ID              int64          `json:"id"`
					PreviousEventID int64          `json:"previousEventId"`
					Type            string         `json:"type"`
					Details         map[string]any `json:"details"`
				} `json:"history"`
			}
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("stdout is not the result JSON: %v\n%s", err, out.String())
			}
			if res.Status != tt.status || string(res.Output) != tt.output {
				t.Errorf("status %s output %s, want %s %s", res.Status, res.Output, tt.status, tt.output)
			}
			var types []string
			for i, h := range res.History {
				types = append(types, h.Type)
				if h.ID != int64(i+1) {
					t.Errorf("event %d has id %d", i, h.ID)
				}
			}
			if strings.Join(types, " ") != tt.types {
				t.Errorf("history\n got %s\nwant %s", strings.Join(types, " "), tt.types)
			}
			if tt.status == "FAILED" && (res.Error == nil || *res.Error != "LeadNotQualified" || res.Cause == nil || *res.Cause != "score below 50") {
				t.Errorf("error %v cause %v", res.Error, res.Cause)
			}
		})
	}
}
