package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/events"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newTestEngine(t *testing.T, opts ...Option) (*Engine, *clock.Fake, *Registry) {
	t.Helper()
	clk := clock.NewFake(t0)
	reg := NewRegistry()
	e, err := New(append([]Option{WithClock(clk), WithFunctions(reg)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e, clk, reg
}

func start(t *testing.T, e *Engine, def, name, input string) *Execution {
	t.Helper()
	sm, err := e.CreateStateMachine(context.Background(), "m", []byte(def), "m.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.StartExecution(context.Background(), StartExecutionInput{StateMachineArn: sm.ARN, Name: name, Input: input})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := e.Execution(out.ExecutionArn)
	return x
}

func waitDone(t *testing.T, x *Execution) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := x.Wait(ctx); err != nil {
		t.Fatalf("execution did not finish: %v; history %v", err, historyTypes(x))
	}
}

// waitParked waits until the fake clock has n timers (the execution is parked on them).
func waitParked(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for clk.Pending() < n {
		if time.Now().After(deadline) {
			t.Fatalf("execution never parked on %d timer(s)", n)
		}
		time.Sleep(time.Millisecond)
	}
}

func historyTypes(x *Execution) string {
	var ts []string
	for _, h := range x.History() {
		ts = append(ts, h.Type)
	}
	return strings.Join(ts, ",")
}

func TestWaitCompletesWhenFakeClockPassesIt(t *testing.T) {
	tests := []struct {
		name, state, input string
		advance            time.Duration
	}{
		{"three-day seconds", `{"Type":"Wait","Seconds":259200,"End":true}`, `{}`, 72 * time.Hour},
		{"timestamp path", `{"Type":"Wait","TimestampPath":"$.due","End":true}`, `{"due":"2026-03-05T09:00:00Z"}`, 72 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clk, _ := newTestEngine(t)
			x := start(t, e, `{"StartAt":"W","States":{"W":`+tt.state+`}}`, "", tt.input)
			waitParked(t, clk, 1)
			clk.Advance(tt.advance - time.Second)
			select {
			case <-x.Done():
				t.Fatal("Wait ended a second early")
			case <-time.After(20 * time.Millisecond):
			}
			clk.Advance(time.Second)
			waitDone(t, x)
			if st, _, _, _ := x.Status(); st != StatusSucceeded {
				t.Fatalf("status %s", st)
			}
		})
	}
}

func TestRetryBackoffCapsAndCatches(t *testing.T) {
	e, clk, reg := newTestEngine(t)
	var mu sync.Mutex
	var calls []time.Time
	reg.Register("flaky", func(ctx context.Context, in map[string]any) (map[string]any, error) {
		mu.Lock()
		calls = append(calls, clk.Now())
		mu.Unlock()
		return nil, &ErrCapacityExhausted{}
	})
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"flaky","Payload":{}},
	       "Retry":[{"ErrorEquals":["ErrCapacityExhausted"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":3,"MaxDelaySeconds":10}],
	       "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Fallback"}],"End":true},
	  "Fallback":{"Type":"Pass","End":true}}}`
	x := start(t, e, def, "", `{"lead":"L-1"}`)
	for _, d := range []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second} {
		waitParked(t, clk, 1)
		clk.Advance(d)
	}
	waitDone(t, x)
	_, out, _, _ := x.Status()
	if out == nil || !strings.Contains(*out, `"Error":"ErrCapacityExhausted"`) || !strings.Contains(*out, `"lead":"L-1"`) {
		t.Fatalf("output %v, want the caught Go error type under $.error", out)
	}
	want := []time.Duration{0, 2 * time.Second, 8 * time.Second, 18 * time.Second}
	if len(calls) != len(want) {
		t.Fatalf("%d calls, want %d", len(calls), len(want))
	}
	for i, c := range calls {
		if got := c.Sub(t0); got != want[i] {
			t.Errorf("attempt %d at +%s, want +%s (interval 2s, backoff 3, capped at 10s)", i, got, want[i])
		}
	}
}

// ErrCapacityExhausted is a handler error whose type name drives Retry/Catch.
type ErrCapacityExhausted struct{}

func (*ErrCapacityExhausted) Error() string { return "all reps are at capacity" }

func TestJitterFullStaysBelowTheDelay(t *testing.T) {
	r := Retrier{IntervalSeconds: 4, BackoffRate: 2, MaxDelaySeconds: 5, JitterFull: true}
	for i := 0; i < 200; i++ {
		if d := retryDelay(r, 3); d < 0 || d > 5*time.Second {
			t.Fatalf("jittered delay %s outside [0, 5s]", d)
		}
	}
	if d := retryDelay(Retrier{IntervalSeconds: 4, BackoffRate: 2}, 2); d != 16*time.Second {
		t.Fatalf("delay %s, want 16s", d)
	}
}

func TestExecutionNamesAreIdempotent(t *testing.T) {
	e, _, _ := newTestEngine(t)
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "m", []byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	first, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Name: "lead-42", Input: `{"a":1}`})
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Name: "lead-42", Input: `{"a":1}`})
	if err != nil || again.ExecutionArn != first.ExecutionArn {
		t.Fatalf("same name and input: %v, %v; want the existing execution", again, err)
	}
	if _, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Name: "lead-42", Input: `{"a":2}`}); !errors.Is(err, ErrExecutionAlreadyExists) {
		t.Fatalf("same name, other input: %v, want ErrExecutionAlreadyExists", err)
	}
	list, err := e.ListExecutions(ctx, sm.ARN, "")
	if err != nil || len(list) != 1 {
		t.Fatalf("ListExecutions = %v, %v; want one execution", list, err)
	}
}

func TestPayloadLimitFailsTheState(t *testing.T) {
	e, _, _ := newTestEngine(t)
	big := strings.Repeat("x", 200*1024)
	def := fmt.Sprintf(`{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"},"End":true}}}`)
	x := start(t, e, def, "", `{"s":"`+big+`"}`)
	waitDone(t, x)
	st, _, errName, cause := x.Status()
	if st != StatusFailed || errName == nil || *errName != ErrDataLimitExceeded {
		t.Fatalf("status %s error %v, want FAILED States.DataLimitExceeded", st, errName)
	}
	if !strings.Contains(*cause, "'A'") {
		t.Errorf("cause %q does not name the state", *cause)
	}
}

func TestHistoryQuotaFailsTheExecution(t *testing.T) {
	e, _, _ := newTestEngine(t)
	// A loop that never takes its exit: two events per state.
	x := start(t, e, `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
	  "B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"A"},"Done":{"Type":"Succeed"}}}`, "", `{}`)
	waitDone(t, x)
	st, _, errName, _ := x.Status()
	h := x.History()
	if st != StatusFailed || *errName != ErrRuntime || len(h) != maxHistoryEvents {
		t.Fatalf("status %s error %v events %d; want FAILED States.Runtime at exactly %d events", st, *errName, len(h), maxHistoryEvents)
	}
}

func TestTaskTokenCallbacks(t *testing.T) {
	def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
	  "Parameters":{"FunctionName":"ask","Payload":{"token.$":"$$.Task.Token"}},"HeartbeatSeconds":30,"TimeoutSeconds":3600,"End":true}}}`
	tests := []struct {
		name     string
		act      func(e *Engine, clk *clock.Fake, token string, x *Execution) error
		status   string
		errName  string
		contains string
	}{
		{"success", func(e *Engine, _ *clock.Fake, tok string, _ *Execution) error {
			return e.SendTaskSuccess(context.Background(), tok, `{"accepted":true}`)
		}, StatusSucceeded, "", `{"accepted":true}`},
		{"failure", func(e *Engine, _ *clock.Fake, tok string, _ *Execution) error {
			return e.SendTaskFailure(context.Background(), tok, "HandoffDeclined", "AE is out of office")
		}, StatusFailed, "HandoffDeclined", "out of office"},
		{"heartbeat keeps it alive then times out", func(e *Engine, clk *clock.Fake, tok string, x *Execution) error {
			clk.Advance(20 * time.Second)
			beat := clk.Now()
			if err := e.SendTaskHeartbeat(context.Background(), tok); err != nil {
				return err
			}
			// The beat re-arms the heartbeat timer for 30 s after it; wait for that before moving on.
			for deadline := time.Now().Add(5 * time.Second); !clk.HasTimerDue(beat.Add(30 * time.Second)); {
				if time.Now().After(deadline) {
					return errors.New("the heartbeat never re-armed the heartbeat timer")
				}
				time.Sleep(time.Millisecond)
			}
			clk.Advance(20 * time.Second) // 40s after start but 20s after the beat
			time.Sleep(10 * time.Millisecond)
			select {
			case <-x.Done():
				return errors.New("task timed out although a heartbeat arrived within HeartbeatSeconds")
			default:
			}
			clk.Advance(11 * time.Second)
			return nil
		}, StatusFailed, ErrHeartbeatTimeout, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, clk, reg := newTestEngine(t)
			tokens := make(chan string, 1)
			reg.Register("ask", func(_ context.Context, in struct{ Token string }) (struct{}, error) {
				tokens <- in.Token
				return struct{}{}, nil
			})
			x := start(t, e, def, "", `{}`)
			tok := <-tokens
			if len(tok) < 32 {
				t.Fatalf("token %q shorter than 128 bits of hex", tok)
			}
			waitParked(t, clk, 2)
			if err := tt.act(e, clk, tok, x); err != nil {
				t.Fatal(err)
			}
			waitDone(t, x)
			st, out, errName, cause := x.Status()
			if st != tt.status {
				t.Fatalf("status %s, want %s (%s)", st, tt.status, historyTypes(x))
			}
			if tt.errName != "" && (errName == nil || *errName != tt.errName) {
				t.Fatalf("error %v, want %s", errName, tt.errName)
			}
			got := ""
			if out != nil {
				got = *out
			} else if cause != nil {
				got = *cause
			}
			if !strings.Contains(got, tt.contains) {
				t.Errorf("result %q does not contain %q", got, tt.contains)
			}
			if err := e.SendTaskSuccess(context.Background(), tok, `{}`); !errors.Is(err, ErrTaskDoesNotExist) {
				t.Errorf("token reuse: %v, want ErrTaskDoesNotExist", err)
			}
		})
	}
}

type recordingPublisher struct {
	mu      sync.Mutex
	entries []events.Entry
}

func (p *recordingPublisher) Publish(_ context.Context, es []events.Entry) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ids []string
	for _, e := range es {
		p.entries = append(p.entries, e)
		ids = append(ids, fmt.Sprintf("evt-%d", len(p.entries)))
	}
	return ids, nil
}

func TestPutEventsAndNestedExecution(t *testing.T) {
	pub := &recordingPublisher{}
	e, _, _ := newTestEngine(t, WithPublisher(pub))
	ctx := context.Background()
	child, err := e.CreateStateMachine(ctx, "child", []byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"seen.$":"$.deal"},"End":true}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	def := `{"StartAt":"Emit","States":{
	  "Emit":{"Type":"Task","Resource":"arn:aws:states:::events:putEvents","Parameters":{"Entries":[{"Source":"dealflow","DetailType":"Deal Closed Won","Detail":{"dealId.$":"$.deal"}}]},"ResultPath":"$.put","Next":"Child"},
	  "Child":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"` + child.ARN + `","Input":{"deal.$":"$.deal"}},"ResultSelector":{"out.$":"$.Output"},"End":true}}}`
	x := start(t, e, def, "", `{"deal":"D-9"}`)
	waitDone(t, x)
	st, out, _, cause := x.Status()
	if st != StatusSucceeded {
		t.Fatalf("status %s cause %v: %s", st, cause, historyTypes(x))
	}
	if *out != `{"out":{"seen":"D-9"}}` {
		t.Errorf("output %s", *out)
	}
	if len(pub.entries) != 1 || pub.entries[0].DetailType != "Deal Closed Won" || pub.entries[0].Detail != `{"dealId":"D-9"}` {
		t.Errorf("published %+v", pub.entries)
	}
	want := "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited," +
		"TaskStateEntered,TaskScheduled,TaskStarted,TaskSubmitted,TaskSucceeded,TaskStateExited,ExecutionSucceeded"
	if h := historyTypes(x); h != want {
		t.Errorf("history\n got %s\nwant %s", h, want)
	}
}

func TestGoHandlerErrorTypeAndLegacyResource(t *testing.T) {
	e, _, reg := newTestEngine(t)
	reg.Register("route", func(ctx context.Context, in struct{ Lead string }) (string, error) {
		return "", &ErrCapacityExhausted{}
	})
	def := `{"StartAt":"R","States":{"R":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:route","End":true}}}`
	x := start(t, e, def, "", `{"Lead":"L-1"}`)
	waitDone(t, x)
	_, _, errName, cause := x.Status()
	if errName == nil || *errName != "ErrCapacityExhausted" {
		t.Fatalf("error %v, want the Go type name", errName)
	}
	var doc map[string]string
	if err := json.Unmarshal([]byte(*cause), &doc); err != nil || doc["errorMessage"] != "all reps are at capacity" {
		t.Errorf("cause %q, want the Lambda error document", *cause)
	}
	if h := historyTypes(x); !strings.Contains(h, "LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionFailed") {
		t.Errorf("history %s", h)
	}
}

func TestStopExecutionAborts(t *testing.T) {
	e, clk, _ := newTestEngine(t)
	x := start(t, e, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`, "", `{}`)
	waitParked(t, clk, 1)
	if err := e.StopExecution(context.Background(), x.ARN, "Manual", "rep reassigned"); err != nil {
		t.Fatal(err)
	}
	d, err := e.DescribeExecution(context.Background(), x.ARN)
	if err != nil || d.Status != StatusAborted || d.StopDate.IsZero() {
		t.Fatalf("describe %+v, %v; want ABORTED with a stop date", d, err)
	}
	if h := historyTypes(x); !strings.HasSuffix(h, "ExecutionAborted") {
		t.Errorf("history %s", h)
	}
}

func TestDurableEngineResumesWaitInProcess(t *testing.T) {
	db := openCrashDB(t, t.TempDir()+"/sfn.db")
	p, err := NewSQLitePersistence(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	e1, _ := New(WithClock(clk), WithPersistence(p))
	x := start(t, e1, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":259200,"Next":"P"},"P":{"Type":"Pass","Result":"done","End":true}}}`, "onboarding-1", `{}`)
	waitParked(t, clk, 1)
	e1.Close() // like a shutdown: nothing more happens in e1

	e2, _ := New(WithClock(clk), WithPersistence(p))
	n, err := e2.Recover(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1 resumed", n, err)
	}
	x2, _ := e2.Execution(x.ARN)
	waitParked(t, clk, 1)
	clk.Advance(72 * time.Hour)
	waitDone(t, x2)
	if st, out, _, _ := x2.Status(); st != StatusSucceeded || *out != `"done"` {
		t.Fatalf("status %s output %v", st, out)
	}
	want := "ExecutionStarted,WaitStateEntered,WaitStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded"
	if h := historyTypes(x2); h != want {
		t.Errorf("history %s, want %s", h, want)
	}
	stored, err := p.History(context.Background(), x.ARN)
	if err != nil || len(stored) != 6 {
		t.Errorf("stored history %d events, %v", len(stored), err)
	}
}
