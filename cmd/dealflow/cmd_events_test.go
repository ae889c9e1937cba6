package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTree(t *testing.T, files map[string]string) string {
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

func TestValidateReportsEveryProjectProblemAsFilePathMessage(t *testing.T) {
	root := writeTree(t, map[string]string{
		"statemachines/x.asl.json": `{"StartAt":"Route","States":{"Route":{"Type":"Pass","Next":"Notfy"},"Notify":{"Type":"Succeed"}}}`,
		"statemachines/y.asl.json": `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${NoSuchFunctionArn}","End":true}}}`,
		"events/rules/r.json":      `{"Name":"r","EventPattern":{"source":[]},"Targets":[{"Id":"t","StateMachine":"missing-flow"}]}`,
		"events/schedules/s.json":  `{"Name":"s","ScheduleExpression":"cron(0 8 * * * *)","FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Function":"no-such-fn"}}`,
	})
	var out, errb bytes.Buffer
	code := dispatch([]string{"validate", "--root", root, "../../examples/org.yaml"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out.String())
	}
	for _, want := range []string{
		`statemachines/x.asl.json: States.Route.Next: unknown state "Notfy"`,
		`statemachines/y.asl.json: ${NoSuchFunctionArn}: unknown placeholder`,
		`events/rules/r.json: EventPattern: `,
		`events/rules/r.json: Targets[0]: unknown state machine "missing-flow"`,
		`events/schedules/s.json: ScheduleExpression: `,
		`events/schedules/s.json: Target: unknown function "no-such-fn"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestValidateAcceptsTheProjectsOwnFiles(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch([]string{"validate", "--root", "../..", "../../examples/org.yaml"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "state machines") {
		t.Fatalf("summary lacks the project part: %s", out.String())
	}
}

func TestEventsOperatorCommandsCheckTheirArguments(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch([]string{"events", "dlq", "purge"}, &out, &errb); code != 2 {
		t.Fatalf("unknown dlq verb: exit %d", code)
	}
	if code := dispatch([]string{"events", "replay", "--from", "yesterday", "--to", "now"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "RFC 3339") {
		t.Fatalf("bad times: exit %d %s", code, errb.String())
	}
	db := filepath.Join(t.TempDir(), "db")
	errb.Reset()
	if code := dispatch([]string{"events", "dlq", "list", "--db", db, "--root", "../.."}, &out, &errb); code != 0 {
		t.Fatalf("dlq list on a new database: exit %d %s", code, errb.String())
	}
	if code := dispatch([]string{"events", "replay", "--db", db, "--root", "../..", "--from", "2026-01-01T00:00:00Z", "--to", "2026-02-01T00:00:00Z"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "queued 0 deliveries") {
		t.Fatalf("replay: exit %d %s %s", code, out.String(), errb.String())
	}
}
