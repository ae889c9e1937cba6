package cost

import (
	"context"
	"math"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dealflow/dealflow/shared/store/dynamo"
)

// Meter wraps the DynamoDB client of the store adapter and adds up the request units each call
// would be billed on an on-demand table, by the documented rules
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
// reads are 4 KB units (half for eventually consistent; a Query sums its items before rounding),
// writes are 1 KB units of the larger of the old and new item, transactions cost double, and
// every GSI the item is in costs a write of its size (all GSIs project ALL attributes).
type Meter struct {
	dynamo.DynamoAPI
	mu       sync.Mutex
	rru, wru float64
	calls    map[string]int
	written  map[string]written // every item a write touched, for Stored
}

type written struct {
	table *string
	key   map[string]types.AttributeValue
}

// NewMeter wraps api.
func NewMeter(api dynamo.DynamoAPI) *Meter {
	return &Meter{DynamoAPI: api, calls: map[string]int{}, written: map[string]written{}}
}

func (m *Meter) touch(table *string, key map[string]types.AttributeValue) {
	id := aws.ToString(table) + "|" + valueText(key["PK"]) + "|" + valueText(key["SK"])
	m.mu.Lock()
	m.written[id] = written{table, key}
	m.mu.Unlock()
}

func valueText(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// itemOverhead is what DynamoDB adds to every stored item, in the table and in each index.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
const itemOverhead = 100

// Stored is the billed storage of every item the writes left behind, table plus GSI copies (all
// GSIs project ALL), split into items that stay and items with a `ttl` (DynamoDB deletes them).
func (m *Meter) Stored(ctx context.Context) (staying, expiring int) {
	m.mu.Lock()
	ws := make([]written, 0, len(m.written))
	for _, w := range m.written {
		ws = append(ws, w)
	}
	m.mu.Unlock()
	for _, w := range ws {
		it := m.current(ctx, w.table, w.key)
		if it == nil {
			continue
		}
		b := (ItemSize(it) + itemOverhead) * (1 + gsiCount(it))
		if _, ok := it["ttl"]; ok {
			expiring += b
		} else {
			staying += b
		}
	}
	return staying, expiring
}

// Units returns the read and write request units counted so far and the calls by operation.
func (m *Meter) Units() (rru, wru float64, calls map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := map[string]int{}
	for k, v := range m.calls {
		c[k] = v
	}
	return m.rru, m.wru, c
}

func (m *Meter) add(op string, r, w float64) {
	m.mu.Lock()
	m.rru += r
	m.wru += w
	m.calls[op]++
	m.mu.Unlock()
}

func readUnits(bytes int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(bytes)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

func writeUnits(bytes int) float64 { return math.Max(1, math.Ceil(float64(bytes)/1024)) }

// gsiCount is how many GSIs an item is in (it has their partition key attribute).
func gsiCount(item map[string]types.AttributeValue) int {
	n := 0
	for k := range item {
		if strings.HasPrefix(k, "GSI") && strings.HasSuffix(k, "PK") {
			n++
		}
	}
	return n
}

// ItemSize follows "Item sizes" in the developer guide: attribute names plus values; numbers
// about one byte per two digits plus one; containers 3 bytes plus one per element.
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return (len(strings.TrimLeft(x.Value, "-0."))+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range x.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 1
}

// current reads an item without counting it (the meter's own look, not the application's).
func (m *Meter) current(ctx context.Context, table *string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	out, err := m.DynamoAPI.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil || out == nil {
		return nil
	}
	return out.Item
}

func keyOf(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": item["PK"], "SK": item["SK"]}
}

// writeCost is the units of replacing old with new (either may be nil), transactional or not.
func writeCost(old, new map[string]types.AttributeValue, txn bool) float64 {
	size := max(ItemSize(old), ItemSize(new))
	w := writeUnits(size)
	if txn {
		w *= 2
	}
	// Index writes: an item entering, leaving or changing in a GSI costs one write of its size there.
	w += float64(max(gsiCount(old), gsiCount(new))) * writeUnits(size)
	return w
}

func (m *Meter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := m.DynamoAPI.GetItem(ctx, in, o...)
	if err == nil {
		m.add("GetItem", readUnits(ItemSize(out.Item), aws.ToBool(in.ConsistentRead)), 0)
	}
	return out, err
}

func (m *Meter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := m.DynamoAPI.Query(ctx, in, o...)
	if err == nil {
		total := 0
		for _, it := range out.Items {
			total += ItemSize(it)
		}
		m.add("Query", readUnits(total, aws.ToBool(in.ConsistentRead) && in.IndexName == nil), 0)
	}
	return out, err
}

func (m *Meter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	out, err := m.DynamoAPI.BatchGetItem(ctx, in, o...)
	if err == nil {
		r := 0.0
		for table, items := range out.Responses {
			for _, it := range items {
				r += readUnits(ItemSize(it), aws.ToBool(in.RequestItems[table].ConsistentRead))
			}
		}
		m.add("BatchGetItem", r, 0)
	}
	return out, err
}

func (m *Meter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	old := m.current(ctx, in.TableName, keyOf(in.Item))
	out, err := m.DynamoAPI.PutItem(ctx, in, o...)
	m.add("PutItem", 0, writeCost(old, in.Item, false)) // a failed condition is billed too
	m.touch(in.TableName, keyOf(in.Item))
	return out, err
}

func (m *Meter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	old := m.current(ctx, in.TableName, in.Key)
	out, err := m.DynamoAPI.UpdateItem(ctx, in, o...)
	m.add("UpdateItem", 0, writeCost(old, m.current(ctx, in.TableName, in.Key), false))
	m.touch(in.TableName, in.Key)
	return out, err
}

func (m *Meter) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	old := m.current(ctx, in.TableName, in.Key)
	out, err := m.DynamoAPI.DeleteItem(ctx, in, o...)
	m.add("DeleteItem", 0, writeCost(old, nil, false))
	return out, err
}

func (m *Meter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	type change struct {
		table *string
		key   map[string]types.AttributeValue
		old   map[string]types.AttributeValue
		put   map[string]types.AttributeValue
		check bool
	}
	var cs []change
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			cs = append(cs, change{table: it.Put.TableName, key: keyOf(it.Put.Item), put: it.Put.Item})
		case it.Update != nil:
			cs = append(cs, change{table: it.Update.TableName, key: it.Update.Key})
		case it.Delete != nil:
			cs = append(cs, change{table: it.Delete.TableName, key: it.Delete.Key})
		case it.ConditionCheck != nil:
			cs = append(cs, change{table: it.ConditionCheck.TableName, key: it.ConditionCheck.Key, check: true})
		}
	}
	for i := range cs {
		cs[i].old = m.current(ctx, cs[i].table, cs[i].key)
	}
	out, err := m.DynamoAPI.TransactWriteItems(ctx, in, o...)
	w := 0.0
	for _, c := range cs {
		if c.check {
			w += 2 * writeUnits(ItemSize(c.old))
			continue
		}
		now := c.put
		if now == nil {
			now = m.current(ctx, c.table, c.key)
		}
		w += writeCost(c.old, now, true)
		m.touch(c.table, c.key)
	}
	m.add("TransactWriteItems", 0, w)
	return out, err
}
