// Package onboarding owns Customer Success onboarding rules: which plan a won customer gets, when
// each milestone falls due in the CSM's business days, what the workflow waits for next (the due
// time to remind the CSM, the overdue time to tell their manager) and what completing a milestone
// does. Everything is pure: times and calendars are arguments.
package onboarding

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/workhours"
)

// SelectPlan picks the plan for a customer of the given size: the first plan listing a segment
// that contains it, otherwise the default plan (or the first one).
func SelectPlan(org *domain.Org, employees int) (domain.OnboardingPlan, bool) {
	if employees > 0 {
		for _, p := range org.OnboardingPlans {
			for _, id := range p.Segments {
				if s, ok := org.Segment(id); ok && s.Contains(employees) {
					return p, true
				}
			}
		}
	}
	for _, p := range org.OnboardingPlans {
		if p.Default {
			return p, true
		}
	}
	if len(org.OnboardingPlans) > 0 {
		return org.OnboardingPlans[0], true
	}
	return domain.OnboardingPlan{}, false
}

// PlanByID returns the org's plan by id.
func PlanByID(org *domain.Org, id string) (domain.OnboardingPlan, bool) {
	for _, p := range org.OnboardingPlans {
		if p.ID == id {
			return p, true
		}
	}
	return domain.OnboardingPlan{}, false
}

// Milestones lays the plan out from the win: the onboarding starts at the CSM's next working time
// after start, and a milestone with offset N is due N of the CSM's business days later, at the
// same time of day (moved into working hours if that falls in a break).
func Milestones(plan domain.OnboardingPlan, cal *workhours.Calendar, start time.Time) []domain.OnboardingMilestone {
	base := cal.NextWorkingTime(start)
	out := make([]domain.OnboardingMilestone, 0, len(plan.Milestones))
	for _, m := range plan.Milestones {
		due := cal.NextWorkingTime(cal.AddBusinessDays(base, m.OffsetBusinessDays))
		out = append(out, domain.OnboardingMilestone{Key: m.ID, Name: m.Name, DueAt: due.UTC()})
	}
	return out
}

// EscalateAt is when an undone milestone is overdue enough to tell the CSM's manager: the plan's
// escalate_after_business_days after it fell due. ok is false when the plan never escalates.
func EscalateAt(m domain.OnboardingMilestone, plan domain.OnboardingPlan, cal *workhours.Calendar) (time.Time, bool) {
	if plan.EscalateAfterBusinessDays <= 0 {
		return time.Time{}, false
	}
	return cal.NextWorkingTime(cal.AddBusinessDays(m.DueAt, plan.EscalateAfterBusinessDays)).UTC(), true
}

// Actions the workflow takes.
const (
	ActionRemind   = "remind"   // wait until the milestone is due, then remind the CSM if undone
	ActionEscalate = "escalate" // wait until it is overdue, then tell the CSM's manager if undone
	ActionDone     = "completed"
	// ActionStalled: nothing left to wait for, but escalated milestones are still open; the
	// onboarding completes when the CSM marks them done.
	ActionStalled = "stalled"
)

// Step is what the workflow does next.
// Every field is always present: the workflow's ResultSelector reads all three.
type Step struct {
	Action    string    `json:"action"`
	Milestone string    `json:"milestone"`
	At        time.Time `json:"at"`
}

// Next returns the earliest pending action over all undone milestones: a reminder at the due
// time, then an escalation at the overdue time. Milestones are independent, so a late kickoff
// never delays the reminder of a later milestone.
func Next(o domain.Onboarding, plan domain.OnboardingPlan, cal *workhours.Calendar) Step {
	if o.Status == domain.OnboardingCompleted || o.Status == domain.OnboardingCancelled {
		return Step{Action: ActionDone}
	}
	var best Step
	open := false
	for _, m := range o.Milestones {
		if m.DoneAt != nil {
			continue
		}
		open = true
		var s Step
		switch {
		case m.RemindedAt == nil:
			s = Step{Action: ActionRemind, Milestone: m.Key, At: m.DueAt}
		case m.EscalatedAt == nil:
			at, ok := EscalateAt(m, plan, cal)
			if !ok {
				continue
			}
			s = Step{Action: ActionEscalate, Milestone: m.Key, At: at}
		default:
			continue
		}
		if best.Action == "" || s.At.Before(best.At) {
			best = s
		}
	}
	switch {
	case best.Action != "":
		best.At = best.At.UTC()
		return best
	case open:
		return Step{Action: ActionStalled}
	}
	return Step{Action: ActionDone}
}

// ErrUnknownMilestone means the plan of this onboarding has no milestone with that key.
var ErrUnknownMilestone = errors.New("unknown milestone")

// Complete marks milestone key done by rep at t. It reports whether this completed the whole
// onboarding; completing a milestone twice keeps the first time and changes nothing.
func Complete(o domain.Onboarding, key, by string, t time.Time) (domain.Onboarding, bool, error) {
	i := slices.IndexFunc(o.Milestones, func(m domain.OnboardingMilestone) bool { return m.Key == key })
	if i < 0 {
		return o, false, fmt.Errorf("onboarding %s: milestone %q: %w", o.ID, key, ErrUnknownMilestone)
	}
	o.Milestones = slices.Clone(o.Milestones)
	if o.Milestones[i].DoneAt != nil {
		return o, false, nil
	}
	o.Milestones[i].DoneAt, o.Milestones[i].DoneBy = &t, by
	o.UpdatedAt = t
	if o.Status != domain.OnboardingActive {
		return o, false, nil
	}
	for _, m := range o.Milestones {
		if m.DoneAt == nil {
			return o, false, nil
		}
	}
	o.Status, o.CompletedAt = domain.OnboardingCompleted, &t
	return o, true, nil
}

// OpenCount counts a CSM's active onboardings, for their capacity.
func OpenCount(os []domain.Onboarding) int {
	n := 0
	for _, o := range os {
		if o.Status == domain.OnboardingActive {
			n++
		}
	}
	return n
}
