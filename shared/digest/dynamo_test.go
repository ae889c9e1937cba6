package digest

import (
	"context"
	"testing"

	minidyn "github.com/truora/minidyn/aws-v2/client"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store/dynamo"
)

// TestDigestOnDynamoUsesOnlyQueryAndGetItem computes a manager digest against the DynamoDB
// adapter (minidyn in-process) and checks the recorded operations: the digest reads only with
// Query and GetItem, never a Scan (docs/ARCHITECTURE.md: every access path is a GetItem or a Query).
func TestDigestOnDynamoUsesOnlyQueryAndGetItem(t *testing.T) {
	clk := clock.NewFake(benchAsOf)
	rec := dynamo.Record(minidyn.NewClient())
	st, err := dynamo.New(rec, "dealflow-digest-test", dynamo.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	org := benchOrg(t)
	seedBig(t, st, 2000, benchAsOf)
	d := New(&platform.Deps{Store: st, Org: org, Clock: clk}, charts.Draw)
	rec.Take() // forget the seeding writes

	_, r, e, err := d.DigestPreview(ctx, "big-mgr", "last-week", benchAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if r.Team.OpenDeals == 0 || r.Team.Won+r.Team.Lost == 0 || e.Subject == "" {
		t.Fatalf("the digest counted nothing: %+v", r.Team)
	}
	reqs := rec.Take()
	ops := map[string]int{}
	for _, q := range reqs {
		ops[q.Op+" "+q.Index]++
		if q.Op != "Query" && q.Op != "GetItem" {
			t.Errorf("digest used %s on %s (%v); only Query and GetItem are allowed", q.Op, q.Index, q.KeyPrefixes)
		}
	}
	if len(reqs) == 0 {
		t.Fatal("no DynamoDB request recorded")
	}
	t.Logf("digest over 2,000 deals on DynamoDB: %d requests %v", len(reqs), ops)
}
