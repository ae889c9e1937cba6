package main

import (
	"fmt"
	"sort"
)

// TableAccess is how much of the DynamoDB table a function may touch. There is deliberately no
// Scan: every access path is a GetItem or a Query on a key or GSI (docs/ARCHITECTURE.md).
type TableAccess int

const (
	NoTable TableAccess = iota
	ReadTable
	ReadWriteTable
)

// Access is what one function's handler uses; its role grants exactly this and nothing else.
type Access struct {
	Table          TableAccess
	PublishEvents  bool     // events:PutEvents on the dealflow bus
	SendEmail      bool     // ses:SendEmail through the configuration set, from the sender identity
	Secrets        []string // secret ids (see secretSpecs) it reads
	StartWorkflows []string // state machines it starts (states:StartExecution)
	AnswerTasks    []string // state machines whose task tokens it answers (SendTaskSuccess/Failure/Heartbeat)
}

// functionAccess lists every function in functions/. A function missing here is a synth error, so
// nobody ships a handler whose permissions were never thought about. Keep entries in name order.
var functionAccess = map[string]Access{
	// HTTP deals API (deals, activities, milestone completion, reminder snooze links): writes with
	// outbox events relayed inline, Dealflow-Signature keys, link-signing key for snooze links.
	"deals": {Table: ReadWriteTable, PublishEvents: true, Secrets: []string{SecretLeadSigning, SecretLinkSigning}},
	// manager-digest: draws the digest's charts from the specs digest-render left; no AWS access
	// beyond logs and X-Ray.
	"digest-charts": {},
	// manager-digest: computes the period's metrics report (reads deals, leads, activities, ...).
	"digest-compute": {Table: ReadTable},
	// manager-digest: resolves the period and reads the digest record.
	"digest-plan": {Table: ReadTable},
	// manager-digest: stores the digest record with its Digest Sent outbox event (put-if-absent).
	"digest-record": {Table: ReadWriteTable},
	// manager-digest: renders the email from its input and the org file; no AWS access beyond
	// logs and X-Ray.
	"digest-render": {},
	// manager-digest: sends the rendered email once per manager and period (idempotency key in
	// the table, hence the writes).
	"digest-send": {Table: ReadWriteTable, SendEmail: true},
	// HTTP intake: stores the lead and its pending event together (outbox), relays the event,
	// verifies HubSpot and Dealflow signatures.
	// SDR→AE handoff HTTP routes: request (starts the workflow), Accept/Decline links (answer its
	// task token), withdraw (the AE asked is told by email), status; verifies signatures and links.
	"handoff": {Table: ReadWriteTable, SendEmail: true, Secrets: []string{SecretLeadSigning, SecretLinkSigning},
		StartWorkflows: []string{"sdr-ae-handoff"}, AnswerTasks: []string{"sdr-ae-handoff"}},
	// Handoff workflow tasks: create the deal and tell the SDR; pick the AE (routing counters);
	// record a decline and tell the SDR; expire and reassign; email the AE with signed links; park
	// the lead in the fallback queue and tell the manager; remind the AE and copy the manager.
	// notify and remind answer their own wait at once when the handoff was answered (withdrawn,
	// accepted) before the task token was stored, so they may answer sdr-ae-handoff tasks.
	"handoff-accept":   {Table: ReadWriteTable, SendEmail: true},
	"handoff-assign":   {Table: ReadWriteTable},
	"handoff-declined": {Table: ReadWriteTable, SendEmail: true},
	"handoff-expire":   {Table: ReadWriteTable, SendEmail: true},
	"handoff-notify":   {Table: ReadWriteTable, SendEmail: true, Secrets: []string{SecretLinkSigning, SecretSlack}, AnswerTasks: []string{"sdr-ae-handoff"}},
	"handoff-queue":    {Table: ReadWriteTable, SendEmail: true},
	"handoff-remind":   {Table: ReadWriteTable, SendEmail: true, Secrets: []string{SecretLinkSigning, SecretSlack}, AnswerTasks: []string{"sdr-ae-handoff"}},
	// lead-qualification: read the HubSpot contact a webhook named onto its lead; write the routed
	// owner and lead status back to HubSpot; sdr-ae-handoff: the accepting AE as owner in HubSpot
	// (HTTPS to the HubSpot API, no AWS access beyond the table).
	"hubspot-deal-owner":    {Table: ReadWriteTable},
	"hubspot-fetch-contact": {Table: ReadWriteTable},
	"hubspot-write-back":    {Table: ReadWriteTable},
	"intake":                {Table: ReadWriteTable, PublishEvents: true, Secrets: []string{SecretHubSpot, SecretLeadSigning}},
	// Parks an unqualifiable/unroutable lead in the fallback queue and alerts the fallback owner.
	"lead-fallback": {Table: ReadWriteTable, SendEmail: true},
	// Emails the new owner once per lead (idempotency key in the table) and posts to Slack when
	// the operator has put a webhook URL into the Slack secret.
	"notify-owner": {Table: ReadWriteTable, SendEmail: true, Secrets: []string{SecretSlack}},
	// Publishes outbox events the inline relay missed (scheduled safety net).
	// CS onboarding tasks: check a milestone (remind/escalate), compute the next wait, start the
	// onboarding (assign a CSM, AE→CSM note).
	"onboarding-check": {Table: ReadWriteTable, SendEmail: true},
	"onboarding-next":  {Table: ReadTable},
	"onboarding-start": {Table: ReadWriteTable, SendEmail: true},
	"outbox-relay":     {Table: ReadWriteTable, PublishEvents: true},
	// Scores the lead and stores the qualification and its explanation on it.
	"qualify-lead": {Table: ReadWriteTable},
	// Runs the routing rules; updates routing counters and the lead's owner.
	// Follow-up reminders: plan the run (pure), sweep each AE's deals and send one message with
	// signed snooze links.
	"reminders-plan":  {Table: NoTable},
	"reminders-sweep": {Table: ReadWriteTable, SendEmail: true, Secrets: []string{SecretLinkSigning}},
	"route-lead":      {Table: ReadWriteTable},
}

// Secret ids the stack creates in Secrets Manager.
const (
	SecretHubSpot     = "hubspot-app-secret"
	SecretLeadSigning = "lead-signing-keys"
	SecretLinkSigning = "link-signing-key"
	SecretSlack       = "slack-webhook-url"
)

type secretSpec struct {
	Description string
	Generated   bool // true: the stack generates it; false: the operator puts the value (README)
}

var secretSpecs = map[string]secretSpec{
	SecretHubSpot:     {Description: "HubSpot app client secret that signs webhooks (X-HubSpot-Signature-v3); set by the operator"},
	SecretLeadSigning: {Description: "JSON array of active HMAC keys for the Dealflow-Signature header on POST /v1/leads; several allow rotation"},
	SecretLinkSigning: {Description: "key that signs accept/decline and snooze links in emails", Generated: true},
	SecretSlack:       {Description: "Slack incoming-webhook URL (https://hooks.slack.com/services/...) for owner and handoff messages; set by the operator, anything else means no Slack"},
}

// checkAccess verifies every function has an entry and every entry names things that exist.
func checkAccess(p *Project, table map[string]Access) error {
	var missing []string
	for _, fn := range p.Functions {
		a, ok := table[fn]
		if !ok {
			missing = append(missing, fn)
			continue
		}
		for _, s := range a.Secrets {
			if _, ok := secretSpecs[s]; !ok {
				return fmt.Errorf("infra access table: function %s: unknown secret %q", fn, s)
			}
		}
		for _, sm := range append(append([]string{}, a.StartWorkflows...), a.AnswerTasks...) {
			if _, ok := p.StateMachine(sm); !ok {
				return fmt.Errorf("infra access table: function %s: no statemachines/%s.asl.json", fn, sm)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("functions %v have no entry in infra/access.go functionAccess: add what each handler uses (table, events, email, secrets, workflows) so its role can grant exactly that", missing)
	}
	return nil
}
