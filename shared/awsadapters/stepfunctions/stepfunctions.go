// Package stepfunctions is workflow.Engine on AWS Step Functions (functions/ wire it).
// It is one of the shared/awsadapters packages, one per AWS service, so a Lambda bootstrap links
// (and initialises) only the SDK clients its function uses (infra/README.md).
package stepfunctions

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/dealflow/dealflow/shared/workflow"
)

// StepFunctionsAPI is the part of the SFN client the workflow adapter uses.
type StepFunctionsAPI interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, opts ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, opts ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
	SendTaskHeartbeat(ctx context.Context, in *sfn.SendTaskHeartbeatInput, opts ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error)
}

// Workflow is Step Functions behind the workflow ports. Machines maps a state machine name
// (statemachines/<name>.asl.json) to its ARN.
type Workflow struct {
	Client   StepFunctionsAPI
	Machines map[string]string
}

var _ workflow.Engine = Workflow{}

func (w Workflow) StartExecution(ctx context.Context, machine, name, input string) (string, error) {
	arn, ok := w.Machines[machine]
	if !ok {
		return "", fmt.Errorf("state machine %q: no ARN configured (STATE_MACHINE_*_ARN)", machine)
	}
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(input)}
	if name != "" {
		in.Name = aws.String(name)
	}
	out, err := w.Client.StartExecution(ctx, in)
	if err != nil {
		return "", fmt.Errorf("start %s: %w", machine, err)
	}
	return aws.ToString(out.ExecutionArn), nil
}

// taskGone maps the errors that mean "nobody waits for this token any more".
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
func taskGone(err error) error {
	var tdne *sfntypes.TaskDoesNotExist
	var tto *sfntypes.TaskTimedOut
	var it *sfntypes.InvalidToken
	if errors.As(err, &tdne) || errors.As(err, &tto) || errors.As(err, &it) {
		return errors.Join(workflow.ErrTaskGone, err)
	}
	return err
}

func (w Workflow) SendTaskSuccess(ctx context.Context, token, output string) error {
	_, err := w.Client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(output)})
	return taskGone(err)
}

func (w Workflow) SendTaskFailure(ctx context.Context, token, errName, cause string) error {
	_, err := w.Client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String(errName), Cause: aws.String(cause)})
	return taskGone(err)
}

func (w Workflow) SendTaskHeartbeat(ctx context.Context, token string) error {
	_, err := w.Client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	return taskGone(err)
}
