package main

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Every cdk-nag suppression the stack makes, each naming the rule and the reason. Nothing else is
// suppressed; TestNoUnsuppressedNagErrors fails on any new finding.
var (
	// X-Ray and CloudWatch Logs vended-log delivery have no resource-level permissions, so AWS
	// requires Resource "*" for exactly these actions (listed in allowedWildcardActions).
	// https://docs.aws.amazon.com/xray/latest/devguide/security_iam_service-with-iam.html
	// https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
	nagWildcardRequired = nag("AwsSolutions-IAM5",
		"Resource * only for X-Ray tracing and CloudWatch Logs log delivery, which support no resource-level permissions (AWS requires *); see infra/README.md 'IAM exceptions'",
		"Resource::*")
	// A Query on a GSI authorises against table/index/<name>; the grant covers the table's own
	// indexes only, never another table.
	nagTableIndexes = nag("AwsSolutions-IAM5",
		"table/index/* covers the GSIs of the dealflow table only (Query on an index authorises against the index ARN)",
		cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<Table[A-Za-z0-9]+\.Arn>\/index\/\*$/g`)})
	// .sync child executions get generated names under the child state machine.
	nagChildExecutions = nag("AwsSolutions-IAM5",
		"execution:<child state machine>:* is needed to watch child executions started with .sync; scoped to the named child",
		cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:dealflow-.*:\*$/g`)})
	// Third-party secrets change when the other side changes them (README "Secrets").
	nagSecretRotation = map[string]*cdknag.NagPackSuppression{
		SecretHubSpot: nag("AwsSolutions-SMG4",
			"HubSpot's app client secret is issued by HubSpot; it changes when the operator rotates it in HubSpot, then here (infra/README.md 'Secrets')"),
		SecretLeadSigning: nag("AwsSolutions-SMG4",
			"shared with the systems that post leads; rotated by the operator in step with them, and the intake accepts several active keys so rotation needs no downtime (infra/README.md 'Secrets')"),
		SecretLinkSigning: nag("AwsSolutions-SMG4",
			"rotating the link-signing key invalidates every accept/decline/snooze link in flight; the operator rotates it between SLA windows (infra/README.md 'Secrets')"),
		SecretSlack: nag("AwsSolutions-SMG4",
			"a Slack incoming-webhook URL is issued by Slack; the operator replaces it when regenerating the webhook in Slack (infra/README.md 'Secrets')"),
	}
	// A dead-letter queue is the end of the line; a DLQ for the DLQ would only move the problem.
	nagQueueIsDLQ = nag("AwsSolutions-SQS3",
		"this queue is itself a dead-letter queue (alarmed at depth > 0)")
)

func nag(id, reason string, appliesTo ...any) *cdknag.NagPackSuppression {
	s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		s.AppliesTo = &appliesTo
	}
	return s
}

func suppress(construct any, ss ...*cdknag.NagPackSuppression) {
	cdknag.NagSuppressions_AddResourceSuppressions(construct, &ss, jsii.Bool(true))
}

// suppressStackFindings applies the suppressions above to the constructs they are about.
func (d *dealflowStack) suppressStackFindings() {
	for _, r := range d.fnRoles {
		suppress(r, nagWildcardRequired, nagTableIndexes)
	}
	for _, m := range d.machines {
		suppress(m.Role(), nagWildcardRequired, nagChildExecutions)
	}
	for id, s := range d.secrets {
		suppress(s, nagSecretRotation[id])
	}
	for _, name := range d.errorLogged {
		suppress(d.machines[name], nag("AwsSolutions-SF1",
			"an Express workflow runs once per lead; at ERROR it logs every failed execution with its error and cause, and the stack logs ALL with -c logLevel=ALL when troubleshooting (dealflow cost prices both)"))
	}
	for _, q := range d.dlqs {
		suppress(q, nagQueueIsDLQ)
	}
	for i, r := range d.proj.Routes {
		if reason, ok := routeAuthReasons[r.Auth]; ok {
			suppress(d.routes[i], nag("AwsSolutions-APIG4", reason))
		}
	}
}
