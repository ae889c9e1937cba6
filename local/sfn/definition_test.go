package sfn

import (
	"strings"
	"testing"
)

func TestParseRejectsWithFileStateAndField(t *testing.T) {
	tests := []struct {
		name, def, want string
	}{
		{"unknown next", `{"StartAt":"Route","States":{"Route":{"Type":"Pass","Next":"Notfy"},"Notify":{"Type":"Succeed"}}}`,
			`statemachines/x.asl.json: States.Route.Next: unknown state "Notfy"`},
		{"missing next and end", `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`,
			`statemachines/x.asl.json: States.A: missing Next or End: true`},
		{"unknown field", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Resultpath":"$.x"}}}`,
			`statemachines/x.asl.json: States.A.Resultpath: unknown field for a Pass state`},
		{"unreachable", `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}`,
			`statemachines/x.asl.json: States.B: state is not reachable from StartAt "A"`},
		{"distributed item reader", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject"},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"P","States":{"P":{"Type":"Succeed"}}},"End":true}}}`,
			`statemachines/x.asl.json: States.M.ItemReader: distributed Map ItemReader is not supported`},
		{"unknown resource", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","End":true}}}`,
			`statemachines/x.asl.json: States.T.Resource: unsupported service integration "arn:aws:states:::sqs:sendMessage"`},
		{"unregistered lambda", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:eu-central-1:123456789012:function:score-lead","End":true}}}`,
			`statemachines/x.asl.json: States.T.Resource: Lambda function "arn:aws:lambda:eu-central-1:123456789012:function:score-lead" is not registered`},
		{"nested branch next", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Gone"}}}]}}}`,
			`statemachines/x.asl.json: States.P.Branches[0].States.A.Next: unknown state "Gone"`},
		{"jsonpath field in jsonata state", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.x","End":true}}}`,
			`statemachines/x.asl.json: States.A.InputPath: field is not supported when QueryLanguage is JSONata`},
		{"choice without operator", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","Next":"D"}]},"D":{"Type":"Succeed"}}}`,
			`statemachines/x.asl.json: States.C.Choices[0]: missing a comparison operator`},
		{"no terminal state", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A"}}}`,
			`statemachines/x.asl.json: States: no terminal state`},
		{"retry with bad backoff", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Retry":[{"ErrorEquals":["States.ALL"],"BackoffRate":0.5}],"End":true}}}`,
			`statemachines/x.asl.json: States.T.Retry[0].BackoffRate: must be a number >= 1.0`},
	}
	known := func(name string) bool { return functionName(name) == "f" }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.def), LoadOptions{File: "statemachines/x.asl.json", FunctionKnown: known})
			if err == nil {
				t.Fatalf("Parse accepted the definition, want error %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error\n got %q\nwant prefix %q", err.Error(), tt.want)
			}
		})
	}
}

func TestParseAcceptsFullFeaturedDefinition(t *testing.T) {
	def := `{
	  "Comment": "handoff", "TimeoutSeconds": 3600,
	  "StartAt": "Notify",
	  "States": {
	    "Notify": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
	      "Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}},
	      "HeartbeatSeconds": 60, "TimeoutSeconds": 600,
	      "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 2, "MaxDelaySeconds": 30, "JitterStrategy": "FULL"}],
	      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Escalate"}],
	      "Next": "Wait"},
	    "Wait": {"Type": "Wait", "TimestampPath": "$.due", "Next": "Done"},
	    "Escalate": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
	      "Parameters": {"Entries": [{"Source": "dealflow", "DetailType": "Handoff Expired", "Detail.$": "$"}]}, "Next": "Done"},
	    "Done": {"Type": "Succeed"}
	  }}`
	d, err := Parse([]byte(def), LoadOptions{File: "x.asl.json", FunctionKnown: func(n string) bool { return n == "f" }})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.States["Notify"].Retry[0]; got.MaxAttempts != 2 || got.MaxDelaySeconds != 30 || !got.JitterFull || got.BackoffRate != 2 {
		t.Errorf("retrier %+v", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`)
	f.Add(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.a","IsPresent":true}],"Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}`)
	f.Add(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`)
	f.Add(`{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% 1 %}","End":true}}}`)
	f.Fuzz(func(t *testing.T, text string) {
		d, err := Parse([]byte(text), LoadOptions{File: "fuzz.json"})
		if err == nil && d.States[d.StartAt] == nil {
			t.Fatalf("accepted a definition whose StartAt %q is not a state", d.StartAt)
		}
	})
}

func TestSubstitutePlaceholders(t *testing.T) {
	def := []byte(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${ScoreLeadFunctionArn}","End":true}}}`)
	out, err := Substitute(def, "statemachines/q.asl.json", map[string]string{"ScoreLeadFunctionArn": "arn:aws:lambda:eu-central-1:000000000000:function:score-lead"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"Resource":"arn:aws:lambda:eu-central-1:000000000000:function:score-lead"`) {
		t.Errorf("substituted definition %s", out)
	}
	_, err = Substitute(def, "statemachines/q.asl.json", nil)
	if err == nil || err.Error() != "statemachines/q.asl.json: no value for placeholder ${ScoreLeadFunctionArn} (give one, e.g. --sub ScoreLeadFunctionArn=VALUE)" {
		t.Errorf("missing placeholder error = %v", err)
	}
}

func TestParseRejectsBadExpressions(t *testing.T) {
	tests := []struct{ name, state, wantPrefix string }{
		{"bad input path", `{"Type":"Pass","InputPath":"$.a[","End":true}`, `x.asl.json: States.S.InputPath: `},
		{"bad intrinsic", `{"Type":"Pass","Parameters":{"v.$":"States.Format('{}'"},"End":true}`, `x.asl.json: States.S.Parameters/v.$: `},
		{"bad jsonata", `{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input. %}","End":true}`, `x.asl.json: States.S.Output`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(`{"StartAt":"S","States":{"S":`+tt.state+`}}`), LoadOptions{File: "x.asl.json"})
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantPrefix) {
				t.Fatalf("error %v, want prefix %q", err, tt.wantPrefix)
			}
		})
	}
}
