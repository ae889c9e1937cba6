package metrics

import (
	"sort"
	"time"

	"github.com/dealflow/dealflow/shared/deal/reminder/policy"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/workhours"
)

// stale is "needs attention": the open deals that the org's reminder policies flag at AsOf —
// the same verdict the reminder sweep acts on (policy.Evaluate, in the owner's calendar), so the
// digest and the Reminders page list the same deals — minus the causes whose reminder the owner
// snoozed past AsOf. Largest deals first.
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
			// An owner the org file does not know: the org's zone and hours.
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
	snoozed := map[[2]string]bool{}
	for _, r := range c.in.Reminders {
		if r.Status == domain.ReminderSnoozed && r.SnoozedUntil != nil && r.SnoozedUntil.After(now) && c.before(r.UpdatedAt) {
			snoozed[[2]string{r.DealID, r.Policy}] = true
		}
	}
	var out []StaleDeal
	for _, d := range c.deals {
		st, ok := c.stateAt(d, now)
		if !ok || !st.open {
			continue
		}
		cal := calendar(d.OwnerID)
		if cal == nil {
			continue
		}
		asOf := c.asOfDeal(d, st)
		var reasons []StaleReason
		for _, p := range c.in.Org.ReminderPolicies {
			if snoozed[[2]string{d.ID, p.ID}] {
				continue
			}
			f, fires := policy.Evaluate(p, policy.Subject{Deal: &asOf}, cal, now)
			if !fires {
				continue
			}
			since := f.Since
			if p.Trigger == domain.TriggerCloseDatePast && d.CloseDate != nil {
				since = *d.CloseDate // the close date itself (a day, midnight UTC) for the text
			}
			reasons = append(reasons, StaleReason{Policy: p.ID, Trigger: p.Trigger, Since: since})
		}
		if len(reasons) > 0 {
			out = append(out, StaleDeal{DealLine: c.line(d), Reasons: reasons})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return lineLess(&out[i].DealLine, &out[j].DealLine) })
	return out
}

// asOfDeal is d as it was at AsOf, for the policies: open, in the stage it was in, with the
// stage changes made before AsOf.
func (c *calc) asOfDeal(d *domain.Deal, st dealState) domain.Deal {
	v := *d
	v.Status, v.Stage, v.ClosedAt = domain.DealOpen, st.stage, nil
	n := 0
	for n < len(d.StageHistory) && c.before(d.StageHistory[n].EnteredAt) {
		n++
	}
	v.StageHistory = d.StageHistory[:n:n]
	return v
}
