package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeProject lays out a tiny project in a temp dir: files maps relative paths to contents.
func writeProject(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const fnMain = "package main\n"

func TestProjectCheckNamesWhatIsMissing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		route []Route
		want  []string // substrings of the error; none means no error
	}{
		{
			name: "every placeholder resolves",
			files: map[string]string{
				"functions/qualify-lead/main.go": fnMain,
				"statemachines/child.asl.json":   `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`,
				"statemachines/lead-qualification.asl.json": `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${QualifyLeadFunctionArn}","Next":"B"},
					"B":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"${ChildStateMachineArn}","Input":{"bus":"${EventBusName}"}},"End":true}}}`,
			},
		},
		{
			name: "placeholder naming a missing function",
			files: map[string]string{
				"statemachines/lead-qualification.asl.json": `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${RouteLeadFunctionArn}","End":true}}}`,
			},
			want: []string{"lead-qualification.asl.json: ${RouteLeadFunctionArn}", `PascalCase(name) = "RouteLead"`},
		},
		{
			name: "unknown placeholder kind",
			files: map[string]string{
				"statemachines/x.asl.json": `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"${TableName}","End":true}}}`,
			},
			want: []string{"${TableName}: unknown placeholder"},
		},
		{
			name: "rule and schedule targets that do not exist",
			files: map[string]string{
				"events/rules/r.json":     `{"Name":"r","EventPattern":{"source":["dealflow"]},"Targets":[{"Id":"a","StateMachine":"nope"},{"Id":"b","Function":"gone"}]}`,
				"events/schedules/s.json": `{"Name":"s","ScheduleExpression":"rate(1 hour)","FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Function":"gone"}}`,
			},
			want: []string{"r.json: Targets[0].StateMachine: no statemachines/nope.asl.json", "r.json: Targets[1].Function: no functions/gone/main.go", "s.json: Target.Function: no functions/gone/main.go"},
		},
		{
			name:  "route served by a missing function, and a duplicate route",
			files: map[string]string{"functions/intake/main.go": fnMain},
			route: []Route{{Method: "POST", Path: "/v1/leads", Function: "intake"}, {Method: "POST", Path: "/v1/leads", Function: "intake"}, {Method: "GET", Path: "/x", Function: "missing"}},
			want:  []string{`"POST /v1/leads" is listed twice`, "GET /x: no functions/missing/main.go"},
		},
		{
			name:  "a malformed rule file is reported with its file",
			files: map[string]string{"events/rules/bad.json": `{"Name":"bad","EventPattern":{},"Targets":[],"Extra":1}`},
			want:  []string{"bad.json"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := writeProject(t, tc.files)
			p, err := LoadProject(root, tc.route)
			if err == nil {
				err = p.Check()
			}
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one mentioning %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not mention %q", err, w)
				}
			}
		})
	}
}

func TestStateMachineScanFindsNestedResources(t *testing.T) {
	root := writeProject(t, map[string]string{"statemachines/m.asl.json": `{"StartAt":"P","States":{
		"P":{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","End":true}}}],"Next":"M"},
		"M":{"Type":"Map","ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}},"End":true}}}`})
	p, err := LoadProject(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	sm := p.StateMachines[0]
	if len(sm.Resources) != 1 || sm.Resources[0] != "arn:aws:states:::lambda:invoke.waitForTaskToken" {
		t.Errorf("resources = %q, want the Task inside the Parallel branch", sm.Resources)
	}
	if sm.MaxWaitSecs != 600 {
		t.Errorf("longest wait = %d, want the 600 s Wait inside the Map", sm.MaxWaitSecs)
	}
}

func TestExpressRejectsWhatExpressCannotRun(t *testing.T) {
	saved := workflowTypes["lead-qualification"]
	defer func() { workflowTypes["lead-qualification"] = saved }()
	workflowTypes["lead-qualification"] = WorkflowType{Express: true, Reason: "test"}
	for _, tc := range []struct {
		name    string
		sm      StateMachineFile
		wantErr string
	}{
		{"short lambda calls", StateMachineFile{Name: "lead-qualification", Resources: []string{"arn:aws:states:::lambda:invoke"}, MaxWaitSecs: 60}, ""},
		{"callback", StateMachineFile{Name: "lead-qualification", Resources: []string{"arn:aws:states:::lambda:invoke.waitForTaskToken"}}, "do not support .sync or .waitForTaskToken"},
		{"sync child", StateMachineFile{Name: "lead-qualification", Resources: []string{"arn:aws:states:::states:startExecution.sync:2"}}, "do not support .sync"},
		{"long wait", StateMachineFile{Name: "lead-qualification", MaxWaitSecs: 301}, "5-minute limit"},
		{"standard may wait", StateMachineFile{Name: "cs-onboarding", Resources: []string{"arn:aws:states:::lambda:invoke.waitForTaskToken"}, MaxWaitSecs: 1 << 30}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := workflowType(tc.sm)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestIntegrationsOutsideTheGrantedSetAreRejected(t *testing.T) {
	for _, tc := range []struct {
		resource string
		ok       bool
	}{
		{"arn:aws:states:::lambda:invoke", true},
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", true},
		{"arn:aws:states:::events:putEvents", true},
		{"arn:aws:states:::states:startExecution.sync:2", true},
		{"${QualifyLeadFunctionArn}", true},
		{"arn:aws:states:::dynamodb:putItem", false},
		{"arn:aws:states:::sqs:sendMessage", false},
		{"arn:aws:lambda:eu-central-1:123456789012:function:hardcoded", false},
	} {
		t.Run(tc.resource, func(t *testing.T) {
			err := checkIntegration(StateMachineFile{File: "x.asl.json"}, tc.resource)
			if (err == nil) != tc.ok {
				t.Errorf("checkIntegration(%q) = %v, want ok=%v", tc.resource, err, tc.ok)
			}
		})
	}
}

func TestAccessTableCoversEveryFunction(t *testing.T) {
	p := &Project{Functions: []string{"intake", "new-thing"}}
	err := checkAccess(p, map[string]Access{"intake": {Table: ReadTable}})
	if err == nil || !strings.Contains(err.Error(), "new-thing") {
		t.Fatalf("error = %v, want one naming the function without an entry", err)
	}
	err = checkAccess(&Project{Functions: []string{"intake"}}, map[string]Access{"intake": {Secrets: []string{"no-such-secret"}}})
	if err == nil || !strings.Contains(err.Error(), "no-such-secret") {
		t.Errorf("error = %v, want one naming the unknown secret", err)
	}
}

// Every way the shared route table authenticates has a written reason, or cdk-nag fails the synth.
func TestEveryRouteAuthKindHasAReason(t *testing.T) {
	for _, r := range routeTable() {
		if _, ok := routeAuthReasons[r.Auth]; !ok {
			t.Errorf("%s %s: Auth %q has no entry in routeAuthReasons (infra/routes.go)", r.Method, r.Path, r.Auth)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{routeID(Route{Method: "POST", Path: "/v1/forms/{formId}"}), "PostV1FormsFormid"},
		{DigestSchedule{ID: "digest-katrin-mueller"}.ScheduleName(), "digest-katrin-mueller"},
		{DigestSchedule{ID: "katrin monthly"}.ScheduleName(), "digest-katrin-monthly"},
		{envName("lead-signing-keys"), "LEAD_SIGNING_KEYS"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestOrgFileErrorsUseValidateMessages(t *testing.T) {
	root := writeProject(t, map[string]string{"org.yaml": "reps:\n  - id: a\n    timezone: Europe/Berlni\n"})
	_, err := loadOrg(filepath.Join(root, "org.yaml"))
	if err == nil || !strings.Contains(err.Error(), "org.yaml:3:") {
		t.Fatalf("error = %v, want `file:line:col: path: message` lines as dealflow validate prints", err)
	}
}
