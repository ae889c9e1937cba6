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
}

// DefaultAssumptions are deliberately on the slow side.
var DefaultAssumptions = Assumptions{LambdaMemoryMB: 256, LambdaMs: 50, StepOverheadMs: 25, LogBytesPerInvocation: 1500}

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
	// FixedMonthly is what runs whatever the volume (the outbox sweeper every minute).
	FixedMonthly float64 `json:"fixedMonthly"`
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
	total += add("Lambda duration (arm64)", "GB-seconds", (intake+lambdaSteps)*a.LambdaMs/1000*gb, p.LambdaGBSecondARM)
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
	total += add("EventBridge custom events", "events", float64(u.EventsPut)*per, p.EventBridgeEvent)
	total += add("CloudWatch Logs ingestion", "GB", (intake+lambdaSteps)*a.LogBytesPerInvocation/1e9, p.LogsIngestGB)
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
	b.FixedMonthly = perMonth * (p.SchedulerInvoke + p.LambdaRequest + a.LambdaMs/1000*gb*p.LambdaGBSecondARM + p.DynamoRRU)
	return b, nil
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }

// Text is the bill as a table.
func (b *Bill) Text() string {
	var s strings.Builder
	fmt.Fprintf(&s, "AWS cost per 1,000 leads (%s list prices checked %s)\n", b.Prices.Region, b.Prices.CheckedOn)
	for _, l := range b.Lines {
		fmt.Fprintf(&s, "  %-48s %12.3f %-18s $%.5f\n", l.Service, l.Quantity, l.Unit, l.USD)
	}
	fmt.Fprintf(&s, "  %-48s %31s $%.5f  (target ≤ $0.05)\n", "lead workflow total", "", b.LeadWorkflowPer1000)
	fmt.Fprintf(&s, "  %-48s %31s $%.5f\n", "SES email to the owners (apart)", "", b.EmailPer1000)
	fmt.Fprintf(&s, "  %-48s %31s $%.5f\n", "same, lead-qualification as Standard", "", b.StandardInsteadOfExpress)
	fmt.Fprintf(&s, "  fixed per month (outbox sweeper every minute): $%.4f\n", b.FixedMonthly)
	fmt.Fprintf(&s, "  assumptions: Lambda %.0f MB arm64, %.0f ms per invocation, %.0f ms Step Functions overhead per step, %.0f log bytes per invocation\n",
		b.Assumptions.LambdaMemoryMB, b.Assumptions.LambdaMs, b.Assumptions.StepOverheadMs, b.Assumptions.LogBytesPerInvocation)
	if b.LeadPath != nil {
		fmt.Fprintf(&s, "  DynamoDB per lead (measured on the AWS code path, %d leads): %.2f RRU, %.2f WRU\n", b.LeadPath.Leads, b.LeadPath.RRUPerLead, b.LeadPath.WRUPerLead)
	}
	return s.String()
}
