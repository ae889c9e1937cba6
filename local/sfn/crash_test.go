package sfn

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// The crash test runs the engine in child processes (this test binary re-executed with
// SFN_CRASH_CHILD set), SIGKILLs them mid-Wait and mid-waitForTaskToken, and checks that the
// restarted engine completes the execution with every side effect exactly once.

const crashDefinition = `{
  "StartAt": "Prepare",
  "States": {
    "Prepare": {"Type": "Pass", "Result": {"deal": "D-1"}, "Next": "Before"},
    "Before": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "record", "Payload": {"step": "before"}}, "ResultPath": null, "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": 2, "Next": "Handoff"},
    "Handoff": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
      "Parameters": {"FunctionName": "park", "Payload": {"token.$": "$$.Task.Token"}}, "ResultPath": "$.accepted",
      "TimeoutSeconds": 60, "Next": "After"},
    "After": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "record", "Payload": {"step": "after"}}, "ResultPath": null, "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
}`

func openCrashDB(t testing.TB, path string) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	db.SetMaxOpenConns(1)
	return db
}

// crashEngine builds the engine the child processes run.
func crashEngine(t testing.TB, dir string) (*Engine, *SQLitePersistence) {
	db := openCrashDB(t, filepath.Join(dir, "sfn.db"))
	p, err := NewSQLitePersistence(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry()
	appendLine := func(name, line string) {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			panic(err)
		}
		fmt.Fprintln(f, line)
		f.Close()
	}
	reg.Register("record", func(_ context.Context, in struct{ Step string }) (map[string]string, error) {
		appendLine("effects.txt", in.Step)
		return map[string]string{"recorded": in.Step}, nil
	})
	reg.Register("park", func(_ context.Context, in struct{ Token string }) (map[string]string, error) {
		appendLine("effects.txt", "park")
		if err := os.WriteFile(filepath.Join(dir, "token.txt"), []byte(in.Token), 0o644); err != nil {
			return nil, err
		}
		return map[string]string{}, nil
	})
	e, err := New(WithPersistence(p), WithFunctions(reg))
	if err != nil {
		t.Fatal(err)
	}
	return e, p
}

// TestCrashChild is the child side; it does nothing unless SFN_CRASH_CHILD is set.
func TestCrashChild(t *testing.T) {
	step := os.Getenv("SFN_CRASH_CHILD")
	if step == "" {
		t.Skip("child process of TestCrashRecovery")
	}
	dir := os.Getenv("SFN_CRASH_DIR")
	e, p := crashEngine(t, dir)
	ctx := context.Background()
	var arn string
	if step == "start" {
		sm, err := e.CreateStateMachine(ctx, "crash", []byte(crashDefinition), "crash.asl.json")
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Name: "crash-1", Input: `{"lead": "L-1"}`})
		if err != nil {
			t.Fatal(err)
		}
		arn = out.ExecutionArn
	} else {
		if _, err := e.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		arn = "arn:aws:states:us-east-1:000000000000:execution:crash:crash-1"
	}
	waitPhase := map[string]string{"start": phaseWait, "resume-wait": phaseToken}[step]
	if waitPhase != "" {
		// Report once the execution is parked with its checkpoint on disk; the parent kills us.
		for {
			_, cp, err := p.Execution(ctx, arn)
			if err != nil {
				t.Fatal(err)
			}
			if cp != nil && cp.Phase == waitPhase {
				fmt.Printf("PARKED %s\n", waitPhase)
				os.Stdout.Sync()
				select {}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// Final run: complete the task token and wait for the end.
	token, err := os.ReadFile(filepath.Join(dir, "token.txt"))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := e.SendTaskSuccess(ctx, string(token), `{"by": "ae-7"}`)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("send task success: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	x, _ := e.Execution(arn)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := x.Wait(wctx); err != nil {
		t.Fatal(err)
	}
	status, output, _, _ := x.Status()
	var types []string
	for _, h := range x.History() {
		types = append(types, h.Type)
	}
	fmt.Printf("STATUS %s\nOUTPUT %s\nTYPES %s\n", status, *output, strings.Join(types, ","))
}

func runCrashChild(t *testing.T, dir, step string, kill bool) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), "SFN_CRASH_CHILD="+step, "SFN_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(out)
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	for sc.Scan() {
		line := sc.Text()
		lines = append(lines, line)
		if kill && strings.HasPrefix(line, "PARKED ") {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	werr := cmd.Wait()
	if !kill && werr != nil {
		t.Fatalf("child %s: %v\n%s", step, werr, strings.Join(lines, "\n"))
	}
	return strings.Join(lines, "\n")
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	if out := runCrashChild(t, dir, "start", true); !strings.Contains(out, "PARKED wait") {
		t.Fatalf("first run did not park in the Wait state:\n%s", out)
	}
	if out := runCrashChild(t, dir, "resume-wait", true); !strings.Contains(out, "PARKED token") {
		t.Fatalf("second run did not park on the task token:\n%s", out)
	}
	out := runCrashChild(t, dir, "finish", false)
	if !strings.Contains(out, "STATUS SUCCEEDED") {
		t.Fatalf("execution did not succeed after two crashes:\n%s", out)
	}
	if !strings.Contains(out, `OUTPUT {"accepted":{"by":"ae-7"},"deal":"D-1"}`) {
		t.Errorf("output lost across crashes:\n%s", out)
	}
	effects, err := os.ReadFile(filepath.Join(dir, "effects.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Fields(string(effects)), []string{"before", "park", "after"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("side effects %v, want each exactly once: %v", got, want)
	}
	wantTypes := "ExecutionStarted,PassStateEntered,PassStateExited,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited," +
		"WaitStateEntered,WaitStateExited,TaskStateEntered,TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded,TaskStateExited," +
		"TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded"
	if !strings.Contains(out, "TYPES "+wantTypes+"\n") && !strings.HasSuffix(out, "TYPES "+wantTypes) {
		t.Errorf("history after recovery is not one transition each:\n%s\nwant TYPES %s", out, wantTypes)
	}
}
