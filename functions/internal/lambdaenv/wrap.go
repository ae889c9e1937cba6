package lambdaenv

import (
	"context"

	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/outbox"
	"github.com/dealflow/dealflow/shared/platform"
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
	OnOutboxWritten(f func(ctx context.Context))
}

// relayAfterWrite publishes the outbox right after every write that queued events, so a lead
// reaches EventBridge within the request; the outbox-relay function sweeps whatever this misses.
// It reports whether the store can do so.
func relayAfterWrite(d *platform.Deps, pub events.Publisher) bool {
	h, ok := d.Store.(outboxHook)
	if !ok {
		return false
	}
	relay := outbox.New(d)
	h.OnOutboxWritten(func(ctx context.Context) {
		if _, err := relay.RelayOutbox(ctx, pub, 10); err != nil {
			d.Log.Warn("inline outbox relay failed; the sweeper will publish", "error", err.Error())
		}
	})
	return true
}
