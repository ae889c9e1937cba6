package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

func digestKey(managerID, periodKey string) map[string]types.AttributeValue {
	return key(digestPrefix+managerID, "PERIOD#"+periodKey)
}

func decodeDigest(item map[string]types.AttributeValue) (domain.DigestRecord, error) {
	var d domain.DigestRecord
	err := json.Unmarshal([]byte(str(item[attrData])), &d)
	return d, err
}

// PutDigest is a conditional put on (manager, period); the loser reads the winner's record.
func (st *Store) PutDigest(ctx context.Context, d domain.DigestRecord, ev ...store.OutboxEvent) (domain.DigestRecord, bool, error) {
	wrap := func(err error) error { return fmt.Errorf("put digest %s/%s: %w", d.ManagerID, d.PeriodKey, err) }
	if d.ManagerID == "" || d.PeriodKey == "" {
		return d, false, errors.New("put digest: empty manager id or period key")
	}
	d.Version = 1
	data, err := json.Marshal(d)
	if err != nil {
		return d, false, wrap(err)
	}
	item := digestKey(d.ManagerID, d.PeriodKey)
	item[attrKind] = s("digest")
	item[attrVersion] = n(1)
	item[attrData] = s(string(data))
	evs, err := st.eventPuts(ev)
	if err != nil {
		return d, false, wrap(err)
	}
	exists := false
	if len(evs) == 0 {
		_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: item,
			ConditionExpression: aws.String("attribute_not_exists(PK)")})
		exists = conditionFailed(err)
	} else {
		var idx int
		idx, err = st.transact(ctx, append([]types.TransactWriteItem{{Put: putIfAbsent(st.table, item)}}, evs...))
		exists = idx == 0
		if idx > 0 {
			return d, false, wrap(fmt.Errorf("outbox event id taken: %w", store.ErrAlreadyExists))
		}
	}
	if err == nil {
		return d, true, nil
	}
	if !exists {
		return d, false, wrap(err)
	}
	cur, err := st.GetDigest(ctx, d.ManagerID, d.PeriodKey)
	if err != nil {
		return d, false, wrap(err)
	}
	return cur, false, nil
}

func (st *Store) GetDigest(ctx context.Context, managerID, periodKey string) (domain.DigestRecord, error) {
	item, err := getItem(ctx, st, digestKey(managerID, periodKey))
	if err != nil {
		return domain.DigestRecord{}, fmt.Errorf("get digest %s/%s: %w", managerID, periodKey, err)
	}
	return decodeDigest(item)
}

// PutIdempotencyKey is a conditional put that succeeds when the key is absent or expired. The
// "expiresAt" attribute (store.TimeKey text, compared as a string so no emulator rounds it) is what the condition reads; "ttl" (unix s) lets DynamoDB TTL
// delete old keys eventually, which is only housekeeping since deletion can lag by days
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html).
func (st *Store) PutIdempotencyKey(ctx context.Context, k, value string, ttl time.Duration) (string, bool, error) {
	wrap := func(err error) error { return fmt.Errorf("put idempotency key %s: %w", k, err) }
	if k == "" {
		return "", false, errors.New("put idempotency key: empty key")
	}
	for attempt := 0; attempt < st.maxAttempts; attempt++ {
		now := st.now()
		item := key(idempotencyPrefix+k, entitySK)
		item[attrKind] = s("idempotency")
		item["value"] = s(value)
		if ttl > 0 {
			exp := now.Add(ttl)
			item["expiresAt"] = s(store.TimeKey(exp))
			item["ttl"] = n(exp.Unix() + 1)
		}
		_, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: item,
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR #e <= :now"),
			ExpressionAttributeNames:  map[string]string{"#e": "expiresAt"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": s(store.TimeKey(now))}})
		if err == nil {
			return value, true, nil
		}
		if !conditionFailed(err) {
			return "", false, wrap(err)
		}
		cur, err := getItem(ctx, st, key(idempotencyPrefix+k, entitySK))
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted (TTL) between our put and get: try again
		}
		if err != nil {
			return "", false, wrap(err)
		}
		if e := str(cur["expiresAt"]); e != "" && e <= store.TimeKey(now) {
			continue // expired between our put and get
		}
		return str(cur["value"]), false, nil
	}
	return "", false, wrap(store.ErrConflict)
}

// ReleaseIdempotencyKey is a conditional delete on the value the caller claimed with.
func (st *Store) ReleaseIdempotencyKey(ctx context.Context, k, value string) error {
	_, err := st.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(st.table), Key: key(idempotencyPrefix+k, entitySK),
		ConditionExpression:       aws.String("#v = :v"),
		ExpressionAttributeNames:  map[string]string{"#v": "value"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": s(value)}})
	if err != nil && !conditionFailed(err) {
		return fmt.Errorf("release idempotency key %s: %w", k, err)
	}
	return nil
}

// IncrementCounter is an atomic ADD, exact under any concurrency.
func (st *Store) IncrementCounter(ctx context.Context, k string, delta int64) (int64, error) {
	out, err := st.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(st.table), Key: key(counterPrefix+k, entitySK),
		UpdateExpression:          aws.String("ADD #v :d SET #k = :k"),
		ExpressionAttributeNames:  map[string]string{"#v": "value", "#k": attrKind},
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": n(delta), ":k": s("counter")},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("increment counter %s: %w", k, err)
	}
	v, ok := out.Attributes["value"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("increment counter %s: no value returned", k)
	}
	return strconv.ParseInt(v.Value, 10, 64)
}

// IncrementCounters is IncrementCounter key by key: each key stays exact, but a failure part way
// leaves the earlier keys incremented (the router credits back what it charged).
func (st *Store) IncrementCounters(ctx context.Context, keys []string, delta int64) ([]int64, error) {
	out := make([]int64, len(keys))
	for i, k := range keys {
		v, err := st.IncrementCounter(ctx, k, delta)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// GetCounters reads counters with BatchGetItem, 100 keys per call (the API limit).
func (st *Store) GetCounters(ctx context.Context, keys ...string) (map[string]int64, error) {
	out := make(map[string]int64, len(keys))
	var uniq []string
	for _, k := range keys {
		if _, dup := out[k]; !dup {
			uniq = append(uniq, k)
		}
		out[k] = 0
	}
	for start := 0; start < len(uniq); start += 100 {
		chunk := uniq[start:min(start+100, len(uniq))]
		req := map[string]types.KeysAndAttributes{st.table: {ConsistentRead: aws.Bool(true)}}
		ka := req[st.table]
		for _, k := range chunk {
			ka.Keys = append(ka.Keys, key(counterPrefix+k, entitySK))
		}
		req[st.table] = ka
		for attempt := 0; len(req) > 0; attempt++ {
			res, err := st.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("get counters: %w", err)
			}
			for _, item := range res.Responses[st.table] {
				k := strings.TrimPrefix(str(item[attrPK]), counterPrefix)
				if v, ok := item["value"].(*types.AttributeValueMemberN); ok {
					out[k], _ = strconv.ParseInt(v.Value, 10, 64)
				}
			}
			req = res.UnprocessedKeys
			if len(req) > 0 {
				if attempt+1 >= st.maxAttempts {
					return nil, fmt.Errorf("get counters: keys still unprocessed after %d attempts", st.maxAttempts)
				}
				if err := backoff(ctx, attempt); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// ListPendingOutbox queries every pending shard of the sparse GSI1 side by side (each up to
// limit, oldest first) and merges them by creation time; MarkOutboxPublished removes events
// from the index.
func (st *Store) ListPendingOutbox(ctx context.Context, limit int) ([]store.OutboxEvent, error) {
	if limit <= 0 {
		limit = store.DefaultPageSize
	}
	type pending struct {
		sortKey string
		ev      store.OutboxEvent
	}
	shards := make([][]pending, outboxShards)
	errs := make([]error, outboxShards)
	var wg sync.WaitGroup
	for n := range outboxShards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var start map[string]types.AttributeValue
			for len(shards[n]) < limit {
				res, err := st.db.Query(ctx, &dynamodb.QueryInput{
					TableName: aws.String(st.table), IndexName: aws.String(gsi1),
					KeyConditionExpression:    aws.String("#pk = :pk"),
					ExpressionAttributeNames:  map[string]string{"#pk": indexPK(gsi1)},
					ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(outboxPendingPK + strconv.Itoa(n))},
					Limit:                     aws.Int32(int32(limit - len(shards[n]))), ExclusiveStartKey: start,
				})
				if err != nil {
					errs[n] = fmt.Errorf("list pending outbox: shard %d: %w", n, err)
					return
				}
				for _, item := range res.Items {
					var e store.OutboxEvent
					if err := json.Unmarshal([]byte(str(item[attrData])), &e); err != nil {
						errs[n] = fmt.Errorf("list pending outbox: decode %s: %w", str(item[attrPK]), err)
						return
					}
					shards[n] = append(shards[n], pending{str(item[indexSK(gsi1)]), e})
				}
				if len(res.LastEvaluatedKey) == 0 {
					return
				}
				start = res.LastEvaluatedKey
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var all []pending
	for _, sh := range shards {
		all = append(all, sh...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].sortKey < all[j].sortKey })
	out := make([]store.OutboxEvent, 0, min(limit, len(all)))
	for _, p := range all[:min(limit, len(all))] {
		out = append(out, p.ev)
	}
	return out, nil
}

// markConcurrency bounds the GetItem+PutItem pairs of one MarkOutboxPublished in flight.
const markConcurrency = 16

// MarkOutboxPublished rewrites each event without its pending-index keys and with a `ttl`
// publishedOutboxTTL ahead, so DynamoDB TTL deletes it (outbox items do not pile up). It reads
// and puts the whole item rather than using UpdateItem REMOVE, because in-process emulators do
// not always drop an item from a GSI on REMOVE; a put is handled the same way everywhere. Events
// are marked side by side (up to markConcurrency).
func (st *Store) MarkOutboxPublished(ctx context.Context, ids ...string) error {
	now := st.now().UTC()
	var (
		mu      sync.Mutex
		missing []string
		errs    []error
		wg      sync.WaitGroup
	)
	sem := make(chan struct{}, markConcurrency)
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			err := st.markPublished(ctx, id, now)
			mu.Lock()
			defer mu.Unlock()
			if errors.Is(err, store.ErrNotFound) {
				missing = append(missing, id)
			} else if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("mark outbox published: unknown events %s: %w", strings.Join(missing, ", "), store.ErrNotFound)
	}
	return nil
}

func (st *Store) markPublished(ctx context.Context, id string, now time.Time) error {
	item, err := getItem(ctx, st, key(outboxPrefix+id, entitySK))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return err
		}
		return fmt.Errorf("mark outbox event %s published: %w", id, err)
	}
	if _, pending := item[indexPK(gsi1)]; !pending {
		return nil
	}
	var e store.OutboxEvent
	if err := json.Unmarshal([]byte(str(item[attrData])), &e); err != nil {
		return fmt.Errorf("mark outbox event %s published: decode: %w", id, err)
	}
	e.PublishedAt = &now
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	delete(item, indexPK(gsi1))
	delete(item, indexSK(gsi1))
	item[attrData] = s(string(data))
	// DynamoDB TTL reads a number of epoch seconds.
	// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html
	item["ttl"] = n(now.Add(publishedOutboxTTL).Unix())
	_, err = st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: item,
		ConditionExpression: aws.String("attribute_exists(PK)")})
	if err != nil && !conditionFailed(err) {
		return fmt.Errorf("mark outbox event %s published: %w", id, err)
	}
	return nil
}
