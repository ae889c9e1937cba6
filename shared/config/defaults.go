package config

import (
	"fmt"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// defaultWeek is Monday to Friday, 09:00–17:00, for orgs that give no working hours.
func defaultWeek() domain.WorkingHours {
	day := domain.DayHours{{Start: 9 * 60, End: 17 * 60}}
	off := domain.DayHours{}
	return domain.WorkingHours{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day, Sat: off, Sun: off}
}

// applyDefaults fills what the file may leave out. Presence is judged from the decoded
// positions, so an explicit "active: false" or "weight: 0" is kept (and validated) as written.
func applyDefaults(o *Org, d *decoder) {
	has := func(path string) bool { _, ok := d.pos[path]; return ok }
	s := &o.Settings
	if s.Locale == "" {
		s.Locale = "en-US"
	}
	s.WorkingHours = s.WorkingHours.WithDefaults(defaultWeek())
	for i := range o.Reps {
		r := &o.Reps[i]
		path := fmt.Sprintf("reps[%d]", i)
		if r.Timezone == "" {
			r.Timezone = s.Timezone
		}
		if r.Locale == "" {
			r.Locale = s.Locale
		}
		if r.HolidayCalendar == "" {
			r.HolidayCalendar = s.HolidayCalendar
		}
		r.WorkingHours = r.WorkingHours.WithDefaults(s.WorkingHours)
		if !has(path + ".active") {
			r.Active = true
		}
		for j := range r.Quotas {
			q := &r.Quotas[j]
			if q.Currency == "" {
				q.Currency = s.Currency
			}
			q.Target, _ = domain.ParseMoney(q.Amount, q.Currency) // validate reports a bad amount

		}
	}
	// A team's members are those it lists plus every rep that names it.
	for i := range o.Teams {
		t := &o.Teams[i]
		if t.Currency == "" {
			t.Currency = s.Currency
		}
		for _, r := range o.Reps {
			if r.Team == t.ID && r.ID != "" && !contains(t.Members, r.ID) {
				t.Members = append(t.Members, r.ID)
			}
		}
		for _, m := range t.Members {
			if r, ok := o.Rep(m); ok && r.Team == "" {
				r.Team = t.ID
			}
		}
	}
	for i := range o.Routing.Rules {
		if o.Routing.Rules[i].Stage == "" {
			o.Routing.Rules[i].Stage = domain.RouteLead
		}
	}
	for i := range o.Pipelines {
		if !has(fmt.Sprintf("pipelines[%d].require_lost_reason", i)) {
			o.Pipelines[i].RequireLostReason = true
		}
	}
	for i := range o.Routing.Pools {
		p := &o.Routing.Pools[i]
		path := fmt.Sprintf("routing.pools[%d]", i)
		if !has(path + ".skip_out_of_office") {
			p.SkipOutOfOffice = true
		}
		for j := range p.Members {
			if !has(fmt.Sprintf("%s.members[%d].weight", path, j)) {
				p.Members[j].Weight = 1
			}
		}
	}
	h := &o.Handoff
	if h.Qualification == "" {
		h.Qualification = domain.QualificationBANT
	}
	if !has("handoff.sla_business_hours") {
		h.SLABusinessHours = 4
	}
	if !has("handoff.second_window_business_hours") {
		h.SecondWindowBusinessHours = h.SLABusinessHours
	}
	if !has("handoff.copy_manager") {
		h.CopyManager = true
	}
	for i := range o.ReminderPolicies {
		if o.ReminderPolicies[i].Period == "" {
			o.ReminderPolicies[i].Period = domain.PeriodWeek
		}
	}
	for i := range o.Digests {
		dg := &o.Digests[i]
		if dg.ID == "" {
			dg.ID = "digest-" + dg.Manager
		}
		if dg.Timezone == "" {
			if m, ok := o.Rep(dg.Manager); ok {
				dg.Timezone = m.Timezone
			}
		}
		if dg.Period == "" {
			dg.Period = "week"
		}
	}
	w := &o.Webhooks
	if !has("webhooks.leads.tolerance") {
		w.Leads.Tolerance = domain.DurationSpec{Duration: 5 * time.Minute}
	}
	if len(w.HubSpot.SignatureVersions) == 0 {
		w.HubSpot.SignatureVersions = []string{"v3"}
	}
	// webhooks.hubspot.access_token_env was the token's first home; it keeps working.
	if hs := &o.Integrations.HubSpot; hs.AccessTokenEnv == "" && w.HubSpot.AccessTokenEnv != "" {
		hs.AccessTokenEnv = w.HubSpot.AccessTokenEnv
		o.Deprecations = append(o.Deprecations, fmt.Sprintf("%s:%d: webhooks.hubspot.access_token_env is deprecated: move it to integrations.hubspot.access_token_env",
			d.file, d.pos["webhooks.hubspot.access_token_env"].line))
	}
	for i := range o.Forms {
		if o.Forms[i].Source == "" {
			o.Forms[i].Source = "form:" + o.Forms[i].ID
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
