package stepfunctions

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/dealflow/dealflow/shared/workflow"
)

type fakeSFN struct{ err error }

func (f fakeSFN) StartExecution(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String("arn:x")}, nil
}
func (f fakeSFN) SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	return nil, f.err
}
func (f fakeSFN) SendTaskFailure(context.Context, *sfn.SendTaskFailureInput, ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	return nil, f.err
}
func (f fakeSFN) SendTaskHeartbeat(context.Context, *sfn.SendTaskHeartbeatInput, ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error) {
	return nil, f.err
}

func TestWorkflowMapsGoneTasksAndUnknownMachines(t *testing.T) {
	ctx := context.Background()
	w := Workflow{Client: fakeSFN{err: &sfntypes.TaskTimedOut{Message: aws.String("timed out")}}, Machines: map[string]string{"sdr-ae-handoff": "arn:sm"}}
	if err := w.SendTaskSuccess(ctx, "tok", "{}"); !errors.Is(err, workflow.ErrTaskGone) {
		t.Fatalf("timed-out task: %v", err)
	}
	if _, err := w.StartExecution(ctx, "nope", "", "{}"); err == nil || !strings.Contains(err.Error(), "STATE_MACHINE_") {
		t.Fatalf("unknown machine: %v", err)
	}
	if arn, err := w.StartExecution(ctx, "sdr-ae-handoff", "h-1", "{}"); err != nil || arn != "arn:x" {
		t.Fatal(arn, err)
	}
}
