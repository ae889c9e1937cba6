package sfn

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// The methods below mirror the Step Functions API so that shared code can use one workflow port
// for AWS and the local runtime (https://docs.aws.amazon.com/step-functions/latest/apireference/).

// DescribeExecutionOutput mirrors the DescribeExecution response.
type DescribeExecutionOutput struct {
	ExecutionArn, StateMachineArn, Name, Status, Input string
	Output, Error, Cause                               *string
	StartDate, StopDate                                time.Time
}

// DescribeExecution returns an execution's status and result.
func (e *Engine) DescribeExecution(ctx context.Context, arn string) (*DescribeExecutionOutput, error) {
	var r ExecutionRecord
	if x, ok := e.Execution(arn); ok {
		r = x.record()
	} else {
		var err error
		if r, err = e.stored(ctx, arn); err != nil {
			return nil, fmt.Errorf("describe execution %s: %w", arn, err)
		}
	}
	return &DescribeExecutionOutput{ExecutionArn: r.ARN, StateMachineArn: r.StateMachineARN, Name: r.Name, Status: r.Status,
		Input: r.Input, Output: r.Output, Error: r.Error, Cause: r.Cause, StartDate: r.StartDate, StopDate: r.StopDate}, nil
}

// stored reads an execution that is no longer in memory from a durable store.
func (e *Engine) stored(ctx context.Context, arn string) (ExecutionRecord, error) {
	if !e.durable() {
		return ExecutionRecord{}, ErrExecutionDoesNotExist
	}
	r, _, err := e.store.Execution(ctx, arn)
	return r, err
}

// GetExecutionHistory returns the execution's events, oldest first (or newest first when reverse).
// A durable engine reads a Standard execution that left memory from the store; an Express one's
// history is gone then (ErrHistoryNotRetained).
func (e *Engine) GetExecutionHistory(ctx context.Context, arn string, reverse bool) ([]HistoryEvent, error) {
	var h []HistoryEvent
	if x, ok := e.Execution(arn); ok {
		h = x.History()
	} else {
		r, err := e.stored(ctx, arn)
		if err != nil {
			return nil, fmt.Errorf("get execution history %s: %w", arn, err)
		}
		e.mu.Lock()
		sm := e.machines[r.StateMachineARN]
		e.mu.Unlock()
		if sm != nil && sm.Type == TypeExpress {
			return nil, e.historyNotRetained(arn)
		}
		if h, err = e.store.History(ctx, arn); err != nil {
			return nil, fmt.Errorf("get execution history %s: %w", arn, err)
		}
	}
	if reverse {
		for i, j := 0, len(h)-1; i < j; i, j = i+1, j-1 {
			h[i], h[j] = h[j], h[i]
		}
	}
	return h, nil
}

// ExecutionListItem mirrors an entry of ListExecutions.
type ExecutionListItem struct {
	ExecutionArn, StateMachineArn, Name, Status string
	StartDate, StopDate                         time.Time
}

// ListExecutions lists a state machine's executions, newest first, optionally by status. A
// durable engine lists them from the store, which has every execution from its start.
func (e *Engine) ListExecutions(ctx context.Context, stateMachineArn, statusFilter string) ([]ExecutionListItem, error) {
	e.mu.Lock()
	_, ok := e.machines[stateMachineArn]
	e.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("list executions of %s: %w", stateMachineArn, ErrStateMachineDoesNotExist)
	}
	return e.FindExecutions(ctx, ExecutionQuery{StateMachineARN: stateMachineArn, Status: statusFilter})
}

// FindExecutions lists the executions q selects (any state machine when q names none), newest
// first, from the store in a durable engine: the console finds a lead's executions by the id in
// their input, and shows the newest of a long list, without reading every execution.
func (e *Engine) FindExecutions(ctx context.Context, q ExecutionQuery) ([]ExecutionListItem, error) {
	e.mu.Lock()
	if e.durable() {
		e.mu.Unlock()
		q.Brief = true
		recs, err := e.store.Executions(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("list executions: %w", err)
		}
		out := make([]ExecutionListItem, len(recs))
		for i, r := range recs {
			out[i] = ExecutionListItem{ExecutionArn: r.ARN, StateMachineArn: r.StateMachineARN, Name: r.Name,
				Status: r.Status, StartDate: r.StartDate, StopDate: r.StopDate}
		}
		return out, nil
	}
	var xs []*Execution
	for _, x := range e.execs {
		if q.StateMachineARN == "" || x.Machine.ARN == q.StateMachineARN {
			xs = append(xs, x)
		}
	}
	e.mu.Unlock()
	sortedExecs(xs)
	var out []ExecutionListItem
	for _, x := range xs {
		r := x.record()
		if !q.match(r) {
			continue
		}
		out = append(out, ExecutionListItem{ExecutionArn: r.ARN, StateMachineArn: r.StateMachineARN, Name: r.Name,
			Status: r.Status, StartDate: r.StartDate, StopDate: r.StopDate})
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

// StopExecution aborts a running execution with an optional error and cause.
func (e *Engine) StopExecution(ctx context.Context, arn, errName, cause string) error {
	x, ok := e.Execution(arn)
	if !ok {
		// Not in memory: finished long ago (nothing to stop) or unknown.
		if _, err := e.stored(ctx, arn); err != nil {
			return fmt.Errorf("stop execution %s: %w", arn, err)
		}
		return nil
	}
	x.mu.Lock()
	running := x.status == StatusRunning
	if running {
		x.abortDetails = &failure{Error: errName, Cause: cause, HasCause: cause != ""}
	}
	x.mu.Unlock()
	if !running || x.cancel == nil {
		return nil
	}
	x.cancel(errStopped)
	select {
	case <-x.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// taskToken is a task parked on .waitForTaskToken.
type taskToken struct {
	token  string
	x      *Execution
	result chan callOutcome
	beats  chan struct{}
	once   sync.Once
}

func (e *Engine) registerToken(token string, x *Execution, beats chan struct{}) *taskToken {
	t := &taskToken{token: token, x: x, result: make(chan callOutcome, 1), beats: beats}
	e.mu.Lock()
	e.tokens[token] = t
	e.mu.Unlock()
	return t
}

func (e *Engine) dropToken(token string) {
	e.mu.Lock()
	delete(e.tokens, token)
	e.mu.Unlock()
}

func (e *Engine) token(token string) (*taskToken, error) {
	if len(token) < 32 || strings.ContainsAny(token, " \t\n") {
		return nil, fmt.Errorf("task token %.16q...: %w", token, ErrInvalidToken)
	}
	e.mu.Lock()
	t := e.tokens[token]
	e.mu.Unlock()
	if t == nil {
		return nil, fmt.Errorf("task token %.16s...: %w", token, ErrTaskDoesNotExist)
	}
	return t, nil
}

func (t *taskToken) complete(o callOutcome) bool {
	done := false
	t.once.Do(func() {
		t.result <- o
		done = true
	})
	return done
}

// SendTaskSuccess completes a .waitForTaskToken task with output (JSON text).
func (e *Engine) SendTaskSuccess(ctx context.Context, token, output string) error {
	t, err := e.token(token)
	if err != nil {
		return err
	}
	v, err := decodeJSON([]byte(output))
	if err != nil {
		return fmt.Errorf("send task success: output is not valid JSON: %v: %w", err, ErrInvalidExecutionInput)
	}
	t.x.keys.learnString(output)
	if !t.complete(callOutcome{result: v}) {
		return fmt.Errorf("send task success: %w", ErrTaskDoesNotExist)
	}
	return nil
}

// SendTaskFailure fails a .waitForTaskToken task with an error and cause.
func (e *Engine) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	t, err := e.token(token)
	if err != nil {
		return err
	}
	f := &failure{Error: errName, Cause: cause, HasCause: true}
	if !t.complete(callOutcome{fail: f}) {
		return fmt.Errorf("send task failure: %w", ErrTaskDoesNotExist)
	}
	return nil
}

// SendTaskHeartbeat resets the HeartbeatSeconds timer of a .waitForTaskToken task.
func (e *Engine) SendTaskHeartbeat(ctx context.Context, token string) error {
	t, err := e.token(token)
	if err != nil {
		return err
	}
	select {
	case t.beats <- struct{}{}:
	default:
	}
	return nil
}
