package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/dealflow/dealflow/shared/events"
)

// Entry is the PutEvents entry that publishes e on the dealflow bus.
func (e OutboxEvent) Entry() events.Entry {
	return events.Entry{Source: events.Source, DetailType: e.DetailType, Detail: string(e.Detail), Time: e.CreatedAt, EventBusName: events.BusName}
}

// PrepareEvents validates events and fills ids and creation times; adapters call it before
// writing so every backend stores the same thing.
func PrepareEvents(events []OutboxEvent, now time.Time) ([]OutboxEvent, error) {
	out := make([]OutboxEvent, len(events))
	for i, e := range events {
		if e.DetailType == "" {
			return nil, fmt.Errorf("outbox event %d: empty detailType", i)
		}
		if len(e.Detail) == 0 {
			e.Detail = json.RawMessage("{}")
		}
		if !json.Valid(e.Detail) {
			return nil, fmt.Errorf("outbox event %d (%s): detail is not valid JSON", i, e.DetailType)
		}
		if e.ID == "" {
			e.ID = uuid.NewString()
		}
		e.CreatedAt = now.UTC()
		e.PublishedAt = nil
		out[i] = e
	}
	return out, nil
}

// CheckImmutable returns an error when an update function changed a field the store uses as a
// primary or unique key.
func CheckImmutable(kind, id, field, before, after string) error {
	if before != after {
		return fmt.Errorf("update %s %s: %s is immutable (was %q, update set %q)", kind, id, field, before, after)
	}
	return nil
}

// TimeKey renders t as fixed-width UTC text whose byte order is time order; adapters use it for
// sortable index columns and sort keys.
func TimeKey(t time.Time) string { return t.UTC().Format(timeKeyLayout) }

const timeKeyLayout = "2006-01-02T15:04:05.000000000Z"
