package dynamo_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/dynamo"
	minidyn "github.com/truora/minidyn/aws-v2/client"
)

// A burst of writes spreads its pending events over many GSI1 partitions (no hot key), the merged
// list stays oldest first, and a published event leaves the index with a TTL a week ahead.
func TestPendingOutboxIsShardedAndPublishedEventsExpire(t *testing.T) {
	client := minidyn.NewClient()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	st, err := dynamo.New(client, "outbox-shards", dynamo.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	const leads = 320
	for i := range leads {
		id := fmt.Sprintf("l%03d", i)
		if _, err := st.CreateLead(ctx, domain.Lead{ID: id, Email: id + "@x.de"}, store.OutboxEvent{ID: "ev-" + id, DetailType: "Lead Received", Detail: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Millisecond)
	}
	raw := func(id string) map[string]types.AttributeValue {
		out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("outbox-shards"), Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "OUTBOX#" + id}, "SK": &types.AttributeValueMemberS{Value: "ENTITY"}}})
		if err != nil || out.Item == nil {
			t.Fatalf("get %s: %v", id, err)
		}
		return out.Item
	}
	pending, err := st.ListPendingOutbox(ctx, leads)
	if err != nil || len(pending) != leads {
		t.Fatalf("pending: %d events, %v", len(pending), err)
	}
	perKey := map[string]int{}
	for i, e := range pending {
		if want := fmt.Sprintf("ev-l%03d", i); e.ID != want {
			t.Fatalf("pending[%d] = %s, want %s (oldest first across shards)", i, e.ID, want)
		}
		perKey[raw(e.ID)["GSI1PK"].(*types.AttributeValueMemberS).Value]++
	}
	hottest := 0
	for _, c := range perKey {
		hottest = max(hottest, c)
	}
	if len(perKey) < 12 || hottest > 3*leads/len(perKey) {
		t.Fatalf("pending events on %d keys, hottest %d of %d: %v", len(perKey), hottest, leads, perKey)
	}
	if first, _ := st.ListPendingOutbox(ctx, 5); len(first) != 5 || first[4].ID != "ev-l004" {
		t.Fatalf("limit 5 across shards: %v", first)
	}

	ids := make([]string, len(pending))
	for i, e := range pending {
		ids[i] = e.ID
	}
	if err := st.MarkOutboxPublished(ctx, ids...); err != nil {
		t.Fatal(err)
	}
	if left, _ := st.ListPendingOutbox(ctx, 10); len(left) != 0 {
		t.Fatalf("%d events still pending after publishing all", len(left))
	}
	item := raw(ids[7])
	ttl, _ := strconv.ParseInt(item["ttl"].(*types.AttributeValueMemberN).Value, 10, 64)
	if want := clk.Now().Add(7 * 24 * time.Hour).Unix(); ttl != want {
		t.Fatalf("ttl %d, want %d (7 days after publishing)", ttl, want)
	}
	if _, ok := item["GSI1PK"]; ok {
		t.Fatal("a published event still carries its pending key")
	}
}
