package runtime

import (
	"context"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

// notifyingStore wakes the outbox relay right after a write that queued events, so an accepted
// lead, a stage change or a won deal reaches the bus in milliseconds instead of at the next poll.
type notifyingStore struct {
	store.Store
	kick func()
}

func (s notifyingStore) after(err error, evs []store.OutboxEvent) {
	if err == nil && len(evs) > 0 {
		s.kick()
	}
}

func (s notifyingStore) CreateLead(ctx context.Context, v domain.Lead, evs ...store.OutboxEvent) (domain.Lead, error) {
	out, err := s.Store.CreateLead(ctx, v, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) UpdateLead(ctx context.Context, id string, fn func(domain.Lead) (domain.Lead, error), evs ...store.OutboxEvent) (domain.Lead, error) {
	out, err := s.Store.UpdateLead(ctx, id, fn, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) CreateDeal(ctx context.Context, v domain.Deal, evs ...store.OutboxEvent) (domain.Deal, error) {
	out, err := s.Store.CreateDeal(ctx, v, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) UpdateDeal(ctx context.Context, id string, fn func(domain.Deal) (domain.Deal, error), evs ...store.OutboxEvent) (domain.Deal, error) {
	out, err := s.Store.UpdateDeal(ctx, id, fn, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) CreateActivity(ctx context.Context, v domain.Activity, evs ...store.OutboxEvent) (domain.Activity, error) {
	out, err := s.Store.CreateActivity(ctx, v, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) CreateHandoff(ctx context.Context, v domain.Handoff, evs ...store.OutboxEvent) (domain.Handoff, error) {
	out, err := s.Store.CreateHandoff(ctx, v, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) UpdateHandoff(ctx context.Context, id string, fn func(domain.Handoff) (domain.Handoff, error), evs ...store.OutboxEvent) (domain.Handoff, error) {
	out, err := s.Store.UpdateHandoff(ctx, id, fn, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) CreateReminder(ctx context.Context, v domain.Reminder, evs ...store.OutboxEvent) (domain.Reminder, error) {
	out, err := s.Store.CreateReminder(ctx, v, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) UpdateReminder(ctx context.Context, id string, fn func(domain.Reminder) (domain.Reminder, error), evs ...store.OutboxEvent) (domain.Reminder, error) {
	out, err := s.Store.UpdateReminder(ctx, id, fn, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) CreateOnboarding(ctx context.Context, v domain.Onboarding, evs ...store.OutboxEvent) (domain.Onboarding, error) {
	out, err := s.Store.CreateOnboarding(ctx, v, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) UpdateOnboarding(ctx context.Context, id string, fn func(domain.Onboarding) (domain.Onboarding, error), evs ...store.OutboxEvent) (domain.Onboarding, error) {
	out, err := s.Store.UpdateOnboarding(ctx, id, fn, evs...)
	s.after(err, evs)
	return out, err
}

func (s notifyingStore) PutDigest(ctx context.Context, v domain.DigestRecord, evs ...store.OutboxEvent) (domain.DigestRecord, bool, error) {
	out, created, err := s.Store.PutDigest(ctx, v, evs...)
	s.after(err, evs)
	return out, created, err
}
