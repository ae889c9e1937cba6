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

// outboxHook is a store that reports every committed write that stored outbox events
// (dynamo.Store.OnOutboxWritten).
type outboxHook interface {
	OnOutboxWritten(f func(ctx context.Context, evs []store.OutboxEvent))
}

// relayAfterWrite publishes the events of every write right after it, so a lead reaches
// EventBridge within the request without reading the pending index (which would make every
// writer contend for the same items); the outbox-relay function sweeps whatever this misses.
// It reports whether the store can do so.
func relayAfterWrite(d *platform.Deps, pub events.Publisher) bool {
	h, ok := d.Store.(outboxHook)
	if !ok {
		return false
	}
	relay := outbox.New(d)
	h.OnOutboxWritten(func(ctx context.Context, evs []store.OutboxEvent) {
		if _, err := relay.Publish(ctx, pub, evs); err != nil {
			d.Log.Warn("inline outbox relay failed; the sweeper will publish", "error", err.Error())
		}
	})
	return true
}
