package server

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/local/schedule"
	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/schedexpr"
)

// TestDigestTenWeeks runs the sample org (examples/org.yaml: Katrin in Berlin, weekly on Mondays
// 08:00 and monthly on the 1st at 07:00; Michael in New York, weekly on Mondays 08:00) for ten
// weeks on a fake clock across both DST changes (Europe 25 Oct, US 1 Nov 2026). Each manager gets
// exactly ten weekly digests, each at 08:00 on a Monday in their own zone, covering the week that
// just ended; a duplicate execution for one slot sends nothing more.
func TestDigestTenWeeks(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates ten weeks of schedules")
	}
	start := time.Date(2026, 10, 11, 12, 0, 0, 0, time.UTC) // Sunday, before the first Monday
	end := time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)    // after the tenth Monday (14 Dec)
	fake := clock.NewFake(start)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, err := New(ctx, Config{Root: "../..", OrgFile: "../../examples/org.yaml", DBPath: filepath.Join(t.TempDir(), "db"), Env: testEnv, Clock: fake, Log: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	seedDigestDeals(t, rt, start)
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); rt.Close() }()

	// The slots to expect, from the org file's schedules; the clock is driven to each in turn
	// (the scheduler skips a slot it sees more than a minute late, as AWS never replays one).
	jobs, probs := schedule.NewJobs(render.Schedules(rt.Org))
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	var slots []time.Time
	for _, j := range jobs {
		slots = append(slots, schedexpr.Upcoming(j.Expr, j.Loc, start, time.Time{}, 20)...)
	}
	sort.Slice(slots, func(i, k int) bool { return slots[i].Before(slots[k]) })
	sent := 0
	for _, slot := range slots {
		if !slot.Before(end) {
			break
		}
		for fake.Now().Before(slot.Add(-time.Minute)) {
			step := min(time.Hour, slot.Add(-time.Minute).Sub(fake.Now()))
			fake.Advance(step)
			time.Sleep(time.Millisecond)
		}
		fake.Set(slot) // fires the scheduler's timer exactly at the slot
		sent++
		waitDigests(t, rt, fake, sent)
	}
	// A schedule that fires twice (or a retried StartExecution with another name) for the last
	// Berlin slot sends nothing more and records nothing more.
	dup, err := rt.Engine.StartExecution(ctx, sfn.StartExecutionInput{StateMachineArn: rt.Machine[render.StateMachine].ARN, Name: "duplicate",
		Input: `{"digestId":"digest-katrin-mueller","manager":"katrin-mueller","period":"week"}`})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the duplicate execution", func() bool {
		d, err := rt.Engine.DescribeExecution(ctx, dup.ExecutionArn)
		return err == nil && d.Status != "RUNNING"
	})
	if d, _ := rt.Engine.DescribeExecution(ctx, dup.ExecutionArn); d.Status != "SUCCEEDED" {
		t.Fatalf("duplicate execution %s: %+v", d.Status, d)
	}

	waitFor(t, "every digest execution to finish", func() bool {
		running, err := rt.Engine.ListExecutions(ctx, rt.Machine[render.StateMachine].ARN, "RUNNING")
		return err == nil && len(running) == 0
	})
	if failed, _ := rt.Engine.ListExecutions(ctx, rt.Machine[render.StateMachine].ARN, "FAILED"); len(failed) > 0 {
		t.Errorf("%d digest executions failed", len(failed))
	}
	msgs, err := rt.Outbox.List(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		email, zone string
	}
	weekly := map[string]want{"katrin-mueller": {"katrin.mueller@northwind.example", "Europe/Berlin"}, "michael-johnson": {"michael.johnson@northwind.example", "America/New_York"}}
	perManager := map[string][]string{}
	monthly := 0
	for _, m := range msgs {
		mgr, key := m.Message.Refs["managerId"], m.Message.Refs["periodKey"]
		if mgr == "" {
			continue
		}
		w := weekly[mgr]
		loc, _ := time.LoadLocation(w.zone)
		local := m.SentAt.In(loc)
		if !strings.Contains(key, "-W") {
			monthly++
			if local.Day() != 1 || local.Hour() != 7 || local.Minute() > 1 {
				t.Errorf("monthly digest %s sent %s, want the 1st at 07:00 in %s", key, local, w.zone)
			}
			continue
		}
		if len(m.Message.To) != 1 || m.Message.To[0] != w.email {
			t.Errorf("digest %s/%s went to %v", mgr, key, m.Message.To)
		}
		// The right local time: Monday 08:00 (the clock lands within a minute of each slot).
		if local.Weekday() != time.Monday || local.Hour() != 8 || local.Minute() > 1 {
			t.Errorf("digest %s/%s sent %s, want Monday 08:00 in %s", mgr, key, local.Format(time.RFC1123Z), w.zone)
		}
		// It covers the week that just ended.
		y, wk := local.AddDate(0, 0, -7).ISOWeek()
		if want := fmt.Sprintf("%d-W%02d", y, wk); key != want {
			t.Errorf("digest sent %s covers %s, want %s", local, key, want)
		}
		perManager[mgr] = append(perManager[mgr], key)
	}
	for mgr := range weekly {
		keys := perManager[mgr]
		if len(keys) != 10 {
			t.Errorf("%s got %d weekly digests, want 10: %v", mgr, len(keys), keys)
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("%s got the digest of %s twice", mgr, k)
			}
			seen[k] = true
			if _, err := rt.Store.GetDigest(ctx, mgr, k); err != nil {
				t.Errorf("no digest record for %s/%s: %v", mgr, k, err)
			}
		}
	}
	if monthly != 2 {
		t.Errorf("%d monthly digests, want 2 (1 Nov and 1 Dec)", monthly)
	}
	t.Logf("10 weeks: %d weekly digests to Berlin and %d to New York, %d monthly; both DST changes crossed", len(perManager["katrin-mueller"]), len(perManager["michael-johnson"]), monthly)
}

// waitDigests waits until n digest executions have started (the clock stands at the slot), lets
// them finish in real time with the clock standing still (a clock racing ahead of a busy machine
// would time the tasks out), and checks that n digests are in the outbox.
func waitDigests(t *testing.T, rt *Runtime, fake *clock.Fake, n int) {
	t.Helper()
	ctx := context.Background()
	arn := rt.Machine[render.StateMachine].ARN
	deadline := time.Now().Add(30 * time.Second)
	for {
		all, err := rt.Engine.ListExecutions(ctx, arn, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(all) >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("at %s: %d digest executions started, want %d", fake.Now(), len(all), n)
		}
		// Give the scheduler real time first; nudge the clock only within its one-minute grace.
		time.Sleep(5 * time.Millisecond)
		if time.Until(deadline) < 25*time.Second && fake.Now().Sub(fake.Now().Truncate(time.Minute)) < 50*time.Second {
			fake.Advance(time.Second)
		}
	}
	waitFor(t, "digest executions to finish", func() bool {
		running, err := rt.Engine.ListExecutions(ctx, arn, "RUNNING")
		return err == nil && len(running) == 0
	})
	msgs, err := rt.Outbox.List(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, m := range msgs {
		if m.Message.Refs["managerId"] != "" {
			got++
		}
	}
	if got != n {
		t.Fatalf("at %s: %d digests sent, want %d", fake.Now(), got, n)
	}
}

// seedDigestDeals gives both teams some deals so the digests have numbers.
func seedDigestDeals(t *testing.T, rt *Runtime, start time.Time) {
	t.Helper()
	ctx := context.Background()
	owners := map[string][]string{"dach-sales": {"anna-weber", "max-hoffmann", "sophie-wagner"}, "na-sales": {"olivia-brown", "daniel-garcia", "ava-wilson"}}
	stages := []string{"discovery", "qualification", "demo", "proposal", "negotiation"}
	i := 0
	for team, reps := range owners {
		for k := 0; k < 30; k++ {
			created := start.Add(time.Duration(k) * 50 * time.Hour)
			d := domain.Deal{ID: fmt.Sprintf("seed-%d", i), Name: fmt.Sprintf("Seed deal %d", i), Pipeline: "new-business", TeamID: team,
				OwnerID: reps[k%len(reps)], Status: domain.DealOpen, Amount: domain.Money{AmountMinor: int64(1000+k*250) * 100, Currency: "EUR"},
				CreatedAt: created, UpdatedAt: created}
			_ = d.EnterStage(stages[k%len(stages)], created)
			if k%3 == 0 {
				closed := created.Add(72 * time.Hour)
				d.Status = domain.DealWon
				if k%2 == 0 {
					d.Status = domain.DealLost
				}
				d.ClosedAt = &closed
			}
			if _, err := rt.Store.CreateDeal(ctx, d); err != nil {
				t.Fatal(err)
			}
			i++
		}
	}
}

var _ notify.Mailer = (*notify.Outbox)(nil)
