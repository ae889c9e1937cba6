// Package awsadapters holds the AWS implementations of the ports that have no better home:
// events.Publisher on EventBridge, workflow.Engine on Step Functions, notify.Mailer on SES v2,
// and secrets from Secrets Manager. Business code never imports this package; functions/ do.
package awsadapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/workflow"
)

// EventBridgeAPI is the part of the EventBridge client the publisher uses.
type EventBridgeAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Publisher sends entries to the dealflow bus.
type Publisher struct {
	Client EventBridgeAPI
	Bus    string
}

// Publish puts entries (at most 10) and fails if any entry failed: PutEvents answers 200 with
// per-entry errors, which must not pass as success.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
func (p Publisher) Publish(ctx context.Context, entries []events.Entry) ([]string, error) {
	in := &eventbridge.PutEventsInput{}
	for _, e := range entries {
		bus := p.Bus
		if e.EventBusName != "" && e.EventBusName != events.BusName {
			bus = e.EventBusName
		}
		ent := ebtypes.PutEventsRequestEntry{Source: aws.String(e.Source), DetailType: aws.String(e.DetailType),
			Detail: aws.String(e.Detail), EventBusName: aws.String(bus), Resources: e.Resources}
		if !e.Time.IsZero() {
			ent.Time = aws.Time(e.Time)
		}
		in.Entries = append(in.Entries, ent)
	}
	out, err := p.Client.PutEvents(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("put events: %w", err)
	}
	ids := make([]string, len(out.Entries))
	var errs []string
	for i, r := range out.Entries {
		if r.ErrorCode != nil {
			errs = append(errs, fmt.Sprintf("entry %d: %s: %s", i, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage)))
			continue
		}
		ids[i] = aws.ToString(r.EventId)
	}
	if len(errs) > 0 {
		return ids, fmt.Errorf("put events: %d failed: %s", out.FailedEntryCount, strings.Join(errs, "; "))
	}
	return ids, nil
}

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

// SESAPI is the part of the SES v2 client the mailer uses.
type SESAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// SES sends the same MIME message the local outbox stores, as a raw email through a
// configuration set. Wrap it in notify.Idempotent: SES itself does not dedupe.
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
type SES struct {
	Client           SESAPI
	From             string // verified sender; overrides Message.From when set
	ConfigurationSet string
	Now              func() time.Time
}

func (s SES) Send(ctx context.Context, m notify.Message) (string, error) {
	if s.From != "" {
		m.From = s.From
	}
	if err := m.Validate(); err != nil {
		return "", err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	raw, err := notify.RenderMIME(m, notify.NewMessageID(""), now())
	if err != nil {
		return "", err
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.From),
		Destination:      &sestypes.Destination{ToAddresses: m.To, CcAddresses: m.Cc},
		Content:          &sestypes.EmailContent{Raw: &sestypes.RawMessage{Data: raw}},
	}
	if s.ConfigurationSet != "" {
		in.ConfigurationSetName = aws.String(s.ConfigurationSet)
	}
	out, err := s.Client.SendEmail(ctx, in)
	if err != nil {
		return "", fmt.Errorf("ses send %q: %w", m.Subject, err)
	}
	return aws.ToString(out.MessageId), nil
}

// SecretsAPI is the part of the Secrets Manager client used at cold start.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretStrings reads a secret that holds either one string or a JSON array of strings (several
// active keys during a rotation).
func SecretStrings(ctx context.Context, c SecretsAPI, arn string) ([]string, error) {
	out, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", arn, err)
	}
	v := strings.TrimSpace(aws.ToString(out.SecretString))
	if strings.HasPrefix(v, "[") {
		var list []string
		if err := json.Unmarshal([]byte(v), &list); err != nil {
			return nil, fmt.Errorf("secret %s: not a JSON array of strings", arn)
		}
		return list, nil
	}
	if v == "" {
		return nil, nil
	}
	return []string{v}, nil
}
