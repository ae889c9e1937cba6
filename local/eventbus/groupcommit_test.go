package eventbus

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/store/sqlite/groupcommit"
)

// Through a group-commit writer (the local runtime's wiring), concurrent PutEvents calls are all
// stored before they return and every delivery is recorded once.
func TestPutEventsThroughGroupCommit(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, filepath.Join(t.TempDir(), "db"))
	db.SetMaxOpenConns(1)
	w := groupcommit.New(db)
	defer w.Close()
	rec := &recorder{}
	b, err := New(db, testRules, compileDetailType, rec, WithWriter(w), WithClock(clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.PutEvents(ctx, []events.Entry{{Source: "dealflow", DetailType: "Lead Received", Detail: fmt.Sprintf(`{"leadId":"l-%d"}`, i)}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for {
		k, err := b.DeliverDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if k == 0 {
			break
		}
		total += k
	}
	if total != 3*n || len(rec.calls) != 3*n {
		t.Fatalf("attempted %d, delivered %d; want %d (3 targets × %d events)", total, len(rec.calls), 3*n, n)
	}
	if pending, dead, err := b.Pending(ctx); err != nil || pending != 0 || dead != 0 {
		t.Fatalf("pending %d dead %d %v after delivery", pending, dead, err)
	}
}
