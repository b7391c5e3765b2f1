package idr

import (
	"fmt"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// Bug names a zoo variant of idr by its registry name. Each is declared,
// with its story, in its own zoo_*.go file.
type Bug string

// String is the variant's registry name.
func (b Bug) String() string { return string(b) }

// Allocator is one space's cyclic IDR allocator. Every field below lock is
// read and written only with lock held; pidMax is an env atomic so that the
// pid_max zoo variant can read it without the lock.
type Allocator struct {
	p   model.Params
	bug Bug

	lock   sched.Mutex
	pidMax sched.Int64 // "pid_max": numbers are < pidMax; written under lock

	// Guarded by lock.
	taken    map[int]bool
	detached map[int]bool // FreeReusedEarly only: released, not yet freed
	cursor   int          // idr_next: the next cyclic search starts here
	disabled bool
}

// New returns the correct allocator on env with every number free.
func New(env sched.Env, p model.Params) *Allocator {
	return &Allocator{
		p:      p,
		lock:   env.NewMutex("idr.lock"),
		pidMax: env.NewInt64("pid_max", int64(p.PidMax)),
		// Sized for a small space filled by the drain: growing the map
		// from its first 8 entries was 4% of a small run's CPU.
		taken: make(map[int]bool, min(p.PidMax, 32)),
	}
}

// NewZoo returns the allocator with the zoo bug switched on (ShortWrap, …).
func NewZoo(env sched.Env, p model.Params, bug Bug) *Allocator {
	a := New(env, p)
	a.bug = bug
	return a
}

// Apply performs one allocator-level op.
func (a *Allocator) Apply(op model.Op) model.Result {
	switch op.Kind {
	case model.Alloc:
		switch a.bug {
		case PidMaxReadTwice:
			return a.allocReadOutside()
		case CursorReadUnlocked:
			return a.allocCursorReadUnlocked()
		case CursorStoreUnlocked:
			return a.allocCursorStoreUnlocked()
		case AddingCheckedEarly:
			return a.allocAddingCheckedEarly()
		}
		a.lock.Lock()
		defer a.lock.Unlock()
		return a.alloc(int(a.pidMax.Load()))
	case model.Free:
		switch a.bug {
		case FreeReusedEarly:
			return a.freeLate(op.N)
		case FreeCheckThenClear:
			return a.freeCheckThenClear(op.N)
		}
		a.lock.Lock()
		defer a.lock.Unlock()
		if !a.taken[op.N] {
			return model.Fail(model.EINVAL)
		}
		delete(a.taken, op.N)
		return model.Result{}
	case model.AllocAt:
		switch a.bug {
		case PidMaxReadTwice:
			return a.allocAtReadOutside(op.N)
		case SetTidErrno:
			return a.allocAtPublishLate(op.N)
		case SetTidLookThenTake:
			return a.allocAtLookThenTake(op.N)
		}
		a.lock.Lock()
		defer a.lock.Unlock()
		return a.allocAt(op.N, int(a.pidMax.Load()))
	case model.SetCursor:
		a.lock.Lock()
		defer a.lock.Unlock()
		if op.N < 0 || op.N > int(a.pidMax.Load()) {
			return model.Fail(model.EINVAL)
		}
		a.cursor = op.N + 1
		return model.Result{}
	case model.SetMax:
		if op.N <= a.p.Floor || op.N > a.p.PidMax {
			return model.Fail(model.EINVAL)
		}
		a.lock.Lock()
		defer a.lock.Unlock()
		a.pidMax.Store(int64(op.N))
		return model.Result{}
	case model.Disable:
		a.lock.Lock()
		defer a.lock.Unlock()
		a.disabled = true
		return model.Result{}
	}
	return model.Fail(model.EINVAL)
}

// alloc is alloc_pid's cyclic branch for one level, under lock, with
// numbers bounded by pidMax.
func (a *Allocator) alloc(pidMax int) model.Result {
	// kernel/pid.c alloc_pid: pid_min is RESERVED_PIDS once the cursor is
	// above it, else 1 (init needs 1).
	min := 1
	if a.cursor > a.p.Floor {
		min = a.p.Floor
	}
	n, ok := a.cyclic(min, pidMax)
	if !ok {
		return model.Fail(model.EAGAIN)
	}
	// alloc_pid checks PIDNS_ADDING after the search (a full, dying space
	// answers EAGAIN) and then releases the number; under one lock that is
	// the same as not taking it.
	if a.disabled {
		return model.Fail(model.ENOMEM)
	}
	a.take(n)
	a.cursor = n + 1
	return model.Result{N: n}
}

// cyclic is lib/idr.c idr_alloc_cyclic's search: the first free number in
// [max(cursor, min), pidMax), else (when the search did not start at min)
// the first free number in [min, pidMax).
func (a *Allocator) cyclic(min, pidMax int) (int, bool) {
	start := max(a.cursor, min)
	if n, ok := a.firstFree(start, pidMax); ok {
		return n, true
	}
	if start > min {
		end := pidMax
		if a.bug == ShortWrap {
			end = a.shortWrapEnd(start)
		}
		return a.firstFree(min, end)
	}
	return 0, false
}

// firstFree is idr_alloc's search: the lowest free number in [lo, hi).
// It looks at no more than len(taken)+1 numbers.
func (a *Allocator) firstFree(lo, hi int) (int, bool) {
	for n := lo; n < hi; n++ {
		if !a.held(n) {
			return n, true
		}
	}
	return 0, false
}

// allocAt is clone3's set_tid for one level, under lock.
func (a *Allocator) allocAt(n, pidMax int) model.Result {
	if n < 1 || n >= pidMax {
		return model.Fail(model.EINVAL)
	}
	if a.held(n) {
		return model.Fail(model.EEXIST)
	}
	if a.disabled { // checked after the claim in alloc_pid, as for alloc
		return model.Fail(model.ENOMEM)
	}
	a.take(n)
	return model.Result{}
}

// held reports whether n is allocated; the caller holds lock. The seam of
// FreeReusedEarly, which counts a released number as free before it is.
func (a *Allocator) held(n int) bool {
	if a.bug == FreeReusedEarly && a.detached[n] {
		return false
	}
	return a.taken[n]
}

// take allocates n; the caller holds lock.
func (a *Allocator) take(n int) {
	delete(a.detached, n)
	a.taken[n] = true
}

// Validate checks the allocator's invariants at a quiescent point.
func (a *Allocator) Validate() error {
	if a.cursor < 0 {
		return fmt.Errorf("idr: cursor %d is negative", a.cursor)
	}
	bad := 0
	for n := range a.taken {
		if (n < 1 || n >= a.p.PidMax) && (bad == 0 || n < bad) {
			bad = n // the lowest, so the message does not depend on map order
		}
	}
	if bad != 0 {
		return fmt.Errorf("idr: number %d is allocated but outside [1, %d)", bad, a.p.PidMax)
	}
	return nil
}
