package clock

import (
	"testing"
	"time"
)

func TestFakeFiresTimersInOrderWhenAdvanced(t *testing.T) {
	start := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)
	f := NewFake(start)
	late := f.NewTimer(2 * time.Hour)
	early := f.NewTimer(time.Hour)
	stopped := f.NewTimer(30 * time.Minute)
	if !stopped.Stop() {
		t.Fatal("Stop on a pending timer must report true")
	}
	f.Advance(59 * time.Minute)
	select {
	case <-early.C():
		t.Fatal("timer fired before its due time")
	default:
	}
	f.Advance(time.Minute)
	if got := <-early.C(); !got.Equal(start.Add(time.Hour)) {
		t.Fatalf("early fired at %v", got)
	}
	if f.Pending() != 1 {
		t.Fatalf("pending = %d, want 1", f.Pending())
	}
	f.Set(start.Add(3 * time.Hour))
	<-late.C()
	select {
	case <-stopped.C():
		t.Fatal("a stopped timer fired")
	default:
	}
	if late.Stop() {
		t.Fatal("Stop on a fired timer must report false")
	}
}
