package store

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// Actor is who a write is done for: the adapters record an audit entry with every entity write
// whose context carries one (WithActor), in the same transaction as the write.
type Actor struct {
	Name      string // a person's email, an API token's name
	Kind      string // person, token, signature, system
	RequestID string
}

type actorKey struct{}

// WithActor marks the writes made with ctx as done by a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom is the actor WithActor put on ctx.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// AuditObject names an object in the audit trail: "deal/deal_123".
func AuditObject(kind, id string) string { return kind + "/" + id }

// unaudited fields change with every write or must not be copied into the trail.
var unaudited = []string{"version", "updatedAt", "hash"}

// AuditOf is the audit entry of a write of kind/id whose JSON body went from before (nil on a
// create) to after, or false when ctx carries no actor or no field changed. Adapters call it
// inside their write so the entry and the write are one transaction.
func AuditOf(ctx context.Context, kind, id string, before, after []byte, at time.Time) (domain.AuditEntry, bool) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return domain.AuditEntry{}, false
	}
	var ob, nb map[string]json.RawMessage
	if before != nil {
		_ = json.Unmarshal(before, &ob)
	}
	_ = json.Unmarshal(after, &nb)
	var changes []domain.Change
	for f, nv := range nb {
		if slices.Contains(unaudited, f) {
			continue
		}
		if ov, ok := ob[f]; !ok || !bytes.Equal(ov, nv) {
			changes = append(changes, domain.Change{Field: f, Before: ob[f], After: nv})
		}
	}
	for f, ov := range ob {
		if _, ok := nb[f]; !ok && !slices.Contains(unaudited, f) {
			changes = append(changes, domain.Change{Field: f, Before: ov})
		}
	}
	if len(changes) == 0 {
		return domain.AuditEntry{}, false
	}
	slices.SortFunc(changes, func(x, y domain.Change) int { return cmpString(x.Field, y.Field) })
	action := "update"
	if before == nil {
		action = "create"
	}
	return domain.AuditEntry{ID: NewID("aud_"), At: at.UTC(), Actor: a.Name, ActorKind: a.Kind, Action: action,
		Object: AuditObject(kind, id), RequestID: a.RequestID, Changes: changes}, true
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
