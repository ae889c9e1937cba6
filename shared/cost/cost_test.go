package cost

import (
	"context"
	"encoding/json"
	"math"
	"testing"
)

func TestMeasureLeadPathCountsTheAWSCodePath(t *testing.T) {
	lp, err := MeasureLeadPath(context.Background(), "../../examples/org.yaml", 20)
	if err != nil {
		t.Fatal(err)
	}
	// Every lead: an email, a Lead Received event, and writes through transactions (lead +
	// outbox) and conditional puts (idempotency keys).
	if lp.EmailsPerLead != 1 || lp.EventsPerLead < 1 {
		t.Fatalf("emails %.2f events %.2f per lead", lp.EmailsPerLead, lp.EventsPerLead)
	}
	// A lead leaves its item, keys and indexes behind; published outbox events expire (ttl).
	if lp.StoredBytesPerLead < 1000 || lp.ExpiringBytesPerLead <= 0 {
		t.Fatalf("stored %.0f bytes, expiring %.0f bytes per lead", lp.StoredBytesPerLead, lp.ExpiringBytesPerLead)
	}
	if lp.WRUPerLead < 5 || lp.RRUPerLead < 1 || lp.CallsPerLead["TransactWriteItems"] == nil {
		t.Fatalf("lead path = %+v", lp)
	}
	if _, ok := lp.CallsPerLead["Scan"]; ok {
		t.Fatal("the lead path scans the table")
	}
}

func TestMeterBillsLikeDynamoDB(t *testing.T) {
	for _, tc := range []struct {
		name       string
		bytes      int
		consistent bool
		want       float64
	}{
		{"small consistent read", 100, true, 1},
		{"small eventually consistent read", 100, false, 0.5},
		{"4 KB boundary", 4096, true, 1},
		{"just over 4 KB", 4097, true, 2},
		{"empty result still costs", 0, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := readUnits(tc.bytes, tc.consistent); got != tc.want {
				t.Fatalf("readUnits(%d) = %v, want %v", tc.bytes, got, tc.want)
			}
		})
	}
	if writeUnits(1024) != 1 || writeUnits(1025) != 2 || writeUnits(10) != 1 {
		t.Fatal("write units are per started KB")
	}
}

func usage(t *testing.T, js string) Usage {
	t.Helper()
	var u Usage
	if err := json.Unmarshal([]byte(js), &u); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestEstimateLeadWorkflow(t *testing.T) {
	// 1,000 leads, each: one HTTP request, one Express execution of 5 transitions with 3 Lambda
	// steps, 2 events; 10 RRU and 20 WRU.
	u := usage(t, `{"leads":1000,"httpRequests":1000,"stateMachines":{"lead-qualification":{"executions":1000,"transitions":5000,"durationMs":20000}},"lambdaInvocations":3000,"eventsPut":2000}`)
	lp := &LeadPath{Leads: 10, RRUPerLead: 10, WRUPerLead: 20, EmailsPerLead: 1}
	a := Assumptions{LambdaMemoryMB: 256, IntakeMemoryMB: 512, LambdaMs: 50, StepOverheadMs: 25, LogBytesPerInvocation: 1000,
		LogLevel: "ERROR", SfnLogBytesPerTransition: 500, ErrorRate: 0.01, XRaySampled: 0.5, TracesPerLead: 2, EventBytes: 1000,
		ArchiveMonths: 12, LogMonths: 3, SecretReadsPer1000: 10}
	b, err := Estimate(u, lp, a, USEast1)
	if err != nil {
		t.Fatal(err)
	}
	p := USEast1
	// Express: 3 steps × 75 ms = 225 ms → billed 300 ms at 64 MB.
	// Logs at ERROR: 1% of 4,000 invocations × 1,000 bytes and of 5,000 transitions × 500 bytes,
	// ingested and kept 3 months; X-Ray: half of 2,000 traces; archive: 2,000 events of 1 KB kept a
	// year; no storage (the lead path measured none).
	logGB := (0.01*4000*1000 + 0.01*5000*500) / 1e9
	want := 1000*p.HTTPAPIRequest + 4000*p.LambdaRequest + (1000*0.5+3000*0.25)*0.05*p.LambdaGBSecondARM +
		1000*p.ExpressRequest + 1000*0.3*0.0625*p.ExpressGBSecond +
		10000*p.DynamoRRU + 20000*p.DynamoWRU + 2000*p.EventBridgeEvent +
		2000*1000/1e9*(p.ArchiveGB+12*p.ArchiveGBMonth) + logGB*(p.LogsIngestGB+3*p.LogsStorageGBMonth) +
		1000*p.XRayTrace + 10*p.SecretAPICall
	if math.Abs(b.LeadWorkflowPer1000-want) > 1e-9 {
		t.Fatalf("lead workflow = %.6f, want %.6f\n%s", b.LeadWorkflowPer1000, want, b.Text())
	}
	// At ALL every invocation and transition logs: the difference is exactly the other 99%.
	a.LogLevel = "ALL"
	all, _ := Estimate(u, lp, a, USEast1)
	if d := all.LeadWorkflowPer1000 - b.LeadWorkflowPer1000; math.Abs(d-99*logGB*(p.LogsIngestGB+3*p.LogsStorageGBMonth)) > 1e-9 {
		t.Fatalf("ALL costs %.6f more than ERROR, want %.6f", d, 99*logGB*(p.LogsIngestGB+3*p.LogsStorageGBMonth))
	}
	a.LogLevel = "ERROR"
	if b.EmailPer1000 != 0.10 {
		t.Fatalf("email = %v", b.EmailPer1000)
	}
	// As Standard the 5,000 transitions alone cost $0.125.
	if b.StandardInsteadOfExpress <= b.LeadWorkflowPer1000 || b.StandardInsteadOfExpress < 0.125 {
		t.Fatalf("standard alternative = %.4f", b.StandardInsteadOfExpress)
	}
	// Usage of 500 leads scales to the same bill per 1,000.
	half := usage(t, `{"leads":500,"httpRequests":500,"stateMachines":{"lead-qualification":{"executions":500,"transitions":2500,"durationMs":10000}},"lambdaInvocations":1500,"eventsPut":1000}`)
	b2, _ := Estimate(half, lp, a, USEast1)
	if math.Abs(b2.LeadWorkflowPer1000-b.LeadWorkflowPer1000) > 1e-9 {
		t.Fatalf("per-1,000 figure depends on run size: %v vs %v", b2.LeadWorkflowPer1000, b.LeadWorkflowPer1000)
	}
	if _, err := Estimate(Usage{}, lp, a, USEast1); err == nil {
		t.Fatal("a run without leads was priced")
	}
}
