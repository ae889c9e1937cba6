// Package clock owns time for all business logic and the local runtime, so that workflows,
// schedules and digests can be tested over simulated weeks in milliseconds.
package clock

import (
	"sort"
	"sync"
	"time"
)

// Clock is the only source of time in logic code. Never call time.Now() outside an adapter.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer that fires once d has elapsed on this clock.
	NewTimer(d time.Duration) Timer
}

// Timer mirrors time.Timer for both the real and the fake clock.
type Timer interface {
	C() <-chan time.Time
	// Stop prevents the timer from firing; it reports whether it was still pending.
	Stop() bool
}

// Real is the wall clock.
type Real struct{}

func (Real) Now() time.Time { return time.Now() }

func (Real) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time { return r.t.C }
func (r realTimer) Stop() bool          { return r.t.Stop() }

// Fake is a manually advanced clock. Timers fire (in due order) when Advance or Set passes them.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

// NewFake returns a fake clock standing at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *Fake) NewTimer(d time.Duration) Timer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{f: f, due: f.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- f.now
		t.fired = true
		return t
	}
	f.timers = append(f.timers, t)
	return t
}

// Advance moves the clock forward by d, firing every timer that falls due.
func (f *Fake) Advance(d time.Duration) { f.Set(f.Now().Add(d)) }

// Set moves the clock to t (never backwards), firing every timer due at or before t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	if t.After(f.now) {
		f.now = t
	}
	now := f.now
	var due, rest []*fakeTimer
	for _, tm := range f.timers {
		if !tm.due.After(now) {
			due = append(due, tm)
		} else {
			rest = append(rest, tm)
		}
	}
	f.timers = rest
	sort.Slice(due, func(i, j int) bool { return due[i].due.Before(due[j].due) })
	for _, tm := range due {
		tm.fired = true
		tm.c <- now
	}
	f.mu.Unlock()
}

// Pending reports how many timers are waiting; tests use it to know a workflow is parked.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// HasTimerDue reports whether a pending timer falls due exactly at t; tests use it to know a
// workflow re-armed a timer (a heartbeat reset) before they move the clock on.
func (f *Fake) HasTimerDue(t time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, tm := range f.timers {
		if tm.due.Equal(t) {
			return true
		}
	}
	return false
}

type fakeTimer struct {
	f     *Fake
	due   time.Time
	c     chan time.Time
	fired bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	if t.fired {
		return false
	}
	for i, tm := range t.f.timers {
		if tm == t {
			t.f.timers = append(t.f.timers[:i], t.f.timers[i+1:]...)
			return true
		}
	}
	return false
}
