// Package workflow owns the ports through which business code talks to the workflow engine:
// Step Functions on AWS, the local ASL engine otherwise.
package workflow

import (
	"context"
	"errors"
)

// Starter starts executions of the project's state machines by name (statemachines/<name>.asl.json).
type Starter interface {
	// StartExecution starts machine with input. name makes it idempotent: the same name and
	// input return the existing execution. An empty name lets the engine choose one.
	StartExecution(ctx context.Context, machine, name, input string) (executionID string, err error)
}

// Callbacks completes tasks that wait for a task token (.waitForTaskToken).
type Callbacks interface {
	SendTaskSuccess(ctx context.Context, token, output string) error
	SendTaskFailure(ctx context.Context, token, errName, cause string) error
	SendTaskHeartbeat(ctx context.Context, token string) error
}

// Engine is both ports.
type Engine interface {
	Starter
	Callbacks
}

// ErrTaskGone means the token no longer waits: the task timed out, was completed already, or its
// execution ended. Callers answer "already handled" rather than failing.
var ErrTaskGone = errors.New("task is no longer waiting")
