// Package myalloc is a user's own PID allocator, checked with pidcheck the
// way anyone checks theirs: written against sched.Env, adapted with
// checker.AdaptAllocator, explored from an ordinary test with
// checker.Check.
//
// Allocator hands out numbers the way Linux's idr_alloc_cyclic does: the
// first free number at or after a cursor, wrapping once to a floor
// (RESERVED_PIDS in the kernel) once the cursor has passed it. NewRacy
// builds the same allocator with a check-then-act race: it finds a free
// number under the lock, drops the lock, and takes the number after taking
// the lock again, so two threads can be handed one number.
package myalloc

import (
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// Allocator is one space's number allocator. Every shared access goes
// through the sched.Env it was made on, so under pidcheck each lock is a
// scheduling point.
type Allocator struct {
	mu     sched.Mutex
	taken  map[int]bool
	cursor int // the next allocation starts here
	floor  int // where a wrap restarts once the cursor has passed it
	max    int // numbers are below max
	racy   bool
}

// New returns a correct allocator for numbers below p.PidMax.
func New(env sched.Env, p model.Params) *Allocator {
	return &Allocator{mu: env.NewMutex("myalloc.lock"), taken: map[int]bool{}, floor: p.Floor, max: p.PidMax}
}

// NewRacy returns the allocator with the check-then-act race.
func NewRacy(env sched.Env, p model.Params) *Allocator {
	a := New(env, p)
	a.racy = true
	return a
}

// Alloc returns a free number, or model.EAGAIN when none is left.
func (a *Allocator) Alloc() (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	start := 1
	if a.cursor > a.floor {
		start = a.floor
	}
	n := a.firstFree(max(a.cursor, start))
	if n == 0 {
		n = a.firstFree(start) // wrap once
	}
	if n == 0 {
		return 0, model.EAGAIN
	}
	if a.racy {
		a.mu.Unlock() // the race: another thread may take n meanwhile
		a.mu.Lock()
	}
	a.taken[n] = true
	a.cursor = n + 1
	return n, nil
}

// firstFree is the first free number in [from, max), or 0.
func (a *Allocator) firstFree(from int) int {
	for n := from; n < a.max; n++ {
		if !a.taken[n] {
			return n
		}
	}
	return 0
}

// Free releases n; model.EINVAL when n is not allocated.
func (a *Allocator) Free(n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.taken[n] {
		return model.EINVAL
	}
	delete(a.taken, n)
	return nil
}

// AllocAt takes exactly n: model.EINVAL out of range, model.EEXIST when
// taken. It does not move the cursor.
func (a *Allocator) AllocAt(n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case n < 1 || n >= a.max:
		return model.EINVAL
	case a.taken[n]:
		return model.EEXIST
	}
	a.taken[n] = true
	return nil
}

// SetCursor makes the next allocation start at n+1, as writing
// ns_last_pid does; model.EINVAL unless 0 ≤ n ≤ max.
func (a *Allocator) SetCursor(n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if n < 0 || n > a.max {
		return model.EINVAL
	}
	a.cursor = n + 1
	return nil
}
