package server

import (
	"context"
	"errors"

	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/workflow"
)

// engineAdapter is the local engine behind the workflow ports.
type engineAdapter struct{ r *Runtime }

func (a engineAdapter) StartExecution(ctx context.Context, machine, name, input string) (string, error) {
	sm, ok := a.r.Machine[machine]
	if !ok {
		return "", errors.New("state machine " + machine + " is not loaded")
	}
	out, err := a.r.Engine.StartExecution(ctx, sfn.StartExecutionInput{StateMachineArn: sm.ARN, Name: name, Input: input})
	if err != nil {
		return "", err
	}
	return out.ExecutionArn, nil
}

func gone(err error) error {
	if errors.Is(err, sfn.ErrTaskDoesNotExist) || errors.Is(err, sfn.ErrInvalidToken) || errors.Is(err, sfn.ErrTaskTimedOut) {
		return errors.Join(workflow.ErrTaskGone, err)
	}
	return err
}

func (a engineAdapter) SendTaskSuccess(ctx context.Context, token, output string) error {
	return gone(a.r.Engine.SendTaskSuccess(ctx, token, output))
}

func (a engineAdapter) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	return gone(a.r.Engine.SendTaskFailure(ctx, token, errName, cause))
}

func (a engineAdapter) SendTaskHeartbeat(ctx context.Context, token string) error {
	return gone(a.r.Engine.SendTaskHeartbeat(ctx, token))
}
