package metrics

import (
	"sort"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/workhours"
)

// stale lists the open deals that the org's reminder policies flag at AsOf: no activity for N
// business days in the owner's calendar, a close date in the past (after N business days of
// grace), or no next step. Largest deals first.
func (c *calc) stale() []StaleDeal {
	cals := map[string]*workhours.Calendar{}
	calendar := func(owner string) *workhours.Calendar {
		if cal, ok := cals[owner]; ok {
			return cal
		}
		var cal *workhours.Calendar
		if rep, ok := c.in.Org.Rep(owner); ok {
			cal, _ = workhours.ForRep(c.in.Org, *rep)
		}
		if cal == nil {
			loc, _ := domain.LoadLocation(c.in.Org.Settings.Timezone)
			if loc == nil {
				loc = time.UTC
			}
			cal, _ = workhours.New(loc, c.in.Org.Settings.WorkingHours, nil)
		}
		cals[owner] = cal
		return cal
	}
	now := c.in.AsOf
	var out []StaleDeal
	for _, d := range c.deals {
		st, ok := c.stateAt(d, now)
		if !ok || !st.open {
			continue
		}
		var reasons []StaleReason
		for _, p := range c.in.Org.ReminderPolicies {
			if !policyApplies(p, d, st.stage) {
				continue
			}
			switch p.Trigger {
			case domain.TriggerNoActivity:
				last := lastTouch(d)
				if cal := calendar(d.OwnerID); cal != nil && p.BusinessDays > 0 {
					if due := cal.AddBusinessDays(last, p.BusinessDays); !due.IsZero() && !due.After(now) {
						reasons = append(reasons, StaleReason{Policy: p.ID, Trigger: p.Trigger, Since: last})
					}
				}
			case domain.TriggerCloseDatePast:
				day, ok := closeDay(d)
				if !ok {
					continue
				}
				// The close date is a day: it is past once that day has ended in the owner's zone.
				due := dayEnded(day, time.UTC)
				if cal := calendar(d.OwnerID); cal != nil {
					due = dayEnded(day, cal.Location())
					if p.BusinessDays > 0 {
						due = cal.AddBusinessDays(due, p.BusinessDays)
					}
				}
				if !due.IsZero() && !due.After(now) {
					reasons = append(reasons, StaleReason{Policy: p.ID, Trigger: p.Trigger, Since: *d.CloseDate}) // midnight UTC of the day
				}
			case domain.TriggerNoNextStep:
				if d.NextStep == "" {
					reasons = append(reasons, StaleReason{Policy: p.ID, Trigger: p.Trigger})
				}
			}
		}
		if len(reasons) > 0 {
			out = append(out, StaleDeal{DealLine: c.line(d), Reasons: reasons})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return lineLess(&out[i].DealLine, &out[j].DealLine) })
	return out
}

func policyApplies(p domain.ReminderPolicy, d *domain.Deal, stage string) bool {
	if p.Pipeline != "" && d.Pipeline != "" && p.Pipeline != d.Pipeline {
		return false
	}
	if len(p.Stages) == 0 {
		return true
	}
	for _, s := range p.Stages {
		if s == stage {
			return true
		}
	}
	return false
}

// lastTouch is the deal's last activity, or when it entered its current stage, or was created.
func lastTouch(d *domain.Deal) time.Time {
	last := d.CreatedAt
	if n := len(d.StageHistory); n > 0 && d.StageHistory[n-1].EnteredAt.After(last) {
		last = d.StageHistory[n-1].EnteredAt
	}
	if d.LastActivityAt != nil && d.LastActivityAt.After(last) {
		last = *d.LastActivityAt
	}
	return last
}
