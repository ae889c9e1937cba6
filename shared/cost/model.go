package cost

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// ExpressMachines are the state machines deployed as Express workflows; it mirrors the decisions
// in infra/workflows.go (Standard for anything that waits, Express for the short lead workflow).
var ExpressMachines = map[string]bool{"lead-qualification": true}

// Usage is what a local run counted (the load command writes it; see bench/loadgen.Usage).
type Usage struct {
	Leads        int `json:"leads"`
	HTTPRequests int `json:"httpRequests"`
	Machines     map[string]struct {
		Executions  int     `json:"executions"`
		Transitions int     `json:"transitions"`
		DurationMs  float64 `json:"durationMs"`
	} `json:"stateMachines"`
	LambdaInvocations int `json:"lambdaInvocations"`
	EventsPut         int `json:"eventsPut"`
}

// Assumptions are the figures a local run cannot measure, stated so the bill can be re-done.
type Assumptions struct {
	LambdaMemoryMB float64 `json:"lambdaMemoryMB"` // infra/stack.go: 256 MB, arm64
	// LambdaMs is the average billed duration of one invocation on AWS: a few DynamoDB round
	// trips (single-digit ms each) and, for notify-owner, one SES call.
	LambdaMs float64 `json:"lambdaMs"`
	// StepOverheadMs is Step Functions' own time per Lambda step of an Express execution.
	StepOverheadMs        float64 `json:"stepOverheadMs"`
	LogBytesPerInvocation float64 `json:"logBytesPerInvocation"` // START/END/REPORT + our JSON lines
	IntakeMemoryMB        float64 `json:"intakeMemoryMB"`        // infra/limits.go: intake has 512 MB

	// LogLevel is what the stack logs (infra -c logLevel): "ERROR" (the default: Express
	// workflows log failed executions only, Lambdas warnings and errors with no START/END/REPORT
	// lines) or "ALL" (every state of every execution, every Lambda line).
	LogLevel string `json:"logLevel"`
	// SfnLogBytesPerTransition is what an Express workflow logs per state transition at ALL
	// (entered, scheduled/started/succeeded, exited events; execution data excluded).
	SfnLogBytesPerTransition float64 `json:"sfnLogBytesPerTransition"`
	// ErrorRate is the share of invocations and executions that log at ERROR.
	ErrorRate float64 `json:"errorRate"`
	// XRaySampled is the share of requests traced. The default sampling rule records the first
	// request each second and 5% of the rest, so a low-volume org is traced almost fully: 1.
	XRaySampled   float64 `json:"xraySampled"`
	TracesPerLead float64 `json:"tracesPerLead"` // the intake request and the workflow execution
	EventBytes    float64 `json:"eventBytes"`    // one event as archived
	// Retention in months: the event archive (infra: 365 days) and log groups (3 months).
	ArchiveMonths float64 `json:"archiveMonths"`
	LogMonths     float64 `json:"logMonths"`
	// SecretReadsPer1000 are GetSecretValue calls per 1,000 leads: cold starts of intake and
	// notify-owner each read their secrets once.
	SecretReadsPer1000 float64 `json:"secretReadsPer1000Leads"`
	// Fixed per month: secrets, customer managed keys, alarms (2 per function and workflow,
	// one per rule and dead-letter queue).
	Secrets int `json:"secrets"`
	KMSKeys int `json:"kmsKeys"`
	Alarms  int `json:"alarms"`
}

// DefaultAssumptions are deliberately on the slow side.
var DefaultAssumptions = Assumptions{LambdaMemoryMB: 256, LambdaMs: 50, StepOverheadMs: 25, LogBytesPerInvocation: 1500, IntakeMemoryMB: 512,
	LogLevel: "ERROR", SfnLogBytesPerTransition: 900, ErrorRate: 0.001, XRaySampled: 1, TracesPerLead: 2, EventBytes: 1024,
	ArchiveMonths: 12, LogMonths: 3, SecretReadsPer1000: 30, Secrets: 4, KMSKeys: 1, Alarms: 80}

// Line is one item of the bill.
type Line struct {
	Service  string  `json:"service"`
	Quantity float64 `json:"quantityPer1000Leads"`
	Unit     string  `json:"unit"`
	USD      float64 `json:"usdPer1000Leads"`
}

// Bill is the cost per 1,000 leads.
type Bill struct {
	Prices      Prices      `json:"prices"`
	Assumptions Assumptions `json:"assumptions"`
	LeadPath    *LeadPath   `json:"dynamodbLeadPath"`
	Lines       []Line      `json:"lines"`
	// LeadWorkflowPer1000 is everything a lead costs from webhook to routed and announced.
	LeadWorkflowPer1000 float64 `json:"leadWorkflowPer1000"`
	// EmailPer1000 is SES delivery of the owners' emails, reported apart: it is the message, not
	// the workflow, and the same whatever the design.
	EmailPer1000 float64 `json:"emailPer1000"`
	// FixedMonthly is what runs whatever the volume: the outbox sweeper every minute, secrets,
	// the customer managed key, alarms.
	FixedMonthly float64 `json:"fixedMonthly"`
	// StorageMonthlyPer1000 is what 1,000 leads add to the DynamoDB bill every month they are
	// kept (the first month is in LeadWorkflowPer1000).
	StorageMonthlyPer1000 float64 `json:"dynamoStorageMonthlyPer1000"`
	// ByLogLevel is LeadWorkflowPer1000 with the stack logging at ERROR and at ALL.
	ByLogLevel map[string]float64 `json:"leadWorkflowPer1000ByLogLevel,omitempty"`
	// StandardInsteadOfExpress is the workflow cost per 1,000 leads if every Express machine ran
	// as Standard: the main design choice behind the figure.
	StandardInsteadOfExpress float64 `json:"standardInsteadOfExpressPer1000"`
}

// Estimate prices a run's usage per 1,000 leads.
func Estimate(u Usage, lp *LeadPath, a Assumptions, p Prices) (*Bill, error) {
	if u.Leads <= 0 {
		return nil, fmt.Errorf("the run has no leads to divide by")
	}
	per := 1000 / float64(u.Leads)
	b := &Bill{Prices: p, Assumptions: a, LeadPath: lp}
	add := func(service, unit string, qty, price float64) float64 {
		usd := qty * price
		b.Lines = append(b.Lines, Line{Service: service, Quantity: round(qty), Unit: unit, USD: usd})
		return usd
	}
	gb := a.LambdaMemoryMB / 1024
	lambdaSteps := float64(u.LambdaInvocations) * per
	intake := float64(u.HTTPRequests) * per
	if intake == 0 {
		intake = 1000 // one request per lead when the run did not say
	}
	total := 0.0
	total += add("API Gateway HTTP API", "requests", intake, p.HTTPAPIRequest)
	total += add("Lambda requests", "invocations", intake+lambdaSteps, p.LambdaRequest)
	total += add("Lambda duration (arm64)", "GB-seconds", (intake*a.IntakeMemoryMB/1024+lambdaSteps*gb)*a.LambdaMs/1000, p.LambdaGBSecondARM)
	names := make([]string, 0, len(u.Machines))
	for n := range u.Machines {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		m := u.Machines[name]
		execs := float64(m.Executions) * per
		if !ExpressMachines[name] {
			total += add("Step Functions Standard: "+name, "state transitions", float64(m.Transitions)*per, p.StandardTransition)
			continue
		}
		// Express bills each execution's duration rounded up to 100 ms, in 64 MB memory chunks.
		lambdaPerExec := 0.0
		if m.Executions > 0 {
			lambdaPerExec = float64(u.LambdaInvocations) / float64(m.Executions)
		}
		local := 0.0
		if m.Executions > 0 {
			local = m.DurationMs / float64(m.Executions)
		}
		ms := math.Max(local, lambdaPerExec*(a.LambdaMs+a.StepOverheadMs))
		billed := math.Ceil(ms/100) * 100
		total += add("Step Functions Express requests: "+name, "executions", execs, p.ExpressRequest)
		total += add("Step Functions Express duration: "+name, "GB-seconds", execs*billed/1000*64.0/1024, p.ExpressGBSecond)
	}
	if lp != nil {
		total += add("DynamoDB reads (on-demand)", "RRU", lp.RRUPerLead*1000, p.DynamoRRU)
		total += add("DynamoDB writes (on-demand)", "WRU", lp.WRUPerLead*1000, p.DynamoWRU)
	}
	events := float64(u.EventsPut) * per
	total += add("EventBridge custom events", "events", events, p.EventBridgeEvent)
	archGB := events * a.EventBytes / 1e9
	total += add("EventBridge archive (events archived)", "GB", archGB, p.ArchiveGB)
	total += add(fmt.Sprintf("EventBridge archive storage (%.0f months)", a.ArchiveMonths), "GB-months", archGB*a.ArchiveMonths, p.ArchiveGBMonth)
	// Logs by level: at ERROR only failing invocations and executions write anything.
	share := a.ErrorRate
	if strings.EqualFold(a.LogLevel, "ALL") {
		share = 1
	}
	lambdaLogGB := (intake + lambdaSteps) * a.LogBytesPerInvocation * share / 1e9
	sfnLogGB := 0.0
	for _, name := range names {
		if ExpressMachines[name] {
			sfnLogGB += float64(u.Machines[name].Transitions) * per * a.SfnLogBytesPerTransition * share / 1e9
		}
	}
	level := strings.ToUpper(orDefault(a.LogLevel, "ERROR"))
	total += add("CloudWatch Logs ingestion, Lambda ("+level+")", "GB", lambdaLogGB, p.LogsIngestGB)
	total += add("CloudWatch Logs ingestion, Express workflow ("+level+")", "GB", sfnLogGB, p.LogsIngestGB)
	total += add(fmt.Sprintf("CloudWatch Logs storage (%.0f months)", a.LogMonths), "GB-months", (lambdaLogGB+sfnLogGB)*a.LogMonths, p.LogsStorageGBMonth)
	total += add("X-Ray traces recorded", "traces", 1000*a.TracesPerLead*a.XRaySampled, p.XRayTrace)
	total += add("Secrets Manager API calls (cold starts)", "calls", a.SecretReadsPer1000, p.SecretAPICall)
	if lp != nil {
		// Storage: what stays is billed every month it is kept; outbox events are deleted by
		// TTL a week after publishing (a quarter of a month).
		stayGB := lp.StoredBytesPerLead * 1000 / 1e9
		b.StorageMonthlyPer1000 = stayGB * p.DynamoGBMonth
		total += add("DynamoDB storage (first month kept)", "GB-months", stayGB+lp.ExpiringBytesPerLead*1000/1e9*7/30, p.DynamoGBMonth)
	}
	b.LeadWorkflowPer1000 = total
	emails := 1000.0
	if lp != nil {
		emails = lp.EmailsPerLead * 1000
	}
	b.EmailPer1000 = emails * p.SESEmail
	b.StandardInsteadOfExpress = total
	for _, l := range b.Lines {
		if strings.HasPrefix(l.Service, "Step Functions Express") {
			b.StandardInsteadOfExpress -= l.USD
		}
	}
	for _, name := range names {
		if ExpressMachines[name] {
			b.StandardInsteadOfExpress += float64(u.Machines[name].Transitions) * per * p.StandardTransition
		}
	}
	// The outbox sweeper: one Scheduler invocation and one short Lambda a minute, all month.
	perMonth := 60.0 * 24 * 30
	// Its sweep queries 16 pending shards (0.5 RRU each, eventually consistent).
	b.FixedMonthly = perMonth*(p.SchedulerInvoke+p.LambdaRequest+a.LambdaMs/1000*gb*p.LambdaGBSecondARM+16*0.5*p.DynamoRRU) +
		float64(a.Secrets)*p.SecretMonth + float64(a.KMSKeys)*p.KMSKeyMonth + float64(a.Alarms)*p.AlarmMonth
	return b, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// Text is the bill as a table.
func (b *Bill) Text() string {
	var s strings.Builder
	fmt.Fprintf(&s, "AWS cost per 1,000 leads, logging at %s (%s list prices checked %s)\n", strings.ToUpper(orDefault(b.Assumptions.LogLevel, "ERROR")), b.Prices.Region, b.Prices.CheckedOn)
	for _, l := range b.Lines {
		fmt.Fprintf(&s, "  %-48s %12.3f %-18s $%.5f\n", l.Service, l.Quantity, l.Unit, l.USD)
	}
	fmt.Fprintf(&s, "  %-48s %31s $%.5f  (target ≤ $0.05)\n", "lead workflow total", "", b.LeadWorkflowPer1000)
	fmt.Fprintf(&s, "  %-48s %31s $%.5f\n", "SES email to the owners (apart)", "", b.EmailPer1000)
	fmt.Fprintf(&s, "  %-48s %31s $%.5f\n", "same, lead-qualification as Standard", "", b.StandardInsteadOfExpress)
	fmt.Fprintf(&s, "  DynamoDB storage growth: $%.5f per 1,000 leads per further month kept\n", b.StorageMonthlyPer1000)
	fmt.Fprintf(&s, "  fixed per month (outbox sweeper every minute, %d secrets, %d KMS key, %d alarms): $%.4f\n",
		b.Assumptions.Secrets, b.Assumptions.KMSKeys, b.Assumptions.Alarms, b.FixedMonthly)
	fmt.Fprintf(&s, "  assumptions: Lambda %.0f MB arm64 (intake %.0f MB), %.0f ms per invocation, %.0f ms Step Functions overhead per step, %.0f log bytes per invocation, %.0f per Express transition at ALL, error rate %.1f%%, X-Ray sampling %.0f%%\n",
		b.Assumptions.LambdaMemoryMB, b.Assumptions.IntakeMemoryMB, b.Assumptions.LambdaMs, b.Assumptions.StepOverheadMs, b.Assumptions.LogBytesPerInvocation,
		b.Assumptions.SfnLogBytesPerTransition, b.Assumptions.ErrorRate*100, b.Assumptions.XRaySampled*100)
	if b.LeadPath != nil {
		fmt.Fprintf(&s, "  DynamoDB per lead (measured on the AWS code path, %d leads): %.2f RRU, %.2f WRU, %.0f bytes stored (+%.0f expiring)\n",
			b.LeadPath.Leads, b.LeadPath.RRUPerLead, b.LeadPath.WRUPerLead, b.LeadPath.StoredBytesPerLead, b.LeadPath.ExpiringBytesPerLead)
	}
	return s.String()
}
