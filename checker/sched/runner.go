package sched

import (
	"iter"
	"sync/atomic"
	"time"
)

// Runner runs controlled runs one after another, as Run does, and keeps
// the coroutines of their threads for the next runs: a coroutine whose
// thread returned waits for the next run's thread instead of ending. A
// fresh coroutine per thread (its allocation, its goroutine, the growth
// of its small stack) was a fifth of a small run's cost; a reused one
// keeps its grown stack. What a run does does not depend on the coroutine
// that runs a thread: a run of a Runner gives the outcome Run gives.
//
// A Runner is for one goroutine at a time. Close ends its waiting
// coroutines; a Runner not closed leaves them parked (goroutines that
// use no CPU, but are not collected).
type Runner struct {
	idle  []*coro     // coroutines waiting for a thread
	watch *time.Timer // the watchdog's timer, stopped between runs
}

// timer returns r's watchdog timer, running and set to d.
func (r *Runner) timer(d time.Duration) *time.Timer {
	if r.watch == nil {
		r.watch = time.NewTimer(d)
	} else {
		r.watch.Reset(d)
	}
	return r.watch
}

// NewRunner returns a Runner with no coroutine yet.
func NewRunner() *Runner { return &Runner{} }

// Run is Run on r's coroutines.
func (r *Runner) Run(c Chooser, opts Options, body func(env Env)) *Outcome {
	return run(r, c, opts, body)
}

// Close ends the coroutines waiting for a thread. r may be used again
// after (it starts new ones).
func (r *Runner) Close() {
	for _, c := range r.idle {
		c.stop()
	}
	r.idle = nil
}

// coro is a Runner's coroutine: it runs job, a thread's whole body (begin,
// the function, finish), then waits for the next one.
type coro struct {
	next func() (struct{}, bool)
	stop func()
	job  func(yield func(struct{}) bool)
	t    *thread // the thread job runs
	// idle: the coroutine runs no thread: it has not started, or it is
	// parked between threads (set just before it parks), or a thread was
	// given to it but has not started. Only then may Close (or the
	// clean-up after a run the watchdog took) stop it.
	idle atomic.Bool
}

// get returns a waiting coroutine, or a new one.
func (r *Runner) get() *coro {
	if n := len(r.idle); n > 0 {
		c := r.idle[n-1]
		r.idle[n-1] = nil
		r.idle = r.idle[:n-1]
		return c
	}
	c := &coro{}
	c.idle.Store(true)
	c.next, c.stop = iter.Pull(func(yield func(struct{}) bool) {
		for {
			c.idle.Store(false)
			c.job(yield)
			t := c.t
			c.job, c.t = nil, nil
			// A thread the watchdog abandoned, or any thread of a run it
			// took over, ends its coroutine as Run's threads do: the run
			// is being unwound by goroutines of its own.
			if t.abandoned.Load() || t.late || t.s.aborted() {
				return
			}
			c.idle.Store(true)
			// The thread's resumer goes on (it sees the thread done).
			if !yield(struct{}{}) {
				return // Close
			}
		}
	})
	return c
}

// collect takes back the coroutines of s's threads that run no thread.
// After a run the watchdog took over (not finished), those are ended
// instead, once the run is unwound, by a goroutine of their own: nothing
// resumes a thread that returned (or one that never started), so they
// would be parked for good.
func (r *Runner) collect(s *sched, finished bool) {
	if finished {
		for _, t := range s.threads {
			if t.c != nil && t.c.idle.Load() {
				r.idle = append(r.idle, t.c)
			}
		}
		return
	}
	go func() {
		<-s.unwound
		for _, t := range s.threads {
			if t.c != nil && t.c.idle.Load() {
				t.c.stop()
			}
		}
	}()
}
