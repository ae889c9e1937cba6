package metrics

import (
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// activityInput is the fixture week (Mon 2026-11-16 to Mon 2026-11-23, Berlin; AsOf Monday
// 08:00) with the touches the activity measures count. Policy "stale": no activity for 3 business
// days in discovery, demo or proposal.
func activityInput(t *testing.T) Input {
	open := func(id, owner, stage string, last *time.Time) domain.Deal {
		return domain.Deal{ID: id, Name: id, TeamID: "t1", OwnerID: owner, Pipeline: "main", Stage: stage, Status: domain.DealOpen,
			Amount: eur(1000), CreatedAt: at("2026-11-02T09:00:00Z"), LastActivityAt: last, StageHistory: history(stage + "@2026-11-02T09:00:00Z")}
	}
	act := func(id, rep string, typ domain.ActivityType, when, deal, lead string) domain.Activity {
		return domain.Activity{ID: id, RepID: rep, Type: typ, At: at(when), DealID: deal, LeadID: lead}
	}
	accepted := func(ae, assigned, ended string) domain.HandoffAttempt {
		return domain.HandoffAttempt{AEID: ae, AssignedAt: at(assigned), SLADueAt: at(assigned).Add(4 * time.Hour), EndedAt: ptr(at(ended)), Outcome: domain.HandoffAccepted}
	}
	return Input{Org: loadOrg(t), TeamID: "t1", Members: []string{"ae1", "ae2", "sdr1"}, Period: week, AsOf: asOf,
		Deals: []domain.Deal{
			open("p1", "ae1", "proposal", ptr(at("2026-11-20T10:00:00Z"))),  // touched Friday
			open("p2", "ae1", "demo", nil),                                  // touched Saturday (activity y3)
			open("p3", "ae2", "discovery", ptr(at("2026-11-10T10:00:00Z"))), // idle since Tuesday the week before
			open("p4", "ae1", "demo", ptr(at("2026-11-23T07:30:00Z"))),      // touched only after AsOf
			closedDeal("w1", "ae1", domain.DealWon, eur(5000), "2026-11-02T09:00:00Z", "2026-11-18T10:00:00Z"),
			closedDeal("w2", "ae2", domain.DealWon, eur(5000), "2026-11-02T09:00:00Z", "2026-11-19T10:00:00Z"),
			closedDeal("l1", "ae2", domain.DealLost, eur(5000), "2026-11-02T09:00:00Z", "2026-11-20T10:00:00Z"),
		},
		Activities: []domain.Activity{
			act("y1", "ae1", domain.ActivityMeeting, "2026-11-17T10:00:00Z", "", "lx"),    // meeting, lead not SQL
			act("y2", "ae2", domain.ActivityMeeting, "2026-11-18T08:00:00Z", "", "lq"),    // qualified: SQL lead
			act("y3", "ae1", domain.ActivityCall, "2026-11-21T10:00:00Z", "p2", ""),       // touches p2
			act("y4", "ae2", domain.ActivityProposalSent, "2026-11-17T12:00:00Z", "", ""), // a proposal
			act("y5", "sdr1", domain.ActivityCall, "2026-11-16T08:00:00Z", "", "lx"),      // before lx was routed
			act("y6", "ae1", domain.ActivityEmail, "2026-11-20T11:00:00Z", "p1", ""),      // first touch after handoff h2
			act("y7", "ae1", domain.ActivityMeeting, "2026-11-10T10:00:00Z", "", ""),      // the week before
		},
		DealActivities: []domain.Activity{
			act("w1a", "ae1", domain.ActivityCall, "2026-11-05T10:00:00Z", "w1", ""),
			act("w1b", "ae1", domain.ActivityMeeting, "2026-11-10T10:00:00Z", "w1", ""),
			act("w1c", "ae1", domain.ActivityProposalSent, "2026-11-12T10:00:00Z", "w1", ""),
			act("w1d", "ae1", domain.ActivityMeeting, "2026-11-19T10:00:00Z", "w1", ""), // after w1 closed; a qualified meeting of the week
			act("w2a", "ae2", domain.ActivityEmail, "2026-11-17T10:00:00Z", "w2", ""),
			act("w2b", "ae2", domain.ActivityCall, "2026-11-18T10:00:00Z", "w2", ""),
			act("l1a", "ae2", domain.ActivityCall, "2026-11-03T10:00:00Z", "l1", ""),
			act("l1b", "ae2", domain.ActivityEmail, "2026-11-04T10:00:00Z", "l1", ""),
			act("l1c", "ae2", domain.ActivityEmail, "2026-11-05T10:00:00Z", "l1", ""),
		},
		Leads: []domain.Lead{
			{ID: "lq", OwnerID: "ae2", Grade: domain.GradeSQL, CreatedAt: at("2026-11-17T07:00:00Z"), RoutedAt: ptr(at("2026-11-17T08:00:00Z"))},
			{ID: "lx", OwnerID: "ae1", CreatedAt: at("2026-11-16T08:30:00Z"), RoutedAt: ptr(at("2026-11-16T09:00:00Z"))},
			{ID: "lz", OwnerID: "ae1", CreatedAt: at("2026-11-20T09:00:00Z"), RoutedAt: ptr(at("2026-11-20T09:00:00Z"))},
			{ID: "lold", OwnerID: "ae1", CreatedAt: at("2026-11-12T09:00:00Z"), RoutedAt: ptr(at("2026-11-12T09:00:00Z"))},
		},
		Handoffs: []domain.Handoff{
			{ID: "h1", LeadID: "lq", Attempts: []domain.HandoffAttempt{accepted("ae2", "2026-11-17T07:00:00Z", "2026-11-17T09:00:00Z")}},
			{ID: "h2", LeadID: "lh", DealID: "p1", Attempts: []domain.HandoffAttempt{accepted("ae1", "2026-11-19T09:00:00Z", "2026-11-19T10:00:00Z")}},
			{ID: "h3", LeadID: "lo", Attempts: []domain.HandoffAttempt{accepted("ae1", "2026-11-10T09:00:00Z", "2026-11-10T10:00:00Z")}}, // the week before
		},
	}
}

func TestActivityMeasures(t *testing.T) {
	r := Compute(activityInput(t)).ActivityMeasures
	h := time.Hour
	type want struct {
		meetings, qualified, proposals int
		fuDeals, fuTouched             int
		fuShare                        float64
		fuOK                           bool
		leads, leadsAnswered           int
		leadMedian                     time.Duration
		handoffs, handoffsAnswered     int
		handoffMedian                  time.Duration
	}
	check := func(name string, g ActivityMeasures, w want) {
		t.Helper()
		if g.MeetingsBooked != w.meetings || g.QualifiedMeetings != w.qualified || g.ProposalsSent != w.proposals {
			t.Errorf("%s meetings/qualified/proposals = %d/%d/%d, want %d/%d/%d", name, g.MeetingsBooked, g.QualifiedMeetings, g.ProposalsSent, w.meetings, w.qualified, w.proposals)
		}
		if g.FollowUp.Deals != w.fuDeals || g.FollowUp.Touched != w.fuTouched {
			t.Errorf("%s follow-up = %+v, want %d of %d", name, g.FollowUp, w.fuTouched, w.fuDeals)
		}
		wantMaybe(t, name+" follow-up share", g.FollowUp.Share, w.fuShare, w.fuOK)
		wantResp := func(what string, got Response, n, answered int, med time.Duration) {
			t.Helper()
			if got.Count != n || got.Answered != answered || got.Median.OK != (answered > 0) || got.Median.V != med {
				t.Errorf("%s %s response = %+v, want %d, %d answered, median %v", name, what, got, n, answered, med)
			}
		}
		wantResp("lead", g.LeadResponse, w.leads, w.leadsAnswered, w.leadMedian)
		wantResp("handoff", g.HandoffResponse, w.handoffs, w.handoffsAnswered, w.handoffMedian)
	}
	// Meetings of the week: y1 (lead lx, not SQL), y2 (SQL lead lq), w1d (on a deal) → 3, 2
	// qualified; y7 was the week before. Proposals: y4.
	// Follow-up at AsOf: p1 (Friday) and p2 (Saturday, activity y3) are within 3 business days;
	// p3 (idle since 2026-11-10) and p4 (its touch is after AsOf) are not → 2 of 4.
	// Leads routed in the week: lq → y2 after 24 h, lx → y1 after 25 h (y5 came before routing),
	// lz untouched → 2 of 3 answered, median 24.5 h. lold was routed the week before.
	// Handoffs accepted in the week: h1 (assigned 07:00, y2 25 h later), h2 (assigned Thu 09:00,
	// y6 on its deal Fri 11:00 = 26 h) → median 25.5 h; h3 was the week before.
	check("team", r.Team, want{3, 2, 1, 4, 2, 0.5, true, 3, 2, 24*h + 30*time.Minute, 2, 2, 25*h + 30*time.Minute})
	if len(r.Reps) != 3 {
		t.Fatalf("reps = %+v", r.Reps)
	}
	check("ae1", r.Reps[0], want{2, 1, 0, 3, 2, 2.0 / 3, true, 2, 1, 25 * h, 1, 1, 26 * h})
	check("ae2", r.Reps[1], want{1, 1, 1, 1, 0, 0, true, 1, 1, 24 * h, 1, 1, 25 * h})
	check("sdr1", r.Reps[2], want{fuOK: false})

	// Before the close: won w1 (call, meeting, proposal; w1d came after it closed), won w2
	// (email, call), lost l1 (call, 2 emails).
	wantP := map[domain.ActivityType][6]int{ // wonWith, wonActs, lostWith, lostActs; deals 2 won, 1 lost
		domain.ActivityCall:         {2, 2, 1, 1},
		domain.ActivityEmail:        {1, 1, 1, 2},
		domain.ActivityMeeting:      {1, 1, 0, 0},
		domain.ActivityProposalSent: {1, 1, 0, 0},
		domain.ActivityNote:         {0, 0, 0, 0},
	}
	if len(r.BeforeClose) != len(wantP) {
		t.Fatalf("before close = %+v", r.BeforeClose)
	}
	for _, p := range r.BeforeClose {
		w := wantP[p.Type]
		if p.WonDeals != 2 || p.LostDeals != 1 || p.WonWith != w[0] || p.WonActivities != w[1] || p.LostWith != w[2] || p.LostActivities != w[3] {
			t.Errorf("%s before close = %+v, want %v of 2 won, %v of 1 lost", p.Type, p, w[:2], w[2:4])
		}
		wantMaybe(t, string(p.Type)+" won share", p.WonShare, float64(w[0])/2, true)
		wantMaybe(t, string(p.Type)+" lost share", p.LostShare, float64(w[2]), true)
	}
}
