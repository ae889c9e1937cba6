package schedule

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/events"
)

// Fixed offsets for writing expected times by hand; the zone rules are not consulted.
var (
	cet  = time.FixedZone("CET", 1*3600)
	cest = time.FixedZone("CEST", 2*3600)
	est  = time.FixedZone("EST", -5*3600)
	edt  = time.FixedZone("EDT", -4*3600)
)

// local expands a hand-written list: month mo of 2026, days like "1-28,30", at each hh:mm, in
// zone z. Days come first, then times within a day.
func local(z *time.Location, mo int, days string, hhmm ...string) []time.Time {
	var out []time.Time
	for part := range strings.SplitSeq(days, ",") {
		a, b, isRange := strings.Cut(part, "-")
		lo, _ := strconv.Atoi(a)
		hi := lo
		if isRange {
			hi, _ = strconv.Atoi(b)
		}
		for d := lo; d <= hi; d++ {
			for _, hm := range hhmm {
				h, _ := strconv.Atoi(hm[:2])
				m, _ := strconv.Atoi(hm[3:])
				out = append(out, time.Date(2026, time.Month(mo), d, h, m, 0, 0, z))
			}
		}
	}
	return out
}

func join(lists ...[]time.Time) []time.Time {
	var out []time.Time
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func def(name, expr, tz string) events.Schedule {
	return events.Schedule{Name: name, ScheduleExpression: expr, ScheduleExpressionTimezone: tz,
		FlexibleTimeWindow: events.FlexibleTimeWindow{Mode: "OFF"}, Target: events.ScheduleTarget{StateMachine: "manager-digest"}}
}

func withStart(s events.Schedule, start string) events.Schedule {
	t := utc(start)
	s.StartDate = &t
	return s
}

func mustJobs(t *testing.T, defs ...events.Schedule) []Job {
	t.Helper()
	jobs, ps := NewJobs(defs)
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	return jobs
}

// recorder is a Target that remembers every invocation.
type recorder struct {
	mu    sync.Mutex
	slots map[string][]time.Time
	fired map[string][]time.Time
}

func newRecorder() *recorder {
	return &recorder{slots: map[string][]time.Time{}, fired: map[string][]time.Time{}}
}

func (r *recorder) target(_ context.Context, inv Invocation) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.slots[inv.Job.Name()] = append(r.slots[inv.Job.Name()], inv.Slot)
	r.fired[inv.Job.Name()] = append(r.fired[inv.Job.Name()], inv.FiredAt)
	return nil
}

func (r *recorder) get(name string) (slots, fired []time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.slots[name]...), append([]time.Time(nil), r.fired[name]...)
}

// drive runs the runner on a fake clock from its current time until end (exclusive), jumping
// straight to each wake-up time the runner asks for.
func drive(t *testing.T, r *Runner, fake *clock.Fake, end time.Time) {
	t.Helper()
	for range 100_000 {
		wake, err := r.Tick(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if wake.IsZero() || !wake.Before(end) {
			fake.Set(end)
			return
		}
		fake.Set(wake)
	}
	t.Fatal("runner did not reach the end")
}

func sameTimes(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// TestThirtyDaysAcrossDST runs schedules for 30 days over each 2026 DST change in Europe/Berlin
// (29 Mar, 25 Oct) and America/New_York (8 Mar, 1 Nov) and checks every fire time against a
// calendar-made list: skipped wall times do not fire, repeated ones fire once, at the first.
func TestThirtyDaysAcrossDST(t *testing.T) {
	type sched struct {
		def  events.Schedule
		want []time.Time
	}
	windows := []struct {
		name       string
		start, end string
		scheds     []sched
	}{
		{"spring", "2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z", []sched{
			{def("berlin-0230", "cron(30 2 * * ? *)", "Europe/Berlin"), // 29 Mar 02:30 does not exist
				join(local(cet, 3, "1-28", "02:30"), local(cest, 3, "30", "02:30"))},
			{def("berlin-weekdays-0900", "cron(0 9 ? * MON-FRI *)", "Europe/Berlin"), // 1 Mar 2026 is a Sunday
				join(local(cet, 3, "2-6,9-13,16-20,23-27", "09:00"), local(cest, 3, "30", "09:00"))},
			{def("berlin-quarter-hours-29-mar", "cron(0/15 1-3 29 3 ? 2026)", "Europe/Berlin"),
				join(local(cet, 3, "29", "01:00", "01:15", "01:30", "01:45"), local(cest, 3, "29", "03:00", "03:15", "03:30", "03:45"))},
			{withStart(def("berlin-rate-1-day", "rate(1 day)", "Europe/Berlin"), "2026-03-01T08:00:00Z"), // 24h: 09:00 CET becomes 10:00 CEST
				join(local(cet, 3, "1-28", "09:00"), local(cest, 3, "29-30", "10:00"))},
			{def("ny-0230", "cron(30 2 * * ? *)", "America/New_York"), // 8 Mar 02:30 does not exist
				join(local(est, 3, "1-7", "02:30"), local(edt, 3, "9-30", "02:30"))},
			{def("ny-hourly-8-mar", "cron(0 * 8 3 ? 2026)", "America/New_York"),
				join(local(est, 3, "8", "00:00", "01:00"), local(edt, 3, "8", "03:00", "04:00", "05:00", "06:00", "07:00", "08:00",
					"09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00", "18:00", "19:00", "20:00",
					"21:00", "22:00", "23:00"))},
			{def("ny-sunday-0200", "cron(0 2 ? * SUN *)", "America/New_York"), // no run on 8 Mar
				join(local(est, 3, "1", "02:00"), local(edt, 3, "15,22,29", "02:00"))},
		}},
		{"fall", "2026-10-10T00:00:00Z", "2026-11-09T00:00:00Z", []sched{
			{def("berlin-0230", "cron(30 2 * * ? *)", "Europe/Berlin"), // 25 Oct: only the CEST 02:30
				join(local(cest, 10, "10-25", "02:30"), local(cet, 10, "26-31", "02:30"), local(cet, 11, "1-8", "02:30"))},
			{def("berlin-hourly-25-oct", "cron(0 * 25 10 ? 2026)", "Europe/Berlin"),
				join(local(cest, 10, "25", "00:00", "01:00", "02:00"), local(cet, 10, "25", "03:00", "04:00", "05:00", "06:00",
					"07:00", "08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00", "18:00",
					"19:00", "20:00", "21:00", "22:00", "23:00"))},
			{def("berlin-quarter-hours-25-oct", "cron(0/15 1-3 25 10 ? 2026)", "Europe/Berlin"),
				join(local(cest, 10, "25", "01:00", "01:15", "01:30", "01:45", "02:00", "02:15", "02:30", "02:45"),
					local(cet, 10, "25", "03:00", "03:15", "03:30", "03:45"))},
			{def("ny-0130", "cron(30 1 * * ? *)", "America/New_York"), // 1 Nov: only the EDT 01:30
				join(local(edt, 10, "10-31", "01:30"), local(edt, 11, "1", "01:30"), local(est, 11, "2-8", "01:30"))},
			{def("ny-sunday-0100", "cron(0 1 ? * SUN *)", "America/New_York"), // 1 Oct 2026 is a Thursday
				join(local(edt, 10, "11,18,25", "01:00"), local(edt, 11, "1", "01:00"), local(est, 11, "8", "01:00"))},
			{withStart(def("ny-rate-12-hours", "rate(12 hours)", "America/New_York"), "2026-10-10T12:00:00Z"),
				join(local(edt, 10, "10-31", "08:00", "20:00"), local(est, 11, "1-7", "07:00", "19:00"), local(est, 11, "8", "07:00"))},
		}},
	}
	for _, w := range windows {
		t.Run(w.name, func(t *testing.T) {
			var defs []events.Schedule
			for _, s := range w.scheds {
				defs = append(defs, s.def)
			}
			fake := clock.NewFake(utc(w.start))
			rec := newRecorder()
			r := NewRunner(mustJobs(t, defs...), NewMemoryStore(), fake, rec.target, nil)
			drive(t, r, fake, utc(w.end))
			for _, s := range w.scheds {
				slots, fired := rec.get(s.def.Name)
				if !sameTimes(slots, s.want) {
					t.Errorf("%s: %d fires, want %d\n got  %s\n want %s", s.def.Name, len(slots), len(s.want), fmtTimes(slots), fmtTimes(s.want))
				}
				if !sameTimes(fired, slots) {
					t.Errorf("%s: invoked at %s, want at the slots themselves", s.def.Name, fmtTimes(fired))
				}
			}
		})
	}
}

// TestRunOnFakeClock runs the Run loop itself (timers included) through New York's fall-back day.
func TestRunOnFakeClock(t *testing.T) {
	fake := clock.NewFake(utc("2026-11-01T03:30:00Z")) // 23:30 EDT on 31 Oct
	rec := newRecorder()
	r := NewRunner(mustJobs(t, def("hourly", "cron(0 * * * ? *)", "America/New_York")), NewMemoryStore(), fake, rec.target, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	waitParked := func() {
		deadline := time.Now().Add(5 * time.Second)
		for fake.Pending() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("runner never waited on the clock")
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
	for fake.Now().Before(utc("2026-11-02T05:00:00Z")) { // until 00:00 EST on 2 Nov
		waitParked()
		fake.Advance(time.Minute)
	}
	waitParked()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := join(local(edt, 11, "1", "00:00", "01:00"), local(est, 11, "1", "02:00", "03:00", "04:00", "05:00", "06:00", "07:00",
		"08:00", "09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00", "18:00", "19:00", "20:00",
		"21:00", "22:00", "23:00"), local(est, 11, "2", "00:00"))
	slots, _ := rec.get("hourly")
	if !sameTimes(slots, want) {
		t.Fatalf("got  %s\nwant %s", fmtTimes(slots), fmtTimes(want))
	}
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newSQLStore(t *testing.T, path string) *SQLStore {
	t.Helper()
	s, err := NewSQLStore(context.Background(), openDB(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRestartNeverFiresTwice restarts the runner on the same SQLite file at the same instant:
// the slot fired before the restart is not fired again, and a rate() keeps its phase.
func TestRestartNeverFiresTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dealflow.db")
	jobs := mustJobs(t, def("digest", "cron(0 9 * * ? *)", "UTC"), def("sweep", "rate(1 hour)", "UTC"))
	fake := clock.NewFake(utc("2026-05-04T08:20:00Z"))
	rec := newRecorder()

	first := NewRunner(jobs, newSQLStore(t, path), fake, rec.target, nil)
	drive(t, first, fake, utc("2026-05-04T09:00:00Z").Add(time.Second))
	// "Crash" right after 09:00 fired; a new process opens the same file at the same instant.
	second := NewRunner(jobs, newSQLStore(t, path), fake, rec.target, nil)
	drive(t, second, fake, utc("2026-05-05T09:30:00Z"))

	digest, _ := rec.get("digest")
	if want := "2026-05-04T09:00:00Z 2026-05-05T09:00:00Z"; fmtTimes(digest) != want {
		t.Errorf("digest fired at %s, want %s", fmtTimes(digest), want)
	}
	sweep, _ := rec.get("sweep")
	if len(sweep) != 26 || !sweep[0].Equal(utc("2026-05-04T08:20:00Z")) || !sweep[25].Equal(utc("2026-05-05T09:20:00Z")) {
		t.Errorf("sweep fired at %s, want every hour at :20 from 08:20 on 4 May (26 times)", fmtTimes(sweep))
	}
}

// TestMissedSlots: slots passed while the process was down are skipped; CatchUp "latest" fires
// the most recent one once; a slot seen less than a minute late still fires.
func TestMissedSlots(t *testing.T) {
	tests := []struct {
		name     string
		catchUp  string
		downTo   string // when the process comes back
		wantSlot string
		wantAt   string
	}{
		{"skipped by default", "", "2026-05-07T12:00:00Z",
			"2026-05-04T07:00:00Z 2026-05-08T07:00:00Z", "2026-05-04T07:00:00Z 2026-05-08T07:00:00Z"},
		{"catch-up fires the latest missed slot once", "latest", "2026-05-07T12:00:00Z",
			"2026-05-04T07:00:00Z 2026-05-07T07:00:00Z 2026-05-08T07:00:00Z", "2026-05-04T07:00:00Z 2026-05-07T12:00:00Z 2026-05-08T07:00:00Z"},
		{"back within a minute is on time", "", "2026-05-05T07:00:40Z",
			"2026-05-04T07:00:00Z 2026-05-05T07:00:00Z 2026-05-06T07:00:00Z 2026-05-07T07:00:00Z 2026-05-08T07:00:00Z",
			"2026-05-04T07:00:00Z 2026-05-05T07:00:40Z 2026-05-06T07:00:00Z 2026-05-07T07:00:00Z 2026-05-08T07:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := def("digest", "cron(0 7 * * ? *)", "UTC")
			d.CatchUp = tc.catchUp
			jobs := mustJobs(t, d)
			store := NewMemoryStore()
			fake := clock.NewFake(utc("2026-05-04T06:00:00Z"))
			rec := newRecorder()
			drive(t, NewRunner(jobs, store, fake, rec.target, nil), fake, utc("2026-05-04T07:00:01Z"))
			fake.Set(utc(tc.downTo))
			drive(t, NewRunner(jobs, store, fake, rec.target, nil), fake, utc("2026-05-08T08:00:00Z"))
			slots, fired := rec.get("digest")
			if fmtTimes(slots) != tc.wantSlot || fmtTimes(fired) != tc.wantAt {
				t.Fatalf("slots %s fired at %s\nwant slots %s fired at %s", fmtTimes(slots), fmtTimes(fired), tc.wantSlot, tc.wantAt)
			}
		})
	}
}

func TestStartEndDateAndState(t *testing.T) {
	ends := def("ends", "cron(0 12 * * ? *)", "UTC")
	end := utc("2026-03-05T12:00:00Z") // EndDate: slots before it only
	ends.EndDate = &end
	starts := withStart(def("starts", "cron(0 12 * * ? *)", "UTC"), "2026-03-08T12:00:00Z")
	off := def("off", "cron(* * * * ? *)", "UTC")
	off.State = "DISABLED"
	once := def("once", "at(2026-03-03T09:30:00)", "Europe/Berlin")
	once.StartDate, once.EndDate = &end, &end // ignored for at()
	fake := clock.NewFake(utc("2026-03-01T00:00:00Z"))
	rec := newRecorder()
	drive(t, NewRunner(mustJobs(t, ends, starts, off, once), NewMemoryStore(), fake, rec.target, nil), fake, utc("2026-03-10T00:00:00Z"))
	for name, want := range map[string]string{
		"ends":   "2026-03-01T12:00:00Z 2026-03-02T12:00:00Z 2026-03-03T12:00:00Z 2026-03-04T12:00:00Z",
		"starts": "2026-03-08T12:00:00Z 2026-03-09T12:00:00Z",
		"off":    "",
		"once":   "2026-03-03T08:30:00Z",
	} {
		if got, _ := rec.get(name); fmtTimes(got) != want {
			t.Errorf("%s fired at %q, want %q", name, fmtTimes(got), want)
		}
	}
}

// TestFlexibleWindow: each slot fires once inside its window, at the same offset after a restart.
func TestFlexibleWindow(t *testing.T) {
	d := def("flex", "cron(0 9 * * ? *)", "UTC")
	d.FlexibleTimeWindow = events.FlexibleTimeWindow{Mode: "FLEXIBLE", MaximumWindowInMinutes: 15}
	jobs := mustJobs(t, d)
	store := NewMemoryStore()
	fake := clock.NewFake(utc("2026-06-01T00:00:00Z"))
	rec := newRecorder()
	drive(t, NewRunner(jobs, store, fake, rec.target, nil), fake, utc("2026-06-04T00:00:00Z"))
	slots, fired := rec.get("flex")
	if fmtTimes(slots) != "2026-06-01T09:00:00Z 2026-06-02T09:00:00Z 2026-06-03T09:00:00Z" {
		t.Fatalf("slots %s", fmtTimes(slots))
	}
	offsets := map[time.Duration]bool{}
	for i := range slots {
		off := fired[i].Sub(slots[i])
		if off < 0 || off >= 15*time.Minute {
			t.Errorf("slot %s fired at %s, outside its 15-minute window", slots[i], fired[i])
		}
		offsets[off] = true
	}
	if len(offsets) < 2 {
		t.Errorf("every slot fired at the same offset %v: the window is not spread", offsets)
	}
	// A restart inside the 4 June window: the slot fires once, at the offset computed before.
	j := &jobs[0]
	slot := utc("2026-06-04T09:00:00Z")
	fake.Set(slot)
	drive(t, NewRunner(jobs, store, fake, rec.target, nil), fake, slot.Add(time.Second))
	drive(t, NewRunner(jobs, store, fake, rec.target, nil), fake, utc("2026-06-05T00:00:00Z"))
	slots, fired = rec.get("flex")
	if len(slots) != 4 || !fired[3].Equal(j.due(slot)) {
		t.Fatalf("after restart: slots %s fired at %s, want 4 June once at %s", fmtTimes(slots), fmtTimes(fired), j.due(slot))
	}
}

// TestSlotStores is the conformance suite every SlotStore passes.
func TestSlotStores(t *testing.T) {
	stores := map[string]func(t *testing.T) (SlotStore, SlotStore){
		"memory": func(t *testing.T) (SlotStore, SlotStore) { s := NewMemoryStore(); return s, s },
		"sqlite": func(t *testing.T) (SlotStore, SlotStore) {
			path := filepath.Join(t.TempDir(), "s.db")
			return newSQLStore(t, path), newSQLStore(t, path) // two handles: two processes
		},
	}
	ctx := context.Background()
	t0 := utc("2026-01-01T10:00:00Z")
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			a, b := open(t)
			st, err := a.Arm(ctx, "digest", t0)
			if err != nil || !st.FirstSeen.Equal(t0) || !st.LastSlot.IsZero() {
				t.Fatalf("first Arm = %+v, %v", st, err)
			}
			if st, err = b.Arm(ctx, "digest", t0.Add(time.Hour)); err != nil || !st.FirstSeen.Equal(t0) {
				t.Fatalf("second Arm must keep the first time seen: %+v, %v", st, err)
			}
			claims := []struct {
				store SlotStore
				slot  time.Time
				want  bool
			}{
				{a, t0, true},
				{b, t0, false},                   // the other process lost the race
				{a, t0.Add(-time.Minute), false}, // earlier than the last fired
				{b, t0.Add(time.Minute), true},
				{a, t0.Add(time.Minute), false},
			}
			for i, c := range claims {
				if got, err := c.store.Claim(ctx, "digest", c.slot); err != nil || got != c.want {
					t.Fatalf("claim %d (%s) = %v, %v; want %v", i, c.slot, got, err, c.want)
				}
			}
			if st, err = a.Arm(ctx, "digest", t0); err != nil || !st.LastSlot.Equal(t0.Add(time.Minute)) {
				t.Fatalf("Arm after claims = %+v, %v", st, err)
			}
			if got, err := b.Claim(ctx, "never-armed", t0); err != nil || !got {
				t.Fatalf("claim of an unarmed schedule = %v, %v", got, err)
			}
			if got, err := a.Claim(ctx, "never-armed", t0); err != nil || got {
				t.Fatalf("second claim of an unarmed schedule = %v, %v", got, err)
			}
		})
	}
}

func TestCheckReportsFileAndField(t *testing.T) {
	d := def("bad", "cron(0 10 * * * *)", "Europe/Berlni")
	d.File = "events/schedules/bad.json"
	got := Check(d).Error()
	for _, w := range []string{
		`events/schedules/bad.json: ScheduleExpression: invalid schedule expression "cron(0 10 * * * *)": day-of-month/day-of-week`,
		`events/schedules/bad.json: ScheduleExpressionTimezone: time zone "Europe/Berlni"`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
	if ps := Check(def("ok", "rate(5 minutes)", "America/New_York")); len(ps) != 0 {
		t.Errorf("valid schedule rejected: %v", ps)
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func fmtTimes(ts []time.Time) string {
	var b []string
	for _, t := range ts {
		b = append(b, t.UTC().Format(time.RFC3339))
	}
	return strings.Join(b, " ")
}
