package sfn

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
)

// RunResult is the outcome of one execution in the shape `dealflow sfn run` prints.
type RunResult struct {
	Status  string          `json:"status"`
	Output  json.RawMessage `json:"output"`
	Error   *string         `json:"error"`
	Cause   *string         `json:"cause"`
	History []RunHistory    `json:"history"`
}

// RunHistory is one history event as `dealflow sfn run` prints it.
type RunHistory struct {
	ID              int64          `json:"id"`
	PreviousEventID int64          `json:"previousEventId"`
	Type            string         `json:"type"`
	Details         map[string]any `json:"details"`
}

// RunOnce validates definition, runs it once with input (JSON text) and waits for the end.
// file names the definition in validation errors.
func (e *Engine) RunOnce(ctx context.Context, definition []byte, file, input string) (*RunResult, error) {
	name := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(file), ".json"), ".asl")
	if name == "" || name == "." {
		name = "machine"
	}
	sm, err := e.CreateStateMachine(ctx, name, definition, file)
	if err != nil {
		return nil, err
	}
	out, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Input: input})
	if err != nil {
		return nil, err
	}
	x, _ := e.Execution(out.ExecutionArn)
	if err := x.Wait(ctx); err != nil {
		return nil, fmt.Errorf("wait for %s: %w", out.ExecutionArn, err)
	}
	return x.result(), nil
}

func (x *Execution) result() *RunResult {
	status, output, errName, cause := x.Status()
	r := &RunResult{Status: status, Error: errName, Cause: cause, History: []RunHistory{}}
	r.Output = json.RawMessage("null")
	if output != nil {
		r.Output = json.RawMessage(*output)
	}
	for _, h := range x.History() {
		r.History = append(r.History, RunHistory{ID: h.ID, PreviousEventID: h.PreviousEventID, Type: h.Type, Details: h.Details})
	}
	return r
}
