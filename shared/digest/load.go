package digest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
)

// DigestReport loads what a manager's digest counts and computes it. Every read is a key or
// index query (on DynamoDB: Query and GetItem only), in the windows metrics.Plan names: the
// team's open deals, deals closed in the two reported periods, deals won earlier in the quota
// period, deals created recently; per member their activities and the leads routed to them; the
// leads created in the team's territories; per AE the handoffs requested recently and those
// still open; per CSM the onboardings; handoffs behind recently created deals by id.
//
// The windows run to now, not to asOf (metrics.Input's contract): for an asOf in the past
// (`--at`) the deals open then and closed since, and the leads routed since, are loaded too, and
// Compute rebuilds each record's state at asOf.
func (d *Service) DigestReport(ctx context.Context, mgr *domain.Rep, team *domain.Team, p metrics.Period, asOf time.Time) (metrics.Report, error) {
	plan := metrics.Plan(p)
	in := metrics.Input{Org: d.Org, TeamID: team.ID, Period: p, AsOf: asOf, Currency: metrics.ReportCurrency(d.Org, team.ID)}
	now := d.Clock.Now()
	if now.Before(asOf) {
		now = asOf // a preview of a moment ahead of the clock still reads up to it
	}
	// The end of the windows: just after now, so that a record written at this very instant
	// (a fake clock in tests, a burst of writes) is in them too.
	upTo := now.Add(time.Nanosecond)
	for _, m := range team.Members {
		if m != mgr.ID {
			in.Members = append(in.Members, m)
		}
	}
	fail := func(op string, err error) (metrics.Report, error) {
		d.Log.Error("digest load failed", "manager_id", mgr.ID, "op", op, "error", err.Error())
		return metrics.Report{}, platform.ErrStoreUnavailable{Op: op + ": " + err.Error()}
	}

	// The reads are independent: run them side by side (SQLite has pooled readers; on DynamoDB
	// they are parallel Query streams). Each job fills its own slot; the first error wins.
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		firstOp  string
	)
	run := func(op string, job func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := job(); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr, firstOp = err, op
				}
				mu.Unlock()
			}
		}()
	}
	var open, closed, won, created []domain.Deal
	run("list open deals", func() (err error) {
		open, err = store.AppendAll(nil, func(pg store.Page) ([]domain.Deal, string, error) {
			return d.Store.ListOpenDealsByTeam(ctx, team.ID, pg)
		})
		return err
	})
	run("list closed deals", func() (err error) {
		closed, err = store.AppendAll(nil, func(pg store.Page) ([]domain.Deal, string, error) {
			return d.Store.ListDealsClosedByTeam(ctx, team.ID, store.Window{From: plan.ClosedFrom, To: upTo}, pg)
		})
		return err
	})
	if plan.WonFrom.Before(plan.ClosedFrom) {
		// Earlier bookings of the quota period: only the won deals, not the (many more) lost ones.
		run("list won deals", func() (err error) {
			won, err = store.AppendAll(nil, func(pg store.Page) ([]domain.Deal, string, error) {
				return d.Store.ListDealsWonByTeam(ctx, team.ID, store.Window{From: plan.WonFrom, To: plan.ClosedFrom}, pg)
			})
			return err
		})
	}
	run("list created deals", func() (err error) {
		created, err = store.AppendAll(nil, func(pg store.Page) ([]domain.Deal, string, error) {
			return d.Store.ListDealsCreatedByTeam(ctx, team.ID, store.Window{From: plan.CreatedFrom, To: upTo}, pg)
		})
		return err
	})
	if terr := teamTerritories(d.Org, in.Members); len(terr) > 0 {
		run("list created leads", func() error {
			router := routing.Router{Org: d.Org}
			all, err := store.AppendAll(nil, func(pg store.Page) ([]domain.Lead, string, error) {
				return d.Store.ListLeadsCreated(ctx, store.Window{From: plan.LeadsFrom, To: upTo}, pg)
			})
			if err != nil {
				return err
			}
			for _, l := range all {
				// Matched the way routing matches a rule's territories.
				if slices.ContainsFunc(terr, func(t *domain.Territory) bool { return router.InTerritory(t, l) }) {
					in.TeamLeads = append(in.TeamLeads, l)
				}
			}
			return nil
		})
	}
	type memberData struct {
		acts        []domain.Activity
		reminders   []domain.Reminder
		leads       []domain.Lead
		handoffs    []domain.Handoff
		onboardings []domain.Onboarding
	}
	per := make([]memberData, len(in.Members))
	for i, m := range in.Members {
		md := &per[i]
		run("list activities", func() (err error) {
			md.acts, err = store.AppendAll(nil, func(pg store.Page) ([]domain.Activity, string, error) {
				return d.Store.ListActivitiesByRep(ctx, m, store.Window{From: plan.ActivityFrom, To: plan.ActivityTo}, pg)
			})
			return err
		})
		run("list open reminders", func() (err error) {
			// Every open reminder, however far its snooze runs: a snoozed cause is not "needs
			// attention".
			md.reminders, err = store.AppendAll(nil, func(pg store.Page) ([]domain.Reminder, string, error) {
				return d.Store.ListOpenRemindersDue(ctx, m, upTo.AddDate(1, 0, 0), pg)
			})
			return err
		})
		run("list routed leads", func() (err error) {
			md.leads, err = store.AppendAll(nil, func(pg store.Page) ([]domain.Lead, string, error) {
				return d.Store.ListLeadsRoutedByOwner(ctx, m, store.Window{From: plan.LeadsFrom, To: upTo}, pg)
			})
			return err
		})
		rep, _ := d.Org.Rep(m)
		if rep == nil {
			continue
		}
		switch rep.Role {
		case domain.RoleAE:
			run("list handoffs", func() error {
				recent, err := store.AppendAll(nil, func(pg store.Page) ([]domain.Handoff, string, error) {
					return d.Store.ListHandoffsByAE(ctx, m, store.Window{From: plan.HandoffsFrom, To: upTo}, pg)
				})
				if err != nil {
					return err
				}
				// Handoffs requested before the window that still wait count as misses once
				// their SLA passes.
				md.handoffs, err = store.AppendAll(recent, func(pg store.Page) ([]domain.Handoff, string, error) {
					return d.Store.ListOpenHandoffsByAE(ctx, m, pg)
				})
				return err
			})
		case domain.RoleCSM:
			run("list onboardings", func() (err error) {
				md.onboardings, err = store.AppendAll(nil, func(pg store.Page) ([]domain.Onboarding, string, error) {
					return d.Store.ListOnboardingsByCSM(ctx, m, pg)
				})
				return err
			})
		}
	}
	wg.Wait()
	if firstErr != nil {
		return fail(firstOp, firstErr)
	}
	if in.DealActivities, firstErr = d.loadDealActivities(ctx, closed); firstErr != nil {
		return fail("list deal activities", firstErr)
	}
	if in.ForecastCalls, firstErr = d.loadForecastCalls(ctx, team.ID, plan.Quota); firstErr != nil {
		return fail("list forecast calls", firstErr)
	}
	in.Deals = make([]domain.Deal, 0, len(open)+len(closed)+len(won)+len(created))
	in.Deals = append(append(append(append(in.Deals, open...), closed...), won...), created...)
	seenHandoff := map[string]bool{}
	for _, md := range per {
		in.Activities = append(in.Activities, md.acts...)
		in.Leads = append(in.Leads, md.leads...)
		in.Onboardings = append(in.Onboardings, md.onboardings...)
		in.Reminders = append(in.Reminders, md.reminders...)
		for _, h := range md.handoffs {
			if !seenHandoff[h.ID] {
				seenHandoff[h.ID] = true
				in.Handoffs = append(in.Handoffs, h)
			}
		}
	}
	// A handoff accepted in the period but requested before the window is behind a recent deal.
	for _, dl := range created {
		if dl.HandoffID == "" || seenHandoff[dl.HandoffID] {
			continue
		}
		seenHandoff[dl.HandoffID] = true
		h, err := d.Store.GetHandoff(ctx, dl.HandoffID)
		if err == nil {
			in.Handoffs = append(in.Handoffs, h)
		} else if !errors.Is(err, store.ErrNotFound) {
			return fail("get handoff", err)
		}
	}
	return metrics.Compute(in), nil
}

// teamTerritories is the union of the members' territories (a rep covers at most one).
func teamTerritories(org *domain.Org, members []string) []*domain.Territory {
	var out []*domain.Territory
	for _, m := range members {
		rep, ok := org.Rep(m)
		if !ok || rep.Territory == "" {
			continue
		}
		if t, ok := org.Territory(rep.Territory); ok && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
