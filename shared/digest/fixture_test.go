package digest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// fixture is a digest Service over SQLite with an outbox mailer and a fake clock, drawing charts
// with charts.Draw as the local runtime and functions/digest-charts do.
type fixture struct {
	deps   *Service
	outbox *notify.Outbox
	clock  *clock.Fake
}

func newFixture(t *testing.T, org *domain.Org, at time.Time) fixture {
	t.Helper()
	clk := clock.NewFake(at)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "dealflow.db"), sqlite.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := notify.OpenOutbox(st.DB(), clk)
	if err != nil {
		t.Fatal(err)
	}
	d := New(&platform.Deps{Store: st, Org: org, Clock: clk, Mailer: ob}, charts.Draw)
	return fixture{deps: d, outbox: ob, clock: clk}
}
