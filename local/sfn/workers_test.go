package sfn

import (
	"sync"
	"testing"
	"time"
)

// Calls never wait for one another: ten calls that each block until all ten have started.
func TestTaskWorkersNeverQueueACall(t *testing.T) {
	const n = 10
	var started, release sync.WaitGroup
	started.Add(n)
	release.Add(1)
	done := make(chan int, n)
	for i := range n {
		taskWorkers.Go(func() {
			started.Done()
			release.Wait()
			done <- i
		})
	}
	waited := make(chan struct{})
	go func() { started.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("a call waited for another call's worker")
	}
	release.Done()
	seen := map[int]bool{}
	for range n {
		seen[<-done] = true
	}
	if len(seen) != n {
		t.Fatalf("ran %d distinct calls, want %d", len(seen), n)
	}
	// Later calls (on the now idle workers) run too.
	for i := range 3 {
		ch := make(chan int, 1)
		taskWorkers.Go(func() { ch <- i })
		if got := <-ch; got != i {
			t.Fatalf("call %d ran as %d", i, got)
		}
	}
}

//go:noinline
func deepStack(n int) byte {
	var pad [512]byte
	pad[n%512] = byte(n)
	if n == 0 {
		return pad[0]
	}
	return deepStack(n-1) + pad[(n*7)%512]
}

// BenchmarkTaskCallDeepStack: a call that needs ~64 KiB of stack, on a fresh goroutine each time
// versus on the task workers.
func BenchmarkTaskCallDeepStack(b *testing.B) {
	run := func(b *testing.B, spawn func(func())) {
		done := make(chan struct{})
		for range b.N {
			spawn(func() { deepStack(120); done <- struct{}{} })
			<-done
		}
	}
	b.Run("goroutine", func(b *testing.B) { run(b, func(f func()) { go f() }) })
	b.Run("workers", func(b *testing.B) { run(b, taskWorkers.Go) })
}
