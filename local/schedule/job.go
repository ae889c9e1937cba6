// Package schedule is the local firing loop of EventBridge Scheduler schedules: it invokes each
// schedule's target once per slot, durably across restarts. The expressions themselves are
// shared/schedexpr's.
package schedule

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/schedexpr"
)

// Job is a schedule file made ready to run: its expression parsed and its zone loaded.
type Job struct {
	Def     events.Schedule
	Expr    schedexpr.Expression
	Loc     *time.Location
	Start   time.Time     // StartDate, zero if none
	End     time.Time     // EndDate, zero if none; slots at or after it do not fire
	Window  time.Duration // FlexibleTimeWindow: 0 when OFF
	Enabled bool
	CatchUp bool // CatchUp "latest"
}

// Name is the schedule's name, the key of its durable state.
func (j *Job) Name() string { return j.Def.Name }

// Check validates what the file loader leaves to this package: the expression and the zone. It
// returns `file: path: message` problems for `dealflow validate`.
func Check(s events.Schedule) events.Problems {
	_, ps := NewJob(s)
	return ps
}

// NewJob compiles one loaded schedule file.
func NewJob(s events.Schedule) (Job, events.Problems) {
	j := Job{Def: s, Enabled: s.State != "DISABLED", CatchUp: s.CatchUp == "latest"}
	var ps events.Problems
	var err error
	if j.Expr, err = schedexpr.Parse(s.ScheduleExpression); err != nil {
		ps = append(ps, events.Problem{File: s.File, Path: "ScheduleExpression", Message: err.Error()})
	}
	if j.Loc, err = schedexpr.LoadZone(s.ScheduleExpressionTimezone); err != nil {
		ps = append(ps, events.Problem{File: s.File, Path: "ScheduleExpressionTimezone", Message: err.Error()})
	}
	if s.StartDate != nil {
		j.Start = *s.StartDate
	}
	if s.EndDate != nil {
		j.End = *s.EndDate
	}
	if s.FlexibleTimeWindow.Mode == "FLEXIBLE" {
		j.Window = time.Duration(s.FlexibleTimeWindow.MaximumWindowInMinutes) * time.Minute
	}
	if _, isAt := j.Expr.(schedexpr.At); isAt {
		// "EventBridge Scheduler ignores StartDate/EndDate for one-time schedules."
		// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
		j.Start, j.End = time.Time{}, time.Time{}
	}
	return j, ps
}

// NewJobs compiles loaded schedule files, collecting every problem.
func NewJobs(defs []events.Schedule) ([]Job, events.Problems) {
	var jobs []Job
	var all events.Problems
	for _, d := range defs {
		j, ps := NewJob(d)
		all = append(all, ps...)
		if len(ps) == 0 {
			jobs = append(jobs, j)
		}
	}
	return jobs, all
}

// next returns the job's first slot strictly after `after`. anchor is the start a rate() counts
// from when the file has no StartDate (the time this process first saw the schedule, as AWS
// starts a rate at creation).
func (j *Job) next(after, anchor time.Time) (time.Time, bool) {
	start := j.Start
	if start.IsZero() {
		if _, isRate := j.Expr.(schedexpr.Rate); isRate {
			start = anchor
		}
	}
	t, ok := j.Expr.Next(after, j.Loc, start)
	if !ok || (!j.End.IsZero() && !t.Before(j.End)) {
		return time.Time{}, false
	}
	return t, true
}

// due is when a slot is invoked: the slot itself, or with a flexible window a fixed offset inside
// the window ("invokes the target within the time window you specify",
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-flexible-time-windows.html).
// The offset is a hash of schedule and slot, so a restart computes the same instant.
func (j *Job) due(slot time.Time) time.Time {
	if j.Window <= 0 {
		return slot
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%d", j.Def.Name, slot.Unix())
	return slot.Add(time.Duration(h.Sum64()%uint64(j.Window/time.Second)) * time.Second)
}
