package lambdaenv

import (
	"context"

	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/outbox"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
)

func notifyIdempotent(d *platform.Deps, next notify.Mailer) notify.Mailer {
	return notify.Idempotent{
		Claim: func(ctx context.Context, k, v string) (string, bool, error) {
			return d.Store.PutIdempotencyKey(ctx, k, v, 0)
		},
		Release: d.Store.ReleaseIdempotencyKey,
		Next:    next,
	}
}

// relayAfterWrite publishes the outbox right after a write that queued events, so a lead reaches
// EventBridge within the request; the outbox-relay function sweeps whatever this misses.
func relayAfterWrite(d *platform.Deps, pub events.Publisher) store.Store {
	relay := outbox.New(d)
	return store.AfterEvents(d.Store, func(ctx context.Context) {
		if _, err := relay.RelayOutbox(ctx, pub, 10); err != nil {
			d.Log.Warn("inline outbox relay failed; the sweeper will publish", "error", err.Error())
		}
	})
}
