package digest

import (
	"context"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/domain"
)

// TestDigestCountsRoutedLeadsAndAnsweredHandoffs: the digest loads the leads routed to the team's
// members and every handoff the AEs answered in the period (not only the open ones), so "new
// leads", "routed leads" and the handoff SLA show real numbers.
//
// Week reported: W47 = Mon 16 Nov 00:00 to Mon 23 Nov 00:00 Berlin (15 Nov 23:00Z – 22 Nov 23:00Z).
func TestDigestCountsRoutedLeadsAndAnsweredHandoffs(t *testing.T) {
	f := digestFixture(t)
	ctx := context.Background()
	z := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	lead := func(id, owner, created, routed string) domain.Lead {
		l := domain.Lead{ID: id, Source: "api", Email: id + "@x.example", OwnerID: owner, Status: domain.LeadNew, CreatedAt: z(created), UpdatedAt: z(created)}
		if routed != "" {
			r := z(routed)
			l.RoutedAt, l.Status = &r, domain.LeadRouted
		}
		return l
	}
	for _, l := range []domain.Lead{
		lead("l1", "sdr1", "2026-11-17T08:00:00Z", "2026-11-17T08:00:01Z"),     // new + routed this week
		lead("l2", "ae1", "2026-11-13T08:00:00Z", "2026-11-16T09:00:00Z"),      // new last week, routed this week
		lead("l3", "stranger", "2026-11-18T08:00:00Z", "2026-11-18T08:00:00Z"), // not the team's
		lead("l4", "", "2026-11-19T08:00:00Z", ""),                             // queued, never routed
	} {
		if _, err := f.deps.Store.CreateLead(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	attempt := func(ae, assigned, due, ended string, outcome domain.HandoffStatus) domain.HandoffAttempt {
		e := z(ended)
		return domain.HandoffAttempt{AEID: ae, AssignedAt: z(assigned), SLADueAt: z(due), EndedAt: &e, Outcome: outcome}
	}
	handoff := func(id string, status domain.HandoffStatus, as ...domain.HandoffAttempt) domain.Handoff {
		last := as[len(as)-1]
		h := domain.Handoff{ID: id, LeadID: "l-" + id, SDRID: "sdr1", AEID: last.AEID, Status: status,
			RequestedAt: as[0].AssignedAt, SLADueAt: last.SLADueAt, UpdatedAt: *last.EndedAt, Attempts: as}
		if status == domain.HandoffAccepted {
			h.AcceptedAt, h.AcceptedBy = last.EndedAt, last.AEID
		}
		return h
	}
	for _, h := range []domain.Handoff{
		// ae1 accepts after 1h, inside the 4h SLA.
		handoff("h1", domain.HandoffAccepted, attempt("ae1", "2026-11-17T09:00:00Z", "2026-11-17T13:00:00Z", "2026-11-17T10:00:00Z", domain.HandoffAccepted)),
		// ae2 accepts after 6h: late.
		handoff("h2", domain.HandoffAccepted, attempt("ae2", "2026-11-18T09:00:00Z", "2026-11-18T13:00:00Z", "2026-11-18T15:00:00Z", domain.HandoffAccepted)),
		// ae1 lets it expire (a miss), ae2 accepts the reassignment after 1h (in SLA).
		handoff("h3", domain.HandoffAccepted,
			attempt("ae1", "2026-11-19T09:00:00Z", "2026-11-19T13:00:00Z", "2026-11-19T13:00:00Z", domain.HandoffExpired),
			attempt("ae2", "2026-11-19T13:00:00Z", "2026-11-19T17:00:00Z", "2026-11-19T14:00:00Z", domain.HandoffAccepted)),
		// ae2 declines: counted apart.
		handoff("h4", domain.HandoffDeclined, attempt("ae2", "2026-11-20T09:00:00Z", "2026-11-20T13:00:00Z", "2026-11-20T10:00:00Z", domain.HandoffDeclined)),
	} {
		if _, err := f.deps.Store.CreateHandoff(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	mgr, team, err := f.deps.digestManager("mgr")
	if err != nil {
		t.Fatal(err)
	}
	at := f.clock.Now()
	r, err := f.deps.DigestReport(ctx, mgr, team, metrics.LastComplete(metrics.Week, at, mgr.Location()), at)
	if err != nil {
		t.Fatal(err)
	}
	if r.PeriodKey != "2026-W47" {
		t.Fatalf("period %s, want 2026-W47", r.PeriodKey)
	}
	// Leads: l1 (new, routed) and l2 (routed; new the week before); l3 belongs to no member, l4 has no owner.
	if r.Team.NewLeads != 1 || r.Team.RoutedLeads != 2 {
		t.Errorf("team leads: new %d routed %d, want 1 and 2", r.Team.NewLeads, r.Team.RoutedLeads)
	}
	if r.Prior.NewLeads != 1 || r.Prior.RoutedLeads != 0 {
		t.Errorf("prior week leads: new %d routed %d, want 1 and 0", r.Prior.NewLeads, r.Prior.RoutedLeads)
	}
	rows := map[string]metrics.RepSummary{}
	for _, row := range r.Reps {
		rows[row.RepID] = row
	}
	if got := rows["sdr1"].Current; got.NewLeads != 1 || got.RoutedLeads != 1 {
		t.Errorf("sdr1 leads: new %d routed %d, want 1 and 1", got.NewLeads, got.RoutedLeads)
	}
	if got := rows["ae1"].Current; got.NewLeads != 0 || got.RoutedLeads != 1 {
		t.Errorf("ae1 leads: new %d routed %d, want 0 and 1", got.NewLeads, got.RoutedLeads)
	}
	// Handoffs: decided = h1, h2, h3/ae1 (expired), h3/ae2 = 4; in SLA = h1, h3/ae2 = 2 → 50%;
	// times to accept 1h, 6h, 1h → median 1h; h4 declined.
	hs := r.Team.Handoffs
	if hs.Decided != 4 || hs.InSLA != 2 || hs.Declined != 1 {
		t.Errorf("team handoffs decided %d in SLA %d declined %d, want 4, 2, 1", hs.Decided, hs.InSLA, hs.Declined)
	}
	if !hs.Share.OK || hs.Share.V != 0.5 {
		t.Errorf("share in SLA = %+v, want 0.5", hs.Share)
	}
	if !hs.MedianToAccept.OK || hs.MedianToAccept.V != time.Hour {
		t.Errorf("median time to accept = %+v, want 1h", hs.MedianToAccept)
	}
	// ae1: h1 in SLA, h3 expired → 1 of 2.
	if got := rows["ae1"].Current.Handoffs; got.Decided != 2 || got.InSLA != 1 {
		t.Errorf("ae1 handoffs decided %d in SLA %d, want 2 and 1", got.Decided, got.InSLA)
	}
}
