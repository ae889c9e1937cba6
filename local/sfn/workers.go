package sfn

import "time"

// taskWorkers runs task calls (Lambda handlers, SDK integrations) on goroutines that outlive one
// call. A handler that reaches SQLite grows its goroutine's stack to tens of KiB (the
// transpiled C has deep frames); on a fresh goroutine per call that growth, a copy of the whole
// stack each time it doubles, cost ~4 % of the local pipeline's CPU. A worker keeps its grown
// stack for the next call until it has been idle for workerIdle.
var taskWorkers = workerPool{work: make(chan func())}

const workerIdle = 5 * time.Second

type workerPool struct {
	work chan func() // unbuffered: a send succeeds only when a worker is waiting
}

// Go runs f on an idle worker, or on a new one when none is idle: it never waits.
func (p *workerPool) Go(f func()) {
	select {
	case p.work <- f:
	default:
		go p.worker(f)
	}
}

func (p *workerPool) worker(f func()) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		f()
		f = nil
		t.Reset(workerIdle) // since Go 1.23 Reset needs no draining
		select {
		case f = <-p.work:
		case <-t.C:
			return
		}
	}
}
