package digest

import (
	"context"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/domain"
)

// TestDigestAtInThePastIsTrueAsOf: `--at` in the past loads the records as they are now and
// rebuilds them as they were then — a deal open at that instant and won since is in the open
// pipeline, not among the won, even though no window ending at --at would list it.
func TestDigestAtInThePastIsTrueAsOf(t *testing.T) {
	f := digestFixture(t) // clock: Mon 23 Nov 07:00Z; d1 won, d2 lost (18 Nov), d3 open
	ctx := context.Background()
	created := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC) // before every load window
	won := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)   // after --at, before now
	d := domain.Deal{ID: "d4", Name: "Late win", TeamID: "t1", OwnerID: "ae1", Pipeline: "main", Status: domain.DealOpen,
		Amount: domain.Money{AmountMinor: 500000, Currency: "EUR"}, CreatedAt: created}
	_ = d.EnterStage("proposal", created)
	_ = d.EnterStage("closed-won", won)
	d.Status, d.ClosedAt = domain.DealWon, &won
	if _, err := f.deps.Store.CreateDeal(ctx, d); err != nil {
		t.Fatal(err)
	}
	mgr, team, err := f.deps.digestManager("mgr")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) // Friday of W47, the week running then
	r, err := f.deps.DigestReport(ctx, mgr, team, metrics.PeriodAt(metrics.Week, at, mgr.Location()), at)
	if err != nil {
		t.Fatal(err)
	}
	if r.Team.Won != 1 || r.Team.OpenDeals != 2 {
		t.Errorf("as of Friday: won %d, open %d; want 1 won (d1) and 2 open (d3, d4 not yet won)", r.Team.Won, r.Team.OpenDeals)
	}
	if got := r.Team.OpenPipeline.AmountMinor; got != 600000 {
		t.Errorf("open pipeline as of Friday = %d, want 600000 (d3 1,000 + d4 5,000)", got)
	}
	// Now (the default), d4 is won in W47: the same loader, the other instant.
	now := f.clock.Now()
	r, err = f.deps.DigestReport(ctx, mgr, team, metrics.LastComplete(metrics.Week, now, mgr.Location()), now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Team.Won != 2 || r.Team.OpenDeals != 1 {
		t.Errorf("as of now: won %d, open %d; want 2 and 1", r.Team.Won, r.Team.OpenDeals)
	}
}

// TestDigestNewLeadsAreEveryLeadInTheTeamsTerritories: "new leads" counts every lead created in
// the period in the team's territories — the unassigned and the disqualified ones too — shown
// apart; leads outside the territories count only when a member owns them.
func TestDigestNewLeadsAreEveryLeadInTheTeamsTerritories(t *testing.T) {
	f := digestFixture(t)
	org := f.deps.Org
	org.Territories = append(org.Territories, domain.Territory{ID: "dach", Name: "DACH", Countries: []string{"DE", "AT", "CH"}})
	ae1, _ := org.Rep("ae1")
	ae1.Territory = "dach"
	ctx := context.Background()
	mk := func(id, country, owner string, status domain.LeadStatus, created time.Time) {
		l := domain.Lead{ID: id, Source: "api", Email: id + "@x.example", Country: country, OwnerID: owner, Status: status, CreatedAt: created, UpdatedAt: created.Add(time.Hour)}
		if owner != "" {
			r := created.Add(time.Minute)
			l.RoutedAt = &r
		}
		if status == domain.LeadNew && owner == "" {
			l.Queue = "unassigned"
		}
		if _, err := f.deps.Store.CreateLead(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	w47 := time.Date(2026, 11, 17, 9, 0, 0, 0, time.UTC)
	mk("routed-de", "DE", "sdr1", domain.LeadRouted, w47)
	mk("stranger-at", "AT", "stranger", domain.LeadRouted, w47) // in the territory, routed outside the team
	mk("queued-ch", "CH", "", domain.LeadNew, w47)
	mk("dq-de", "DE", "", domain.LeadDisqualified, w47)
	mk("fr", "FR", "", domain.LeadNew, w47)                                                 // not the team's territory
	mk("fr-mine", "FR", "ae2", domain.LeadRouted, w47)                                      // outside, but a member owns it
	mk("de-last-week", "DE", "", domain.LeadNew, w47.AddDate(0, 0, -7))                     // the prior week
	mk("de-after", "DE", "", domain.LeadNew, time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)) // W48
	mgr, team, err := f.deps.digestManager("mgr")
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	r, err := f.deps.DigestReport(ctx, mgr, team, metrics.LastComplete(metrics.Week, now, mgr.Location()), now)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Team
	if s.NewLeads != 5 || s.NewRouted != 3 || s.NewUnassigned != 1 || s.NewDisqualified != 1 {
		t.Errorf("W47 new leads %d (routed %d, unassigned %d, disqualified %d); want 5 (3, 1, 1)",
			s.NewLeads, s.NewRouted, s.NewUnassigned, s.NewDisqualified)
	}
	if r.Prior.NewLeads != 1 || r.Prior.NewUnassigned != 1 {
		t.Errorf("W46 new leads %d (unassigned %d); want 1 (1)", r.Prior.NewLeads, r.Prior.NewUnassigned)
	}
}
