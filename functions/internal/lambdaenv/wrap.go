package lambdaenv

import (
	"context"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/handlers"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/store"
)

func notifyIdempotent(d *handlers.Deps, next notify.Mailer) notify.Mailer {
	return notify.Idempotent{
		Claim: func(ctx context.Context, k, v string) (string, bool, error) {
			return d.Store.PutIdempotencyKey(ctx, k, v, 0)
		},
		Release: d.Store.ReleaseIdempotencyKey,
		Next:    next,
	}
}

// relayingStore publishes the outbox right after a write that queued events, so a lead reaches
// EventBridge within the request; the outbox-relay function sweeps whatever this misses.
type relayingStore struct {
	store.Store
	d   *handlers.Deps
	pub events.Publisher
}

func relayAfterWrite(d *handlers.Deps, pub events.Publisher) store.Store {
	return relayingStore{Store: d.Store, d: d, pub: pub}
}

func (s relayingStore) CreateLead(ctx context.Context, l domain.Lead, evs ...store.OutboxEvent) (domain.Lead, error) {
	out, err := s.Store.CreateLead(ctx, l, evs...)
	if err == nil && len(evs) > 0 {
		if _, rerr := s.d.RelayOutbox(ctx, s.pub, 10); rerr != nil {
			s.d.Log.Warn("inline outbox relay failed; the sweeper will publish", "error", rerr.Error())
		}
	}
	return out, err
}
