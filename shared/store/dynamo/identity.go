package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

const (
	apiTokenPrefix     = "APITOKEN#"
	apiTokenHashPrefix = "APITOKEN_HASH#"
	apiTokensPK        = "APITOKENS"
	auditPrefix        = "AUDIT#"
	auditObjectPrefix  = "AUDIT_OBJECT#"
)

var (
	apiTokens = kind[domain.APIToken]{
		name: "apitoken", prefix: apiTokenPrefix,
		id:  func(t domain.APIToken) string { return t.ID },
		ver: func(t *domain.APIToken) *int64 { return &t.Version },
		gsis: func(t domain.APIToken) map[string][2]string {
			return map[string][2]string{gsi1: {apiTokensPK, sk(t.CreatedAt, t.ID)}}
		},
		unique: func(t domain.APIToken) (string, bool) { return apiTokenHashPrefix + t.Hash, true },
		immutable: func(o, n domain.APIToken) error {
			return store.CheckImmutable("apitoken", o.ID, "hash", o.Hash, n.Hash)
		},
	}
	auditEntries = kind[domain.AuditEntry]{
		name: "audit", prefix: auditPrefix,
		id:  func(e domain.AuditEntry) string { return e.ID },
		ver: func(e *domain.AuditEntry) *int64 { var v int64 = 1; return &v },
		gsis: func(e domain.AuditEntry) map[string][2]string {
			return map[string][2]string{gsi1: {auditObjectPrefix + e.Object, sk(e.At, e.ID)}}
		},
	}
)

func (st *Store) CreateAPIToken(ctx context.Context, t domain.APIToken) (domain.APIToken, error) {
	return create(ctx, st, apiTokens, t, nil)
}
func (st *Store) GetAPITokenByHash(ctx context.Context, hash string) (domain.APIToken, error) {
	return getByUnique(ctx, st, apiTokens, apiTokenHashPrefix+hash)
}
func (st *Store) UpdateAPIToken(ctx context.Context, id string, fn func(domain.APIToken) (domain.APIToken, error)) (domain.APIToken, error) {
	return update(ctx, st, apiTokens, id, fn, nil)
}
func (st *Store) ListAPITokens(ctx context.Context, p store.Page) ([]domain.APIToken, string, error) {
	return list(ctx, st, apiTokens, query{index: gsi1, pk: apiTokensPK}, p)
}
func (st *Store) ListAudit(ctx context.Context, object string, p store.Page) ([]domain.AuditEntry, string, error) {
	return list(ctx, st, auditEntries, query{index: gsi1, pk: auditObjectPrefix + object}, p)
}

// auditPut is the transaction item recording the write of kind/id (before is nil on a create)
// when ctx names an actor; nil otherwise.
func (st *Store) auditPut(ctx context.Context, kind, id string, before, after []byte) (*types.TransactWriteItem, error) {
	e, ok := store.AuditOf(ctx, kind, id, before, after, st.now())
	if !ok {
		return nil, nil
	}
	item, err := auditEntries.item(e)
	if err != nil {
		return nil, err
	}
	return &types.TransactWriteItem{Put: putIfAbsent(st.table, item)}, nil
}

// bodyOf is the JSON body an item carries (the entity as stored).
func bodyOf(item map[string]types.AttributeValue) []byte {
	if d, ok := item[attrData].(*types.AttributeValueMemberS); ok {
		return []byte(d.Value)
	}
	return nil
}
