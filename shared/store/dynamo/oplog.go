package dynamo

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Request is one DynamoDB call as a Recorder saw it.
type Request struct {
	Op    string // "GetItem", "Query", ...
	Index string // the GSI a Query used, or "table"
	// KeyPrefixes are the partition-key prefixes (up to and including the first '#') the call
	// touched, e.g. "DEAL_TEAM_CLOSED#".
	KeyPrefixes []string
}

// Recorder wraps a DynamoAPI and logs every request, so tests can assert which access paths a
// feature uses (for example that a digest needs only Query and GetItem).
type Recorder struct {
	DynamoAPI
	mu   sync.Mutex
	reqs []Request
}

// Record returns a Recorder around api.
func Record(api DynamoAPI) *Recorder { return &Recorder{DynamoAPI: api} }

// Take returns the requests logged since the last Take and clears the log.
func (r *Recorder) Take() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

func keyPrefix(v types.AttributeValue) string {
	sv, ok := v.(*types.AttributeValueMemberS)
	if !ok {
		return ""
	}
	if i := strings.IndexByte(sv.Value, '#'); i >= 0 {
		return sv.Value[:i+1]
	}
	return sv.Value
}

func (r *Recorder) log(op string, index *string, keys ...map[string]types.AttributeValue) {
	q := Request{Op: op, Index: "table"}
	if index != nil {
		q.Index = *index
	}
	for _, k := range keys {
		if p := keyPrefix(k[attrPK]); p != "" {
			q.KeyPrefixes = append(q.KeyPrefixes, p)
		}
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, q)
	r.mu.Unlock()
}

func (r *Recorder) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	r.log("GetItem", nil, in.Key)
	return r.DynamoAPI.GetItem(ctx, in, o...)
}

func (r *Recorder) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	r.log("PutItem", nil, in.Item)
	return r.DynamoAPI.PutItem(ctx, in, o...)
}

func (r *Recorder) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	r.log("DeleteItem", nil, in.Key)
	return r.DynamoAPI.DeleteItem(ctx, in, o...)
}

func (r *Recorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	r.log("UpdateItem", nil, in.Key)
	return r.DynamoAPI.UpdateItem(ctx, in, o...)
}

// Query logs the partition value bound to :pk, which is how this adapter writes key conditions.
func (r *Recorder) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	r.log("Query", in.IndexName, map[string]types.AttributeValue{attrPK: in.ExpressionAttributeValues[":pk"]})
	return r.DynamoAPI.Query(ctx, in, o...)
}

func (r *Recorder) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	var keys []map[string]types.AttributeValue
	for _, ka := range in.RequestItems {
		keys = append(keys, ka.Keys...)
	}
	r.log("BatchGetItem", nil, keys...)
	return r.DynamoAPI.BatchGetItem(ctx, in, o...)
}

func (r *Recorder) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	var keys []map[string]types.AttributeValue
	for _, it := range in.TransactItems {
		if it.Put != nil {
			keys = append(keys, it.Put.Item)
		}
	}
	r.log("TransactWriteItems", nil, keys...)
	return r.DynamoAPI.TransactWriteItems(ctx, in, o...)
}
