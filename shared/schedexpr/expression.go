// Package schedexpr owns EventBridge Scheduler schedule expressions — cron(), rate() and at() —
// evaluated in a schedule's time zone with AWS's daylight-saving rules. local/schedule fires
// them; the org file's validation and the CDK stack check digest schedules with them.
//
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
package schedexpr

import (
	"fmt"
	"strings"
	"time"

	// Embedded zone data, so that IANA zones resolve the same on machines without tzdata.
	_ "time/tzdata"
)

// Expression is a parsed schedule expression.
type Expression interface {
	// Next returns the first fire time strictly after `after`, evaluated in loc (nil means UTC).
	// start is the schedule's StartDate (zero if none): cron() never fires before it, rate()
	// fires first at it and then every period (rate() without a start has no fire times), at()
	// ignores it as AWS does. ok is false when the expression has no further fire time.
	Next(after time.Time, loc *time.Location, start time.Time) (t time.Time, ok bool)
	// String returns the expression as written.
	String() string
}

// ParseError explains why an expression was rejected, naming the offending field.
type ParseError struct {
	Expr   string // the whole expression
	Field  string // e.g. "day-of-month", "rate value"; empty when the expression as a whole is wrong
	Value  string // the offending text, if any
	Reason string
}

func (e *ParseError) Error() string {
	switch {
	case e.Field != "" && e.Value != "":
		return fmt.Sprintf("invalid schedule expression %q: %s %q: %s", e.Expr, e.Field, e.Value, e.Reason)
	case e.Field != "":
		return fmt.Sprintf("invalid schedule expression %q: %s: %s", e.Expr, e.Field, e.Reason)
	default:
		return fmt.Sprintf("invalid schedule expression %q: %s", e.Expr, e.Reason)
	}
}

// Parse parses an EventBridge Scheduler expression: cron(fields), rate(value unit) or
// at(yyyy-mm-ddThh:mm:ss). Where the Scheduler and the legacy scheduled-rules docs differ, the
// stricter rule applies, so that an expression accepted here is accepted by both services.
func Parse(expr string) (Expression, error) {
	inner, kind, ok := strings.Cut(expr, "(")
	if !ok || !strings.HasSuffix(kind, ")") {
		return nil, &ParseError{Expr: expr, Reason: "must be cron(fields), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)"}
	}
	body := strings.TrimSuffix(kind, ")")
	switch inner {
	case "cron":
		return parseCron(expr, body)
	case "rate":
		return parseRate(expr, body)
	case "at":
		return parseAt(expr, body)
	}
	return nil, &ParseError{Expr: expr, Reason: fmt.Sprintf("unknown expression type %q: must be cron(fields), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)", inner)}
}

// Rate is a rate(value unit) expression.
type Rate struct {
	expr   string
	Period time.Duration
}

func (r Rate) String() string { return r.expr }

// Next: a rate schedule first fires at its StartDate, then every Period; days are 24-hour
// durations whatever the zone's DST ("you use the StartDate property to set the first
// occurrence", https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based).
func (r Rate) Next(after time.Time, _ *time.Location, start time.Time) (time.Time, bool) {
	if start.IsZero() || r.Period <= 0 {
		return time.Time{}, false
	}
	if after.Before(start) {
		return start, true
	}
	k := after.Sub(start)/r.Period + 1
	return start.Add(k * r.Period), true
}

var rateUnits = map[string]time.Duration{
	"minute": time.Minute, "minutes": time.Minute,
	"hour": time.Hour, "hours": time.Hour,
	"day": 24 * time.Hour, "days": 24 * time.Hour,
}

func parseRate(expr, body string) (Expression, error) {
	parts := strings.Fields(body)
	if len(parts) != 2 {
		return nil, &ParseError{Expr: expr, Reason: "rate needs exactly two fields: rate(value unit), e.g. rate(5 minutes)"}
	}
	value, unitName := parts[0], parts[1]
	n := 0
	for _, c := range value {
		if c < '0' || c > '9' {
			return nil, &ParseError{Expr: expr, Field: "rate value", Value: value, Reason: "must be a positive integer"}
		}
		if n > 1_000_000_000 {
			return nil, &ParseError{Expr: expr, Field: "rate value", Value: value, Reason: "is too large"}
		}
		n = n*10 + int(c-'0')
	}
	if n == 0 {
		return nil, &ParseError{Expr: expr, Field: "rate value", Value: value, Reason: "must be a positive integer"}
	}
	unit, ok := rateUnits[unitName]
	if !ok {
		return nil, &ParseError{Expr: expr, Field: "rate unit", Value: unitName, Reason: "must be minute, minutes, hour, hours, day or days"}
	}
	// "If the value is equal to 1, then the unit must be singular ... rate(1 hours) and
	// rate(5 hour) aren't valid" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html).
	plural := strings.HasSuffix(unitName, "s")
	if n == 1 && plural {
		return nil, &ParseError{Expr: expr, Field: "rate unit", Value: unitName, Reason: fmt.Sprintf("must be singular when the value is 1 (%s)", strings.TrimSuffix(unitName, "s"))}
	}
	if n != 1 && !plural {
		return nil, &ParseError{Expr: expr, Field: "rate unit", Value: unitName, Reason: fmt.Sprintf("must be plural when the value is not 1 (%ss)", unitName)}
	}
	if time.Duration(n) > (1<<63-1)/unit {
		return nil, &ParseError{Expr: expr, Field: "rate value", Value: value, Reason: "is too large"}
	}
	return Rate{expr: expr, Period: time.Duration(n) * unit}, nil
}

// At is a one-time at(yyyy-mm-ddThh:mm:ss) expression, a wall-clock time in the schedule's zone.
type At struct {
	expr string
	When civil
}

func (a At) String() string { return a.expr }

// Next returns the one fire time if it is after `after`. StartDate is ignored for one-time
// schedules (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html).
// AWS documents no rule for an at() on a non-existent local time; it fires at the same wall
// time shifted by the gap (as java.time resolves it) rather than silently never firing, and a
// repeated local time fires at its first instance, as cron() does.
func (a At) Next(after time.Time, loc *time.Location, _ time.Time) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	t, ok := resolve(a.When, loc)
	if !ok {
		t = time.Date(a.When.y, time.Month(a.When.mo), a.When.d, a.When.h, a.When.mi, a.When.s, 0, time.UTC)
		t = resolveGap(t, loc)
	}
	if t.After(after) {
		return t.UTC(), true
	}
	return time.Time{}, false
}

func parseAt(expr, body string) (Expression, error) {
	t, err := time.ParseInLocation("2006-01-02T15:04:05", body, time.UTC)
	if err != nil || len(body) != len("2006-01-02T15:04:05") {
		return nil, &ParseError{Expr: expr, Field: "at time", Value: body, Reason: "must be a valid local date and time yyyy-mm-ddThh:mm:ss, e.g. at(2026-07-01T09:00:00)"}
	}
	return At{expr: expr, When: civilOf(t)}, nil
}
