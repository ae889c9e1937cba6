package sqlite

import (
	"context"
	"database/sql"

	json "github.com/goccy/go-json"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

var (
	apiTokens = table[domain.APIToken]{
		name: "api_tokens", kind: "apitoken",
		cols: []string{"hash", "created_at"},
		vals: func(t domain.APIToken) []any { return []any{t.Hash, store.TimeKey(t.CreatedAt)} },
		id:   func(t domain.APIToken) string { return t.ID },
		ver:  func(t *domain.APIToken) *int64 { return &t.Version },
		immutable: func(o, n domain.APIToken) error {
			return store.CheckImmutable("apitoken", o.ID, "hash", o.Hash, n.Hash)
		},
	}
	// audit rows are written only by writeAudit; the table type serves list.
	auditRows = table[domain.AuditEntry]{name: "audit", kind: "audit entry"}
)

func (s *Store) CreateAPIToken(ctx context.Context, t domain.APIToken) (domain.APIToken, error) {
	return create(ctx, s, apiTokens, t, nil)
}
func (s *Store) GetAPITokenByHash(ctx context.Context, hash string) (domain.APIToken, error) {
	t, err := get(ctx, s, apiTokens, "hash = ?", hash)
	return t, wrap(err, "get api token by hash")
}
func (s *Store) UpdateAPIToken(ctx context.Context, id string, fn func(domain.APIToken) (domain.APIToken, error)) (domain.APIToken, error) {
	return update(ctx, s, apiTokens, id, fn, nil)
}
func (s *Store) ListAPITokens(ctx context.Context, p store.Page) ([]domain.APIToken, string, error) {
	return list(ctx, s, apiTokens, listQuery{where: "1 = 1", sort: []string{"created_at"}}, p)
}
func (s *Store) ListAudit(ctx context.Context, object string, p store.Page) ([]domain.AuditEntry, string, error) {
	return list(ctx, s, auditRows, listQuery{where: "object = ?", args: []any{object}, sort: []string{"at"}}, p)
}

// writeAudit records the write of kind/id (before is nil on a create) when ctx names an actor,
// inside the write's transaction.
func (s *Store) writeAudit(ctx context.Context, tx *sql.Tx, kind, id string, before, after []byte) error {
	e, ok := store.AuditOf(ctx, kind, id, before, after, s.now())
	if !ok {
		return nil
	}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO audit (id, version, data, object, at) VALUES (?, 1, ?, ?, ?)",
		e.ID, string(data), e.Object, store.TimeKey(e.At))
	return err
}
