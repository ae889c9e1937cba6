package main

import (
	"fmt"
	"strings"
)

// WorkflowType is Standard or Express, with the reason a reviewer can check.
type WorkflowType struct {
	Express bool
	Reason  string
}

// DigestStateMachine is the workflow the org file's digest schedules start.
const DigestStateMachine = "manager-digest"

// workflowTypes decides Standard vs Express per state machine (DESIGN.md: "Standard workflows for
// anything that waits; Express where it is short"). A state machine missing here synthesises as
// Standard (it supports everything) but TestEveryWorkflowHasADecidedType fails until it is listed.
var workflowTypes = map[string]WorkflowType{
	"lead-qualification": {Express: true, Reason: "runs in seconds on every incoming lead (the highest-volume workflow) and never waits; " +
		"its tasks are idempotent by lead id, so Express's at-least-once start is safe and costs a fraction of Standard per execution"},
	"sdr-ae-handoff":      {Reason: "waits for the AE with .waitForTaskToken for the acceptance SLA (hours to days), which Express does not support"},
	"follow-up-reminders": {Reason: "holds reminders until the AE's next working hour and waits between escalations, far beyond Express's 5-minute limit"},
	"cs-onboarding":       {Reason: "waits for milestones over 90 days (Wait with TimestampPath); Express is limited to 5 minutes"},
	DigestStateMachine: {Reason: "low volume (one execution per manager per period); Standard's exactly-once start and 90-day execution " +
		"history answer 'why did I not get my digest' at negligible cost"},
}

// expressMaxWait is Express's total duration limit; a literal Wait longer than it can never finish.
// https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html
const expressMaxWait = 5 * 60

// workflowType returns the decided type of sm and rejects an Express choice the definition cannot
// run under: Express does not support .sync or .waitForTaskToken integrations.
// https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html
func workflowType(sm StateMachineFile) (WorkflowType, error) {
	wt, ok := workflowTypes[sm.Name]
	if !ok {
		return WorkflowType{Reason: "not yet decided in infra/workflows.go; Standard supports every feature"}, nil
	}
	if !wt.Express {
		return wt, nil
	}
	for _, r := range sm.Resources {
		if strings.HasSuffix(r, ".waitForTaskToken") || strings.Contains(r, ".sync") {
			return wt, fmt.Errorf("%s: Resource %q: Express workflows do not support .sync or .waitForTaskToken; make %s Standard in infra/workflows.go", sm.File, r, sm.Name)
		}
	}
	if sm.MaxWaitSecs > expressMaxWait {
		return wt, fmt.Errorf("%s: a Wait state may exceed Express's 5-minute limit; make %s Standard in infra/workflows.go", sm.File, sm.Name)
	}
	return wt, nil
}
