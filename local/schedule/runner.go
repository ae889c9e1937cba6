package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
)

// Invocation is one firing of a schedule's target.
type Invocation struct {
	Job     *Job
	Slot    time.Time // the scheduled time (UTC)
	FiredAt time.Time // clock time of the call: the slot, or later with a flexible window or a catch-up
	Input   json.RawMessage
}

// Target invokes a schedule's target (start a state machine, call a handler). It is called after
// the slot is durably claimed, so a slot is never invoked twice; retrying a failed invocation is
// the target's job (Target.RetryPolicy). It should return quickly.
type Target func(ctx context.Context, inv Invocation) error

// Runner fires each enabled job's slots through a Target, once per slot.
//
// A slot is on time when the runner sees it due within Grace. Slots missed while the process was
// down (or asleep) are skipped, as AWS never replays them; a job with CatchUp fires the most
// recent missed slot once instead. Tick and Run must not be called concurrently.
type Runner struct {
	clock  clock.Clock
	store  SlotStore
	target Target
	log    *slog.Logger
	jobs   []*runJob
	armed  bool

	// Grace is how late a due slot may be seen and still count as on time (AWS invokes "with
	// 60 second precision", https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html).
	Grace time.Duration
	// MaxSleep bounds how long Run sleeps between checks, so that wall-clock jumps are noticed.
	MaxSleep time.Duration
	// RetryDelay is how long Run waits after a store error before trying again.
	RetryDelay time.Duration
}

type runJob struct {
	Job
	anchor  time.Time // FirstSeen: where a rate() without StartDate counts from
	planned time.Time // the next slot not yet fired or skipped
	has     bool
}

// NewRunner returns a runner for jobs; disabled jobs are ignored. log may be nil.
func NewRunner(jobs []Job, store SlotStore, clk clock.Clock, target Target, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Runner{clock: clk, store: store, target: target, log: log,
		Grace: time.Minute, MaxSleep: time.Minute, RetryDelay: 10 * time.Second}
	for _, j := range jobs {
		if j.Enabled {
			r.jobs = append(r.jobs, &runJob{Job: j})
		}
	}
	return r
}

// arm loads each job's durable state: the next slot is the first after the last one fired or,
// for a schedule never fired, the first at or after the time it was first seen.
func (r *Runner) arm(ctx context.Context, now time.Time) error {
	for _, j := range r.jobs {
		st, err := r.store.Arm(ctx, j.Name(), now)
		if err != nil {
			return err
		}
		j.anchor = st.FirstSeen
		after := st.FirstSeen.Add(-time.Nanosecond)
		if !st.LastSlot.IsZero() {
			after = st.LastSlot
		}
		j.planned, j.has = j.next(after, j.anchor)
	}
	r.armed = true
	return nil
}

// Tick fires every slot due at the clock's current time and returns when the next slot is due
// (zero when no job has one). Run calls it in a loop; tests call it directly with a fake clock.
func (r *Runner) Tick(ctx context.Context) (time.Time, error) {
	now := r.clock.Now()
	if !r.armed {
		if err := r.arm(ctx, now); err != nil {
			return time.Time{}, err
		}
	}
	var wake time.Time
	for _, j := range r.jobs {
		if err := r.tickJob(ctx, j, now); err != nil {
			return time.Time{}, err
		}
		if j.has {
			if d := j.due(j.planned); wake.IsZero() || d.Before(wake) {
				wake = d
			}
		}
	}
	return wake, nil
}

func (r *Runner) tickJob(ctx context.Context, j *runJob, now time.Time) error {
	for j.has && !j.due(j.planned).After(now) {
		if now.Sub(j.due(j.planned)) <= r.Grace {
			if err := r.fire(ctx, j, j.planned, now); err != nil {
				return err
			}
			j.planned, j.has = j.next(j.planned, j.anchor)
			continue
		}
		// The planned slot was missed. Only the latest slot up to now can still matter.
		latest := r.latest(j, now)
		if d := j.due(latest); d.After(now) || now.Sub(d) <= r.Grace {
			j.planned = latest // still on time (or its flexible window is still open)
			continue
		}
		if j.CatchUp {
			r.log.InfoContext(ctx, "schedule catch-up", "schedule", j.Name(), "slot", latest)
			if err := r.fire(ctx, j, latest, now); err != nil {
				return err
			}
		} else {
			r.log.InfoContext(ctx, "schedule missed slots skipped", "schedule", j.Name(), "from", j.planned, "to", latest)
		}
		j.planned, j.has = j.next(latest, j.anchor)
	}
	return nil
}

// latest returns the last slot at or before now, given that j.planned is one. It looks back over
// growing windows instead of stepping through every missed slot.
func (r *Runner) latest(j *runJob, now time.Time) time.Time {
	best := j.planned
	for w := 2 * time.Minute; ; w *= 4 {
		from := now.Add(-w)
		if !from.After(best) {
			break
		}
		if s, ok := j.next(from, j.anchor); ok && !s.After(now) {
			best = s
			break
		}
	}
	for {
		s, ok := j.next(best, j.anchor)
		if !ok || s.After(now) {
			return best
		}
		best = s
	}
}

// fire claims the slot and, if this process won it, invokes the target. A target error is logged,
// not retried here: the slot counts as fired.
func (r *Runner) fire(ctx context.Context, j *runJob, slot, now time.Time) error {
	won, err := r.store.Claim(ctx, j.Name(), slot)
	if err != nil {
		return err
	}
	if !won {
		return nil
	}
	inv := Invocation{Job: &j.Job, Slot: slot.UTC(), FiredAt: now, Input: j.Def.Target.Input}
	if err := r.target(ctx, inv); err != nil {
		r.log.ErrorContext(ctx, "schedule target failed", "schedule", j.Name(), "slot", slot, "err", err)
	}
	return nil
}

// Run fires schedules until ctx is done.
func (r *Runner) Run(ctx context.Context) error {
	for {
		wake, err := r.Tick(ctx)
		now := r.clock.Now()
		sleep := r.MaxSleep
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil
			}
			r.log.ErrorContext(ctx, "schedule tick failed", "err", err)
			sleep = r.RetryDelay
		case !wake.IsZero() && wake.Sub(now) < sleep:
			sleep = wake.Sub(now)
		}
		timer := r.clock.NewTimer(sleep)
		select {
		case <-ctx.Done():
			timer.Stop()
			if errors.Is(ctx.Err(), context.Canceled) {
				return nil
			}
			return fmt.Errorf("schedule runner: %w", ctx.Err())
		case <-timer.C():
		}
	}
}
