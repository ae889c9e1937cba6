package runtime

import (
	"context"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

// notifyingStore wakes the outbox relay right after a write that queued events, so an accepted
// lead reaches the bus in milliseconds instead of at the next poll.
type notifyingStore struct {
	store.Store
	kick func()
}

func (s notifyingStore) CreateLead(ctx context.Context, l domain.Lead, evs ...store.OutboxEvent) (domain.Lead, error) {
	out, err := s.Store.CreateLead(ctx, l, evs...)
	if err == nil && len(evs) > 0 {
		s.kick()
	}
	return out, err
}
