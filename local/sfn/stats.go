package sfn

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// Execution counters are kept as executions start, enter states and end, so that reading them
// (the runtime's /metrics) costs nothing per execution; Recover starts the counts by status from
// the store, transitions count from the engine's start.

// machineStats are the counters of one state machine (by ARN, so a re-registered definition
// keeps counting).
type machineStats struct {
	started, running, transitions        atomic.Int64
	succeeded, failed, timedOut, aborted atomic.Int64
}

// MachineStats is a snapshot of one state machine's execution counters.
type MachineStats struct {
	Started, Running, Succeeded, Failed, TimedOut, Aborted int64
	// Transitions counts states entered (also inside Parallel and Map) since the engine started.
	Transitions int64
}

// FinishedExecution is what the WithOnFinish hook is told about an execution that ended.
type FinishedExecution struct {
	StateMachineARN, ExecutionARN, Status string
	StartDate, StopDate                   time.Time
}

// WithOnFinish calls fn, synchronously, each time an execution ends; fn must be quick.
func WithOnFinish(fn func(FinishedExecution)) Option {
	return func(e *Engine) error { e.onFinish = fn; return nil }
}

func (e *Engine) machineStats(smARN string) *machineStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats[smARN]
	if s == nil {
		s = &machineStats{}
		e.stats[smARN] = s
	}
	return s
}

// Stats returns the execution counters of a state machine.
func (e *Engine) Stats(smARN string) MachineStats {
	s := e.machineStats(smARN)
	return MachineStats{Started: s.started.Load(), Running: s.running.Load(), Succeeded: s.succeeded.Load(),
		Failed: s.failed.Load(), TimedOut: s.timedOut.Load(), Aborted: s.aborted.Load(), Transitions: s.transitions.Load()}
}

func (s *machineStats) byStatus(status string) *atomic.Int64 {
	switch status {
	case StatusSucceeded:
		return &s.succeeded
	case StatusFailed:
		return &s.failed
	case StatusTimedOut:
		return &s.timedOut
	case StatusAborted:
		return &s.aborted
	case StatusRunning:
		return &s.running
	}
	return nil
}

// seedStats adds the store's counts by status to the counters (Recover, on a fresh engine).
func (e *Engine) seedStats(ctx context.Context) error {
	counts, err := e.store.ExecutionCounts(ctx)
	if err != nil {
		return fmt.Errorf("count executions: %w", err)
	}
	for k, n := range counts {
		s := e.machineStats(k[0])
		s.started.Add(int64(n))
		if c := s.byStatus(k[1]); c != nil {
			c.Add(int64(n))
		}
	}
	return nil
}

// ended counts x as finished and, in a durable engine, lets the oldest finished executions
// beyond the retention leave memory (the store has them). Called once x is persisted, before
// its waiters wake, so that they see the counters and memory as they are after x.
func (e *Engine) ended(x *Execution) {
	x.mu.Lock()
	status, stop := x.status, x.stopDate
	x.mu.Unlock()
	if x.stats != nil {
		x.stats.running.Add(-1)
		if c := x.stats.byStatus(status); c != nil {
			c.Add(1)
		}
	}
	if e.onFinish != nil {
		e.onFinish(FinishedExecution{StateMachineARN: x.Machine.ARN, ExecutionARN: x.ARN, Status: status, StartDate: x.StartDate, StopDate: stop})
	}
	if !e.durable() {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.finished = append(e.finished, x)
	if over := len(e.finished) - e.retain; over > 0 {
		for _, old := range e.finished[:over] {
			if e.execs[old.ARN] == old {
				delete(e.execs, old.ARN)
			}
		}
		// Shift rather than reslice, so the backing array does not grow without bound.
		n := copy(e.finished, e.finished[over:])
		clear(e.finished[n:])
		e.finished = e.finished[:n]
	}
}

// InMemory returns how many executions the engine holds in memory (running and retained).
func (e *Engine) InMemory() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.execs)
}

// historyNotRetained is the error of GetExecutionHistory for an Express execution that left memory.
func (e *Engine) historyNotRetained(arn string) error {
	return fmt.Errorf("get execution history %s: the history of an Express execution is kept in memory only, for the %d most recently finished executions (AWS keeps none: https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html): %w",
		arn, e.retain, ErrHistoryNotRetained)
}

// usage counts what the execution used in the units AWS bills: state transitions (states
// entered, plus one per retried task, https://aws.amazon.com/step-functions/pricing/: "including
// retries") and Lambda invocations (lambda:invoke tasks and Lambda-function resources).
func (x *Execution) usage() (transitions, lambdas int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	var entered, taskEntered, scheduled int
	for _, h := range x.history {
		switch {
		case h.Type == "TaskStateEntered":
			entered++
			taskEntered++
		case strings.HasSuffix(h.Type, "StateEntered"):
			entered++
		case h.Type == "LambdaFunctionScheduled":
			scheduled++
			lambdas++
		case h.Type == "TaskScheduled":
			scheduled++
			if h.Details["resourceType"] == "lambda" {
				lambdas++
			}
		}
	}
	return entered + max(0, scheduled-taskEntered), lambdas
}
