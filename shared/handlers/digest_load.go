package handlers

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/metrics"
	"github.com/dealflow/dealflow/shared/store"
)

// DigestReport loads what a manager's digest counts and computes it. Every read is a key or
// index query (on DynamoDB: Query and GetItem only): the team's open deals, its deals closed and
// created in the windows metrics.Plan names, and per member their activities, open handoffs and
// (for CSMs) onboardings; handoffs behind recently created deals by id.
func (d *Deps) DigestReport(ctx context.Context, mgr *domain.Rep, team *domain.Team, p metrics.Period, asOf time.Time) (metrics.Report, error) {
	plan := metrics.Plan(p)
	in := metrics.Input{Org: d.Org, TeamID: team.ID, Period: p, AsOf: asOf}
	for _, m := range team.Members {
		if m != mgr.ID {
			in.Members = append(in.Members, m)
		}
	}
	fail := func(op string, err error) (metrics.Report, error) {
		d.logger().Error("digest load failed", "manager_id", mgr.ID, "op", op, "error", err.Error())
		return metrics.Report{}, ErrStoreUnavailable{Op: op + ": " + err.Error()}
	}
	// The three deal lists are independent reads: run them side by side (SQLite has pooled
	// readers; on DynamoDB they are three Query streams).
	var open, closed, created []domain.Deal
	var errs [3]error
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		open, errs[0] = pages(func(pg store.Page) ([]domain.Deal, string, error) {
			return d.Store.ListOpenDealsByTeam(ctx, team.ID, pg)
		}, nil)
	}()
	go func() {
		defer wg.Done()
		closed, errs[1] = pages(func(pg store.Page) ([]domain.Deal, string, error) {
			return d.Store.ListDealsClosedByTeam(ctx, team.ID, store.Window{From: plan.ClosedFrom, To: asOf}, pg)
		}, nil)
	}()
	go func() {
		defer wg.Done()
		created, errs[2] = pages(func(pg store.Page) ([]domain.Deal, string, error) {
			return d.Store.ListDealsCreatedByTeam(ctx, team.ID, store.Window{From: plan.CreatedFrom, To: asOf}, pg)
		}, nil)
	}()
	wg.Wait()
	for i, op := range []string{"list open deals", "list closed deals", "list created deals"} {
		if errs[i] != nil {
			return fail(op, errs[i])
		}
	}
	in.Deals = append(append(append(make([]domain.Deal, 0, len(open)+len(closed)+len(created)), open...), closed...), created...)
	seenHandoff := map[string]bool{}
	for _, m := range in.Members {
		acts, err := pages(func(pg store.Page) ([]domain.Activity, string, error) {
			return d.Store.ListActivitiesByRep(ctx, m, store.Window{From: plan.ActivityFrom, To: plan.ActivityTo}, pg)
		}, nil)
		if err != nil {
			return fail("list activities", err)
		}
		in.Activities = append(in.Activities, acts...)
		rep, _ := d.Org.Rep(m)
		if rep == nil {
			continue
		}
		switch rep.Role {
		case domain.RoleAE:
			open, err := pages(func(pg store.Page) ([]domain.Handoff, string, error) {
				return d.Store.ListOpenHandoffsByAE(ctx, m, pg)
			}, nil)
			if err != nil {
				return fail("list open handoffs", err)
			}
			for _, h := range open {
				seenHandoff[h.ID] = true
				in.Handoffs = append(in.Handoffs, h)
			}
		case domain.RoleCSM:
			obs, err := pages(func(pg store.Page) ([]domain.Onboarding, string, error) {
				return d.Store.ListOnboardingsByCSM(ctx, m, pg)
			}, nil)
			if err != nil {
				return fail("list onboardings", err)
			}
			in.Onboardings = append(in.Onboardings, obs...)
		}
	}
	// Accepted handoffs are behind the deals they created.
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

// pages reads every page of a list, appending to out.
func pages[T any](list func(store.Page) ([]T, string, error), out []T) ([]T, error) {
	pg := store.Page{Limit: store.MaxPageSize}
	for {
		items, next, err := list(pg)
		if err != nil {
			return out, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		pg.Cursor = next
	}
}
