package sfn

import (
	"sort"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
)

// virtualClock is a fake clock the conformance driver advances to the next due timer whenever
// the engine is idle, so long Waits and timeouts cost no real time but keep their semantics.
type virtualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*vTimer
}

type vTimer struct {
	c     *virtualClock
	due   time.Time
	ch    chan time.Time
	fired bool
}

func newVirtualClock(t time.Time) *virtualClock { return &virtualClock{now: t} }

func (v *virtualClock) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

func (v *virtualClock) NewTimer(d time.Duration) clock.Timer {
	v.mu.Lock()
	defer v.mu.Unlock()
	t := &vTimer{c: v, due: v.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.fired = true
		t.ch <- v.now
		return t
	}
	v.timers = append(v.timers, t)
	return t
}

// next reports the earliest pending due time.
func (v *virtualClock) next() (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.timers) == 0 {
		return time.Time{}, false
	}
	sort.Slice(v.timers, func(i, j int) bool { return v.timers[i].due.Before(v.timers[j].due) })
	return v.timers[0].due, true
}

// advanceTo moves the clock to t and fires the timers due by then.
func (v *virtualClock) advanceTo(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if t.After(v.now) {
		v.now = t
	}
	var rest []*vTimer
	for _, tm := range v.timers {
		if !tm.due.After(v.now) {
			tm.fired = true
			tm.ch <- v.now
		} else {
			rest = append(rest, tm)
		}
	}
	v.timers = rest
}

func (t *vTimer) C() <-chan time.Time { return t.ch }

func (t *vTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.fired {
		return false
	}
	for i, tm := range t.c.timers {
		if tm == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			return true
		}
	}
	return false
}
