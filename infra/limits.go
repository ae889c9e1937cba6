package main

import "fmt"

// Limits are what one function is given, sized from what its handler does rather than one number
// for all: the timeout bounds its slowest legitimate run, memory buys CPU (Lambda allocates CPU
// in proportion to memory: https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html),
// and reserved concurrency caps a function that must not starve the others of the account's
// concurrency (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
type Limits struct {
	TimeoutSeconds int
	MemoryMB       int
	// Reserved is the function's reserved concurrency (0: none, it shares the unreserved pool).
	// It both guarantees and caps; the stack leaves it out with -c reservedConcurrency=false (new
	// accounts whose concurrency quota is 10 cannot reserve any: Lambda keeps 100 unreserved).
	Reserved int
}

// apiMaxTimeout: HTTP API waits at most 30 s for an integration; a function behind a route must
// answer before that, or the caller sees 503 while the function keeps running.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
const apiMaxTimeout = 29

// defaultLimits is for a function missing from functionLimits (test fixtures): a short task.
var defaultLimits = Limits{TimeoutSeconds: 10, MemoryMB: 256}

// functionLimits, by function name. TestFunctionLimitsFitTheirCallers checks each timeout against
// its callers: API routes (≤ 29 s) and the Task TimeoutSeconds of every workflow step that invokes
// it; TestExpressWorstCaseFitsFiveMinutes sums the lead-qualification retries with these timeouts.
var functionLimits = map[string]Limits{
	// API-facing: one or two conditional writes plus the inline outbox relay (PutEvents with the
	// SDK's retries). HubSpot posts up to 100 events per webhook call, hence intake's 20 s. Intake
	// takes every lead in: 512 MB halves its cold start and JSON/HMAC time for a small price.
	"intake":  {TimeoutSeconds: 20, MemoryMB: 512},
	"deals":   {TimeoutSeconds: 15, MemoryMB: 256},
	"handoff": {TimeoutSeconds: 15, MemoryMB: 256},

	// lead-qualification (Express, 5-minute limit): a handful of GetItem/Query/TransactWriteItems
	// each; notify and fallback add one SES send.
	"qualify-lead": {TimeoutSeconds: 10, MemoryMB: 256},
	// HubSpot steps of lead-qualification: one or two HubSpot API calls each. With 2 retries at 3 s
	// they take at most 15 s, which keeps the Express worst case under 5 minutes; a longer HubSpot
	// outage sends a fetched-contact lead to the fallback queue and skips a write-back (logged).
	"hubspot-fetch-contact": {TimeoutSeconds: 3, MemoryMB: 256},
	"hubspot-write-back":    {TimeoutSeconds: 3, MemoryMB: 256},
	// sdr-ae-handoff (Standard): the accepting AE as owner in HubSpot.
	"hubspot-deal-owner": {TimeoutSeconds: 15, MemoryMB: 256},
	"route-lead":         {TimeoutSeconds: 10, MemoryMB: 256},
	"notify-owner":       {TimeoutSeconds: 15, MemoryMB: 256},
	"lead-fallback":      {TimeoutSeconds: 15, MemoryMB: 256},

	// sdr-ae-handoff and cs-onboarding steps: a few reads and writes, at most one email.
	"handoff-accept":   {TimeoutSeconds: 15, MemoryMB: 256},
	"handoff-assign":   {TimeoutSeconds: 15, MemoryMB: 256},
	"handoff-declined": {TimeoutSeconds: 15, MemoryMB: 256},
	"handoff-expire":   {TimeoutSeconds: 15, MemoryMB: 256},
	"handoff-notify":   {TimeoutSeconds: 15, MemoryMB: 256},
	"handoff-queue":    {TimeoutSeconds: 15, MemoryMB: 256},
	"handoff-remind":   {TimeoutSeconds: 15, MemoryMB: 256},
	"onboarding-check": {TimeoutSeconds: 15, MemoryMB: 256},
	"onboarding-next":  {TimeoutSeconds: 10, MemoryMB: 256},
	"onboarding-start": {TimeoutSeconds: 15, MemoryMB: 256},

	// manager-digest: compute reads a period of deals, leads and activities (pages of Queries) and
	// charts rasterises images, both CPU-bound: 1 GiB and up to the ASL's TimeoutSeconds (300).
	// They run for a few managers at a time, so a cap of 10 keeps a digest morning from taking
	// the concurrency that incoming leads need.
	"digest-plan":    {TimeoutSeconds: 30, MemoryMB: 256},
	"digest-compute": {TimeoutSeconds: 300, MemoryMB: 1024, Reserved: 10},
	"digest-render":  {TimeoutSeconds: 120, MemoryMB: 512},
	"digest-charts":  {TimeoutSeconds: 300, MemoryMB: 1024, Reserved: 10},
	"digest-send":    {TimeoutSeconds: 60, MemoryMB: 256},
	"digest-record":  {TimeoutSeconds: 30, MemoryMB: 256},

	// follow-up-reminders: one AE's deals per sweep (a Map over AEs); capped like the digests.
	"reminders-plan":  {TimeoutSeconds: 30, MemoryMB: 256},
	"reminders-sweep": {TimeoutSeconds: 120, MemoryMB: 512, Reserved: 10},

	// The repair sweep: sharded queries in parallel, bounded by its own deadline (shared/outbox
	// SweepBudget) well inside the timeout. One at a time: a second concurrent sweep would only
	// publish the same events twice.
	"outbox-relay": {TimeoutSeconds: 60, MemoryMB: 256, Reserved: 1},
}

func limitsFor(fn string) Limits {
	if l, ok := functionLimits[fn]; ok {
		return l
	}
	return defaultLimits
}

// Built-in API throttling, for routes the org file's api_throttling does not set. Intake takes
// leads from HubSpot and other systems that send in bursts (an import, a campaign), so it is sized
// for 1,000 leads/s with room for a 2-second spike; public forms are posted by browsers and have
// a per-IP limit in the handler, so 50/s is plenty and caps abuse; the rest serve people clicking
// links and the deals API. All stay well under the account-level 10,000 requests/s (burst 5,000)
// that API Gateway allows per region.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
var (
	intakeThrottle  = Throttle{Rate: 1000, Burst: 2000}
	formThrottle    = Throttle{Rate: 50, Burst: 100}
	defaultThrottle = Throttle{Rate: 100, Burst: 200}
)

// routeThrottles resolves the throttle of every route: the org file's entry for the route, else
// the built-in one for its kind, else the org file's "default", else defaultThrottle. A key that
// names no route is an error (a typo would silently leave the route at its default).
func routeThrottles(routes []Route, org map[string]Throttle) (stageDefault Throttle, perRoute map[string]Throttle, err error) {
	stageDefault = defaultThrottle
	if t, ok := org["default"]; ok {
		stageDefault = t
	}
	perRoute = map[string]Throttle{}
	known := map[string]bool{"default": true}
	for _, r := range routes {
		k := r.RouteKey()
		known[k] = true
		switch {
		case org[k] != (Throttle{}):
			perRoute[k] = org[k]
		case r.Auth == "rate-limit":
			perRoute[k] = formThrottle
		case r.Function == "intake":
			perRoute[k] = intakeThrottle
		}
	}
	for k := range org {
		if !known[k] {
			return Throttle{}, nil, fmt.Errorf("org file: org.api_throttling.%s: no such route (routes are keyed \"METHOD /path\" as in `dealflow routes`)", k)
		}
	}
	return stageDefault, perRoute, nil
}
