package awsadapters

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/workflow"
)

type fakeEB struct{ in *eventbridge.PutEventsInput }

func (f *fakeEB) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.in = in
	return &eventbridge.PutEventsOutput{FailedEntryCount: 1, Entries: []ebtypes.PutEventsResultEntry{
		{EventId: aws.String("e-1")}, {ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")}}}, nil
}

func TestPublisherReportsPerEntryFailures(t *testing.T) {
	f := &fakeEB{}
	p := Publisher{Client: f, Bus: "dealflow-prod"}
	ids, err := p.Publish(context.Background(), []events.Entry{
		{Source: "dealflow", DetailType: "Lead Received", Detail: `{}`, EventBusName: "dealflow"},
		{Source: "dealflow", DetailType: "Lead Routed", Detail: `{}`},
	})
	if err == nil || !strings.Contains(err.Error(), "entry 1: InternalFailure: try again") || ids[0] != "e-1" {
		t.Fatalf("ids %v err %v", ids, err)
	}
	if aws.ToString(f.in.Entries[0].EventBusName) != "dealflow-prod" {
		t.Fatalf("the logical bus name must map to the deployed bus, got %s", aws.ToString(f.in.Entries[0].EventBusName))
	}
}

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

type fakeSES struct{ in *sesv2.SendEmailInput }

func (f *fakeSES) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.in = in
	return &sesv2.SendEmailOutput{MessageId: aws.String("ses-1")}, nil
}

func TestSESSendsTheRenderedMIMEFromTheVerifiedSender(t *testing.T) {
	f := &fakeSES{}
	s := SES{Client: f, From: "sales@example.com", ConfigurationSet: "dealflow"}
	id, err := s.Send(context.Background(), notify.Message{From: "x@y.z", To: []string{"ae@example.com"}, Subject: "Hi", Text: "t", HTML: "<p>h</p>", IdempotencyKey: "k"})
	if err != nil || id != "ses-1" {
		t.Fatal(id, err)
	}
	raw := string(f.in.Content.Raw.Data)
	if !strings.Contains(raw, "From: sales@example.com") || !strings.Contains(raw, "multipart/alternative") || aws.ToString(f.in.ConfigurationSetName) != "dealflow" {
		t.Fatalf("raw message:\n%s", raw)
	}
}

type fakeSecrets string

func (f fakeSecrets) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(string(f))}, nil
}

func TestSecretStrings(t *testing.T) {
	for in, want := range map[string]string{`["new","old"]`: "new|old", "single": "single", "": ""} {
		got, err := SecretStrings(context.Background(), fakeSecrets(in), "arn")
		if err != nil || strings.Join(got, "|") != want {
			t.Errorf("%q → %v %v", in, got, err)
		}
	}
	if _, err := SecretStrings(context.Background(), fakeSecrets(`[1,2]`), "arn"); err == nil {
		t.Error("a JSON array of numbers is not a list of keys")
	}
}
