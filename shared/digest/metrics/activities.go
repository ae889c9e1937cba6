package metrics

import (
	"sort"
	"time"

	"github.com/dealflow/dealflow/shared/deal/reminder/policy"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/workhours"
)

// WhyNothingLost: the share of lost deals with an activity type, when nothing was lost.
const WhyNothingLost = "nothing_lost"

// WhyNoneAnswered: a response time when no lead or handoff got a first touch.
const WhyNoneAnswered = "none_answered"

// ActivityReport is what the reps did, per rep and for the team, and which activity types came
// before the deals won and lost in the period (docs/METRICS.md "Activity measures").
type ActivityReport struct {
	Team ActivityMeasures   `json:"team"`
	Reps []ActivityMeasures `json:"reps"`
	// BeforeClose: per activity type, in how many deals won (lost) in the period it was logged
	// before the close. Descriptive, not a prediction.
	BeforeClose []ActivityPresence `json:"beforeClose"`
}

// ActivityMeasures are one rep's (or the team's) activity numbers for the period.
type ActivityMeasures struct {
	RepID string `json:"repId,omitempty"`
	// MeetingsBooked counts meetings logged with a time in the period; QualifiedMeetings the
	// ones on a deal or on an SQL lead.
	MeetingsBooked    int `json:"meetingsBooked"`
	QualifiedMeetings int `json:"qualifiedMeetings"`
	ProposalsSent     int `json:"proposalsSent"`
	// FollowUp is follow-up consistency at AsOf.
	FollowUp FollowUp `json:"followUp"`
	// LeadResponse: from a lead being routed in the period to its first activity.
	LeadResponse Response `json:"leadResponse"`
	// HandoffResponse: from a handoff being assigned to the AE who accepted it in the period to
	// the first activity on its lead or deal.
	HandoffResponse Response `json:"handoffResponse"`
}

// FollowUp: of the deals open at AsOf that a no_activity reminder policy covers, those touched
// within the policy's interval (the policy does not fire).
type FollowUp struct {
	Deals   int            `json:"deals"`
	Touched int            `json:"touched"`
	Share   Maybe[float64] `json:"share"`
}

// Response is how quickly reps answered: Count items, Answered of them with a first activity
// before AsOf, Median of (first activity − start) over those.
type Response struct {
	Count    int                  `json:"count"`
	Answered int                  `json:"answered"`
	Median   Maybe[time.Duration] `json:"median"`
}

// ActivityPresence is one activity type before the period's won and lost deals.
type ActivityPresence struct {
	Type domain.ActivityType `json:"type"`
	// WonDeals (LostDeals) won (lost) in the period; WonWith (LostWith) of them had at least one
	// activity of the type before they closed, WonActivities (LostActivities) how many in all.
	WonDeals       int            `json:"wonDeals"`
	WonWith        int            `json:"wonWith"`
	WonActivities  int            `json:"wonActivities"`
	WonShare       Maybe[float64] `json:"wonShare"`
	LostDeals      int            `json:"lostDeals"`
	LostWith       int            `json:"lostWith"`
	LostActivities int            `json:"lostActivities"`
	LostShare      Maybe[float64] `json:"lostShare"`
}

// activityTypes is the order types are reported in.
var activityTypes = []domain.ActivityType{domain.ActivityCall, domain.ActivityEmail, domain.ActivityMeeting, domain.ActivityProposalSent, domain.ActivityNote}

func (c *calc) activityMeasures() ActivityReport {
	out := ActivityReport{Reps: []ActivityMeasures{}}
	out.Team = c.measures(c.deals, func(rep string) bool { return c.members[rep] || len(c.members) == 0 })
	for _, id := range c.rows {
		m := c.measures(c.byOwner[id], func(rep string) bool { return rep == id })
		m.RepID = id
		out.Reps = append(out.Reps, m)
	}
	out.BeforeClose = c.beforeClose()
	return out
}

func (c *calc) measures(deals []*domain.Deal, in func(string) bool) ActivityMeasures {
	var m ActivityMeasures
	p := c.in.Period
	sql := map[string]bool{}
	for _, list := range [][]domain.Lead{c.in.Leads, c.in.TeamLeads} {
		for _, l := range list {
			if l.Grade == domain.GradeSQL {
				sql[l.ID] = true
			}
		}
	}
	for _, a := range c.activities() {
		if !in(a.RepID) || !p.Contains(a.At) {
			continue
		}
		switch a.Type {
		case domain.ActivityMeeting:
			m.MeetingsBooked++
			if a.DealID != "" || sql[a.LeadID] {
				m.QualifiedMeetings++
			}
		case domain.ActivityProposalSent:
			m.ProposalsSent++
		}
	}
	m.FollowUp = c.followUp(deals)
	m.LeadResponse, m.HandoffResponse = c.responses(in)
	return m
}

// followUp evaluates the no_activity policies at AsOf on each deal open then, with its last
// touch as of AsOf (the record's, or a later activity loaded), in the owner's calendar.
func (c *calc) followUp(deals []*domain.Deal) FollowUp {
	var f FollowUp
	last := map[string]time.Time{}
	for _, a := range c.activities() {
		if a.DealID != "" && a.At.After(last[a.DealID]) {
			last[a.DealID] = a.At
		}
	}
	cals := map[string]*workhours.Calendar{}
	for _, d := range deals {
		st, ok := c.stateAt(d, c.in.AsOf)
		if !ok || !st.open {
			continue
		}
		v := c.asOfDeal(d, st)
		if v.LastActivityAt != nil && !c.before(*v.LastActivityAt) {
			v.LastActivityAt = nil // a touch after AsOf did not happen yet
		}
		if t, ok := last[d.ID]; ok && (v.LastActivityAt == nil || t.After(*v.LastActivityAt)) {
			v.LastActivityAt = &t
		}
		covered, fired := false, false
		for _, p := range c.in.Org.ReminderPolicies {
			if p.Trigger != domain.TriggerNoActivity || !policy.Applies(p, v) {
				continue
			}
			covered = true
			cal, ok := cals[d.OwnerID]
			if !ok {
				cal = c.calendarOf(d.OwnerID)
				cals[d.OwnerID] = cal
			}
			if cal == nil {
				continue
			}
			if _, fires := policy.Evaluate(p, policy.Subject{Deal: &v}, cal, c.in.AsOf); fires {
				fired = true
			}
		}
		if covered {
			f.Deals++
			if !fired {
				f.Touched++
			}
		}
	}
	f.Share = ratio(float64(f.Touched), float64(f.Deals), WhyNoDeals)
	return f
}

// calendarOf is a rep's business calendar; the org's zone and hours for an owner the org file
// does not know.
func (c *calc) calendarOf(owner string) *workhours.Calendar {
	if rep, ok := c.in.Org.Rep(owner); ok {
		if cal, err := workhours.ForRep(c.in.Org, *rep); err == nil {
			return cal
		}
	}
	loc, _ := domain.LoadLocation(c.in.Org.Settings.Timezone)
	if loc == nil {
		loc = time.UTC
	}
	cal, _ := workhours.New(loc, c.in.Org.Settings.WorkingHours, nil)
	return cal
}

// responses measures the first touch after a lead was routed in the period to one of the reps,
// and after a handoff was assigned to one of them who accepted it in the period.
func (c *calc) responses(in func(string) bool) (Response, Response) {
	acts := c.activities()
	first := func(from time.Time, match func(domain.Activity) bool) (time.Duration, bool) {
		for _, a := range acts { // oldest first
			if !a.At.Before(from) && match(a) {
				return a.At.Sub(from), true
			}
		}
		return 0, false
	}
	var leads, hand Response
	var lw, hw []time.Duration
	seen := map[string]bool{}
	for _, list := range [][]domain.Lead{c.in.Leads, c.in.TeamLeads} {
		for _, l := range list {
			if seen[l.ID] || l.RoutedAt == nil || !in(l.OwnerID) || !c.in.Period.Contains(*l.RoutedAt) || !c.before(*l.RoutedAt) {
				continue
			}
			seen[l.ID] = true
			leads.Count++
			if w, ok := first(*l.RoutedAt, func(a domain.Activity) bool { return a.LeadID == l.ID }); ok {
				leads.Answered++
				lw = append(lw, w)
			}
		}
	}
	seenH := map[string]bool{}
	for _, h := range c.in.Handoffs {
		if seenH[h.ID] {
			continue
		}
		seenH[h.ID] = true
		for _, a := range h.Attempts {
			if a.Outcome != domain.HandoffAccepted || a.EndedAt == nil || !in(a.AEID) || !c.in.Period.Contains(*a.EndedAt) || !c.before(*a.EndedAt) {
				continue
			}
			hand.Count++
			if w, ok := first(a.AssignedAt, func(x domain.Activity) bool {
				return (h.DealID != "" && x.DealID == h.DealID) || (h.LeadID != "" && x.LeadID == h.LeadID)
			}); ok {
				hand.Answered++
				hw = append(hw, w)
			}
		}
	}
	leads.Median, hand.Median = median(lw), median(hw)
	return leads, hand
}

func median(ws []time.Duration) Maybe[time.Duration] {
	if len(ws) == 0 {
		return NA[time.Duration](WhyNoneAnswered)
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })
	m := ws[len(ws)/2]
	if len(ws)%2 == 0 {
		m = (ws[len(ws)/2-1] + m) / 2
	}
	return Some(m)
}

// beforeClose counts, per activity type, the deals won and lost in the period that had it
// logged before they closed.
func (c *calc) beforeClose() []ActivityPresence {
	byDeal := c.activitiesByDeal()
	out := make([]ActivityPresence, len(activityTypes))
	for i, t := range activityTypes {
		out[i].Type = t
	}
	for _, d := range c.deals {
		st := c.outcome(d)
		if st.open || !c.in.Period.Contains(st.closedAt) {
			continue
		}
		won := st.status == domain.DealWon
		n := map[domain.ActivityType]int{}
		for _, a := range byDeal[d.ID] {
			if a.At.Before(st.closedAt) {
				n[a.Type]++
			}
		}
		for i := range out {
			p := &out[i]
			k := n[p.Type]
			if won {
				p.WonDeals++
				p.WonActivities += k
				if k > 0 {
					p.WonWith++
				}
			} else {
				p.LostDeals++
				p.LostActivities += k
				if k > 0 {
					p.LostWith++
				}
			}
		}
	}
	for i := range out {
		p := &out[i]
		p.WonShare = ratio(float64(p.WonWith), float64(p.WonDeals), WhyNothingWon)
		p.LostShare = ratio(float64(p.LostWith), float64(p.LostDeals), WhyNothingLost)
	}
	return out
}
