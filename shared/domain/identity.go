package domain

import (
	"encoding/json"
	"time"
)

// APIToken is a named API client's credential. Only the SHA-256 of the secret is kept: the
// secret is shown once, when the token is created.
type APIToken struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Hash      string     `json:"hash"` // hex SHA-256 of the secret
	Scopes    []string   `json:"scopes"`
	CreatedBy string     `json:"createdBy,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	Version   int64      `json:"version"`
}

// AuditEntry is one write as the audit trail keeps it: who, what, on which object, the fields
// it changed (before and after) and the request it came from.
type AuditEntry struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`     // a person's email or an API token's name
	ActorKind string    `json:"actorKind"` // person, token, signature, system
	Action    string    `json:"action"`    // create, update
	Object    string    `json:"object"`    // kind/id: deal/deal_123
	RequestID string    `json:"requestId,omitempty"`
	Changes   []Change  `json:"changes,omitempty"`
}

// Change is one field of an object before and after a write (absent = null).
type Change struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}
