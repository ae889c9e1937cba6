package workflow

// Type is a state machine's workflow type, decided once for both runtimes, with the reason a
// reviewer can check. https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html
type Type struct {
	Express bool
	Reason  string
}

// DigestStateMachine is the workflow the org file's digest schedules start.
const DigestStateMachine = "manager-digest"

// Types decides Standard vs Express per state machine (docs/ARCHITECTURE.md: Standard workflows for
// anything that waits, Express where it is short). The CDK stack deploys each with this type; the local
// engine persists an Express execution only at its start and end (a crash re-runs it from the
// start, as Express's at-least-once semantics allow), and a Standard one at every state.
var Types = map[string]Type{
	"lead-qualification": {Express: true, Reason: "runs in seconds on every incoming lead (the highest-volume workflow) and never waits; " +
		"its tasks are idempotent by lead id, so Express's at-least-once start is safe and costs a fraction of Standard per execution"},
	"sdr-ae-handoff":      {Reason: "waits for the AE with .waitForTaskToken for the acceptance SLA (hours to days), which Express does not support"},
	"follow-up-reminders": {Reason: "holds reminders until the AE's next working hour and waits between escalations, far beyond Express's 5-minute limit"},
	"cs-onboarding":       {Reason: "waits for milestones over 90 days (Wait with TimestampPath); Express is limited to 5 minutes"},
	DigestStateMachine: {Reason: "low volume (one execution per manager per period); Standard's exactly-once start and 90-day execution " +
		"history answer 'why did I not get my digest' at negligible cost"},
}
