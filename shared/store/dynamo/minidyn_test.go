package dynamo_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/dynamo"
	"github.com/dealflow/dealflow/shared/store/storetest"
	minidyn "github.com/truora/minidyn/aws-v2/client"
)

var tableSeq atomic.Int64

// newTable creates a fresh table on client and returns a store on it.
func newTable(t *testing.T, client dynamo.DynamoAPI, clk clock.Clock) *dynamo.Store {
	t.Helper()
	s, err := dynamo.New(client, fmt.Sprintf("dealflow-test-%d", tableSeq.Add(1)), dynamo.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestConformanceMinidyn runs the suite on the in-process DynamoDB emulator, transactions included.
func TestConformanceMinidyn(t *testing.T) {
	storetest.RunTests(t, func(t *testing.T, clk clock.Clock) store.Store {
		return newTable(t, minidyn.NewClient(), clk)
	})
}
