package main

import (
	"fmt"
	"strings"

	"github.com/dealflow/dealflow/shared/workflow"
)

// WorkflowType is Standard or Express, with the reason a reviewer can check (shared/workflow
// holds the decisions, so the local engine runs each workflow with the same type).
type WorkflowType = workflow.Type

// DigestStateMachine is the workflow the org file's digest schedules start.
const DigestStateMachine = workflow.DigestStateMachine

// workflowTypes is shared/workflow.Types. A state machine missing there synthesises as Standard
// (it supports everything) but TestEveryWorkflowHasADecidedType fails until it is listed.
var workflowTypes = workflow.Types

// expressMaxWait is Express's total duration limit; a literal Wait longer than it can never finish.
// https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html
const expressMaxWait = 5 * 60

// workflowType returns the decided type of sm and rejects an Express choice the definition cannot
// run under: Express does not support .sync or .waitForTaskToken integrations.
// https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html
func workflowType(sm StateMachineFile) (WorkflowType, error) {
	wt, ok := workflowTypes[sm.Name]
	if !ok {
		return WorkflowType{Reason: "not yet decided in shared/workflow/types.go; Standard supports every feature"}, nil
	}
	if !wt.Express {
		return wt, nil
	}
	for _, r := range sm.Resources {
		if strings.HasSuffix(r, ".waitForTaskToken") || strings.Contains(r, ".sync") {
			return wt, fmt.Errorf("%s: Resource %q: Express workflows do not support .sync or .waitForTaskToken; make %s Standard in shared/workflow/types.go", sm.File, r, sm.Name)
		}
	}
	if sm.MaxWaitSecs > expressMaxWait {
		return wt, fmt.Errorf("%s: a Wait state may exceed Express's 5-minute limit; make %s Standard in shared/workflow/types.go", sm.File, sm.Name)
	}
	return wt, nil
}
