package store

import (
	"context"

	"github.com/dealflow/dealflow/shared/domain"
)

// AfterEvents returns s with after called once each write that carried outbox events has
// committed. The runtimes use it to publish at once (wake the local relay; relay inline in a
// Lambda) instead of at the next sweep.
func AfterEvents(s Store, after func(ctx context.Context)) Store {
	return notifyingStore{Store: s, kick: after}
}

type notifyingStore struct {
	Store
	kick func(ctx context.Context)
}

func (s notifyingStore) after(ctx context.Context, err error, evs []OutboxEvent) {
	if err == nil && len(evs) > 0 {
		s.kick(ctx)
	}
}

func (s notifyingStore) CreateLead(ctx context.Context, v domain.Lead, evs ...OutboxEvent) (domain.Lead, error) {
	out, err := s.Store.CreateLead(ctx, v, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) UpdateLead(ctx context.Context, id string, fn func(domain.Lead) (domain.Lead, error), evs ...OutboxEvent) (domain.Lead, error) {
	out, err := s.Store.UpdateLead(ctx, id, fn, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) CreateDeal(ctx context.Context, v domain.Deal, evs ...OutboxEvent) (domain.Deal, error) {
	out, err := s.Store.CreateDeal(ctx, v, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) UpdateDeal(ctx context.Context, id string, fn func(domain.Deal) (domain.Deal, error), evs ...OutboxEvent) (domain.Deal, error) {
	out, err := s.Store.UpdateDeal(ctx, id, fn, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) CreateActivity(ctx context.Context, v domain.Activity, evs ...OutboxEvent) (domain.Activity, error) {
	out, err := s.Store.CreateActivity(ctx, v, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) CreateHandoff(ctx context.Context, v domain.Handoff, evs ...OutboxEvent) (domain.Handoff, error) {
	out, err := s.Store.CreateHandoff(ctx, v, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) UpdateHandoff(ctx context.Context, id string, fn func(domain.Handoff) (domain.Handoff, error), evs ...OutboxEvent) (domain.Handoff, error) {
	out, err := s.Store.UpdateHandoff(ctx, id, fn, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) CreateReminder(ctx context.Context, v domain.Reminder, evs ...OutboxEvent) (domain.Reminder, error) {
	out, err := s.Store.CreateReminder(ctx, v, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) UpdateReminder(ctx context.Context, id string, fn func(domain.Reminder) (domain.Reminder, error), evs ...OutboxEvent) (domain.Reminder, error) {
	out, err := s.Store.UpdateReminder(ctx, id, fn, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) CreateOnboarding(ctx context.Context, v domain.Onboarding, evs ...OutboxEvent) (domain.Onboarding, error) {
	out, err := s.Store.CreateOnboarding(ctx, v, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) UpdateOnboarding(ctx context.Context, id string, fn func(domain.Onboarding) (domain.Onboarding, error), evs ...OutboxEvent) (domain.Onboarding, error) {
	out, err := s.Store.UpdateOnboarding(ctx, id, fn, evs...)
	s.after(ctx, err, evs)
	return out, err
}

func (s notifyingStore) PutDigest(ctx context.Context, v domain.DigestRecord, evs ...OutboxEvent) (domain.DigestRecord, bool, error) {
	out, created, err := s.Store.PutDigest(ctx, v, evs...)
	s.after(ctx, err, evs)
	return out, created, err
}
