package deal

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/dynamo"
	"github.com/dealflow/dealflow/shared/store/sqlite"
	minidyn "github.com/truora/minidyn/aws-v2/client"
)

var tableSeq atomic.Int64

// testStores are an empty SQLite store and an empty DynamoDB table (minidyn, in process).
func testStores(t *testing.T) map[string]store.Store {
	t.Helper()
	lite, err := sqlite.Open(filepath.Join(t.TempDir(), "deals.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	dyn, err := dynamo.New(minidyn.NewClient(), fmt.Sprintf("deals-test-%d", tableSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := dyn.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return map[string]store.Store{"sqlite": lite, "dynamodb": dyn}
}
