package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dealflow/dealflow/shared/store"
)

// kind maps one entity type onto items of the single table.
type kind[T any] struct {
	name   string // for errors and the "kind" attribute
	prefix string // PK is prefix+id
	id     func(T) string
	ver    func(*T) *int64
	// gsis returns the index keys the item carries; an index left out is sparse for this item.
	gsis func(T) map[string][2]string
	// unique returns the PK of the item that claims the entity's unique key, if it has one.
	unique    func(T) (string, bool)
	immutable func(old, new T) error
}

const (
	entitySK = "ENTITY"
	uniqueSK = "UNIQUE"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: s(pk), attrSK: s(sk)}
}

func (k kind[T]) key(id string) map[string]types.AttributeValue { return key(k.prefix+id, entitySK) }

func (k kind[T]) item(v T) (map[string]types.AttributeValue, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := k.key(k.id(v))
	m[attrKind] = s(k.name)
	m[attrVersion] = n(*k.ver(&v))
	m[attrData] = s(string(data))
	if k.gsis != nil {
		for ix, kv := range k.gsis(v) {
			m[indexPK(ix)] = s(kv[0])
			m[indexSK(ix)] = s(kv[1])
		}
	}
	if err := store.CheckItemSize(k.name, k.id(v), itemSize(m)); err != nil {
		return nil, err
	}
	return m, nil
}

// itemSize is an item's size as DynamoDB counts it: attribute names plus values (strings in
// UTF-8 bytes, numbers at most 21 bytes).
func itemSize(m map[string]types.AttributeValue) int {
	n := 0
	for name, v := range m {
		n += len(name)
		switch x := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(x.Value)
		case *types.AttributeValueMemberN:
			n += 21
		default:
			n += 1
		}
	}
	return n
}

func decode[T any](k kind[T], item map[string]types.AttributeValue) (T, error) {
	var v T
	d, ok := item[attrData].(*types.AttributeValueMemberS)
	if !ok {
		return v, fmt.Errorf("decode %s: item has no data attribute", k.name)
	}
	if err := json.Unmarshal([]byte(d.Value), &v); err != nil {
		return v, fmt.Errorf("decode %s: %w", k.name, err)
	}
	return v, nil
}

func putIfAbsent(table string, item map[string]types.AttributeValue) *types.Put {
	return &types.Put{TableName: aws.String(table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}
}

// eventPuts turns outbox events into conditional puts for a transaction.
func (st *Store) eventPuts(events []store.OutboxEvent) ([]types.TransactWriteItem, error) {
	if len(events) == 0 {
		return nil, nil
	}
	evs, err := store.PrepareEvents(events, st.now())
	if err != nil {
		return nil, err
	}
	out := make([]types.TransactWriteItem, len(evs))
	for i, e := range evs {
		data, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		item := key(outboxPrefix+e.ID, entitySK)
		item[attrKind] = s("outbox")
		item[attrData] = s(string(data))
		item[indexPK(gsi1)] = s(outboxPendingKey(e.ID))
		// The position keeps one write's events in order; they share a creation time.
		item[indexSK(gsi1)] = s(fmt.Sprintf("%s#%03d#%s", store.TimeKey(e.CreatedAt), i, e.ID))
		out[i] = types.TransactWriteItem{Put: putIfAbsent(st.table, item)}
	}
	return out, nil
}

// outboxPuts returns the outbox events a transaction stores, in its order.
func outboxPuts(items []types.TransactWriteItem) []store.OutboxEvent {
	var out []store.OutboxEvent
	for _, it := range items {
		if it.Put == nil {
			continue
		}
		if k, ok := it.Put.Item[attrKind].(*types.AttributeValueMemberS); ok && k.Value == "outbox" {
			var e store.OutboxEvent
			if json.Unmarshal([]byte(str(it.Put.Item[attrData])), &e) == nil {
				out = append(out, e)
			}
		}
	}
	return out
}

// transact runs a transaction, retrying when it collided with another transaction. A failed
// condition is reported with the index of the item, for the caller to map.
func (st *Store) transact(ctx context.Context, items []types.TransactWriteItem) (failedIndex int, err error) {
	for attempt := 0; ; attempt++ {
		_, err := st.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			if st.afterEvents != nil {
				if evs := outboxPuts(items); len(evs) > 0 {
					st.afterEvents(ctx, evs)
				}
			}
			return -1, nil
		}
		cancelled, idx := txCancelled(err)
		if !cancelled {
			return -1, err
		}
		if idx >= 0 {
			return idx, err
		}
		if attempt+1 >= st.maxAttempts {
			return -1, fmt.Errorf("%w: %v", store.ErrConflict, err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return -1, err
		}
	}
}

func create[T any](ctx context.Context, st *Store, k kind[T], v T, events []store.OutboxEvent) (T, error) {
	var zero T
	id := k.id(v)
	if id == "" {
		return zero, fmt.Errorf("create %s: empty id", k.name)
	}
	*k.ver(&v) = 1
	item, err := k.item(v)
	if err != nil {
		return zero, fmt.Errorf("create %s %s: %w", k.name, id, err)
	}
	evs, err := st.eventPuts(events)
	if err != nil {
		return zero, fmt.Errorf("create %s %s: %w", k.name, id, err)
	}
	var uniquePK string
	hasUnique := false
	if k.unique != nil {
		uniquePK, hasUnique = k.unique(v)
	}
	audit, err := st.auditPut(ctx, k.name, id, nil, bodyOf(item))
	if err != nil {
		return zero, fmt.Errorf("create %s %s: %w", k.name, id, err)
	}
	if audit != nil {
		evs = append(evs, *audit)
	}
	if !hasUnique && len(evs) == 0 {
		_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: item,
			ConditionExpression: aws.String("attribute_not_exists(PK)")})
		if conditionFailed(err) {
			err = store.ErrAlreadyExists
		}
		if err != nil {
			return zero, fmt.Errorf("create %s %s: %w", k.name, id, err)
		}
		return v, nil
	}
	items := []types.TransactWriteItem{{Put: putIfAbsent(st.table, item)}}
	if hasUnique {
		u := key(uniquePK, uniqueSK)
		u[attrKind] = s(k.name + "-key")
		u[attrRef] = s(id)
		items = append(items, types.TransactWriteItem{Put: putIfAbsent(st.table, u)})
	}
	items = append(items, evs...)
	if idx, err := st.transact(ctx, items); err != nil {
		if idx >= 0 {
			what := "id"
			switch {
			case idx == 1 && hasUnique:
				what = "unique key " + uniquePK
			case idx > 0:
				what = "outbox event or audit id"
			}
			return zero, fmt.Errorf("create %s %s: %s taken: %w", k.name, id, what, store.ErrAlreadyExists)
		}
		return zero, fmt.Errorf("create %s %s: %w", k.name, id, err)
	}
	return v, nil
}

func getItem(ctx context.Context, st *Store, k map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := st.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(st.table), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	if len(out.Item) == 0 {
		return nil, store.ErrNotFound
	}
	return out.Item, nil
}

func get[T any](ctx context.Context, st *Store, k kind[T], id string) (T, error) {
	var zero T
	item, err := getItem(ctx, st, k.key(id))
	if err != nil {
		return zero, fmt.Errorf("get %s %s: %w", k.name, id, err)
	}
	return decode(k, item)
}

// getByUnique follows a unique-key item to the entity it points at.
func getByUnique[T any](ctx context.Context, st *Store, k kind[T], uniquePK string) (T, error) {
	var zero T
	item, err := getItem(ctx, st, key(uniquePK, uniqueSK))
	if err != nil {
		return zero, fmt.Errorf("get %s by %s: %w", k.name, uniquePK, err)
	}
	ref, ok := item[attrRef].(*types.AttributeValueMemberS)
	if !ok {
		return zero, fmt.Errorf("get %s by %s: key item has no ref", k.name, uniquePK)
	}
	return get(ctx, st, k, ref.Value)
}

func update[T any](ctx context.Context, st *Store, k kind[T], id string, fn func(T) (T, error), events []store.OutboxEvent) (T, error) {
	var zero T
	wrap := func(err error) error { return fmt.Errorf("update %s %s: %w", k.name, id, err) }
	for attempt := 0; ; attempt++ {
		item, err := getItem(ctx, st, k.key(id))
		if err != nil {
			return zero, wrap(err)
		}
		old, err := decode(k, item)
		if err != nil {
			return zero, wrap(err)
		}
		oldVer := *k.ver(&old)
		nv, err := fn(old)
		if err != nil {
			return zero, wrap(err)
		}
		if err := store.CheckImmutable(k.name, id, "id", id, k.id(nv)); err != nil {
			return zero, err
		}
		if k.immutable != nil {
			if err := k.immutable(old, nv); err != nil {
				return zero, err
			}
		}
		*k.ver(&nv) = oldVer + 1
		newItem, err := k.item(nv)
		if err != nil {
			return zero, wrap(err)
		}
		put := &types.Put{TableName: aws.String(st.table), Item: newItem,
			ConditionExpression:       aws.String("#v = :v"),
			ExpressionAttributeNames:  map[string]string{"#v": attrVersion},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": n(oldVer)}}
		evs, err := st.eventPuts(events)
		if err != nil {
			return zero, wrap(err)
		}
		audit, err := st.auditPut(ctx, k.name, id, bodyOf(item), bodyOf(newItem))
		if err != nil {
			return zero, wrap(err)
		}
		if audit != nil {
			evs = append(evs, *audit)
		}
		lost := false
		if len(evs) == 0 {
			_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item,
				ConditionExpression: put.ConditionExpression, ExpressionAttributeNames: put.ExpressionAttributeNames,
				ExpressionAttributeValues: put.ExpressionAttributeValues})
			lost = conditionFailed(err)
		} else {
			var idx int
			idx, err = st.transact(ctx, append([]types.TransactWriteItem{{Put: put}}, evs...))
			lost = idx == 0
			if idx > 0 {
				return zero, wrap(fmt.Errorf("outbox event id taken: %w", store.ErrAlreadyExists))
			}
		}
		if err == nil {
			return nv, nil
		}
		if !lost {
			return zero, wrap(err)
		}
		// Another writer bumped the version between our read and write: read again.
		if attempt+1 >= st.maxAttempts {
			return zero, wrap(fmt.Errorf("%d attempts: %w", st.maxAttempts, store.ErrConflict))
		}
		if err := backoff(ctx, attempt); err != nil {
			return zero, wrap(err)
		}
	}
}

// query is one keyset-paginated Query on an index partition, in sort-key order.
type query struct {
	index string
	pk    string
	// skCond is an optional sort-key condition using #sk and :a / :b.
	skCond string
	vals   map[string]types.AttributeValue
}

func list[T any](ctx context.Context, st *Store, k kind[T], q query, p store.Page) ([]T, string, error) {
	size := p.Size()
	wrap := func(err error) error { return fmt.Errorf("list %s by %s %s: %w", k.name, q.index, q.pk, err) }
	ipk, isk := indexPK(q.index), indexSK(q.index)
	cond := "#pk = :pk"
	names := map[string]string{"#pk": ipk}
	vals := map[string]types.AttributeValue{":pk": s(q.pk)}
	if q.skCond != "" {
		cond += " AND " + q.skCond
		names["#sk"] = isk
		for k, v := range q.vals {
			vals[k] = v
		}
	}
	var start map[string]types.AttributeValue
	if p.Cursor != "" {
		var err error
		if start, err = decodeCursor(p.Cursor, q.index, q.pk); err != nil {
			return nil, "", wrap(err)
		}
	}
	var items []map[string]types.AttributeValue
	for {
		out, err := st.db.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(st.table), IndexName: aws.String(q.index),
			KeyConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
			ExclusiveStartKey: start, Limit: aws.Int32(int32(size + 1 - len(items))),
		})
		if err != nil {
			return nil, "", wrap(err)
		}
		items = append(items, out.Items...)
		// A page can stop short at 1 MB; keep reading until we know whether there is more.
		if len(items) > size || len(out.LastEvaluatedKey) == 0 {
			break
		}
		start = out.LastEvaluatedKey
	}
	next := ""
	if len(items) > size {
		items = items[:size]
		last := items[size-1]
		next = encodeCursor(map[string]string{
			attrPK: str(last[attrPK]), attrSK: str(last[attrSK]), ipk: str(last[ipk]), isk: str(last[isk]),
		})
	}
	res := make([]T, 0, len(items))
	for _, it := range items {
		v, err := decode(k, it)
		if err != nil {
			return nil, "", wrap(err)
		}
		res = append(res, v)
	}
	return res, next, nil
}

func str(v types.AttributeValue) string {
	if sv, ok := v.(*types.AttributeValueMemberS); ok {
		return sv.Value
	}
	return ""
}

func encodeCursor(m map[string]string) string {
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor rebuilds the ExclusiveStartKey and checks it belongs to this index partition, so
// a cursor from one list cannot be replayed against another.
func decodeCursor(c, index, pk string) (map[string]types.AttributeValue, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	var m map[string]string
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	want := []string{attrPK, attrSK, indexPK(index), indexSK(index)}
	if err != nil || len(m) != len(want) || m[indexPK(index)] != pk {
		return nil, store.ErrBadCursor
	}
	out := make(map[string]types.AttributeValue, len(want))
	for _, a := range want {
		v, ok := m[a]
		if !ok {
			return nil, store.ErrBadCursor
		}
		out[a] = s(v)
	}
	return out, nil
}
