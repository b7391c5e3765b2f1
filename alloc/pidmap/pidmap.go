package pidmap

import (
	"github.com/pidcheck/pidcheck/alloc/internal/frees"
	"github.com/pidcheck/pidcheck/alloc/internal/words"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// Bug names a zoo variant of pidmap by its registry name. Each is declared,
// with its story, in its own zoo_*.go file.
type Bug string

// String is the variant's registry name.
func (b Bug) String() string { return string(b) }

// wordBits is the number of PIDs per bitmap word: find_next_zero_bit and
// test_and_set_bit work on longs.
const wordBits = 64

// Allocator is one space's lock-free bitmap allocator, as alloc_pidmap was
// before Linux 4.15.
type Allocator struct {
	p   model.Params
	bug Bug

	env     sched.Env
	words   *words.Words // "pidmap[i]": bit b is number i*64+b; 0 is never handed out
	lastPid sched.Int64  // "last_pid": the last number handed out (cursor - 1)

	// frees counts frees: an allocation whose scan found every bit set
	// uses it to make sure no bit was cleared behind its scan (doc.go,
	// "EAGAIN").
	frees *frees.Counter

	// adding orders allocations against set_max and disable: allocations
	// hold it shared, set_max and disable exclusively (see doc.go).
	adding sched.RWMutex
	// Guarded by adding.
	pidMax   int
	disabled bool
}

// New returns the correct allocator on env with every number free.
func New(env sched.Env, p model.Params) *Allocator {
	a := &Allocator{
		p:       p,
		env:     env,
		lastPid: env.NewInt64("last_pid", 0),
		frees:   frees.New(env),
		adding:  env.NewRWMutex("pidns.adding"),
		pidMax:  p.PidMax,
	}
	// After the other objects, as before the words were made on use: the
	// object ids (and decision hashes) of small spaces stay the same.
	a.words = words.New(env, "pidmap", (p.PidMax+wordBits-1)/wordBits)
	return a
}

// NewZoo returns the allocator with the zoo bug switched on (StaleCursor, …).
func NewZoo(env sched.Env, p model.Params, bug Bug) *Allocator {
	a := New(env, p)
	a.bug = bug
	return a
}

// Apply performs one allocator-level op.
func (a *Allocator) Apply(op model.Op) model.Result {
	switch op.Kind {
	case model.Alloc:
		if a.bug == LateAddingCheck {
			return a.allocCheckAfter()
		}
		a.adding.RLock()
		defer a.adding.RUnlock()
		if a.disabled {
			return model.Fail(model.ENOMEM)
		}
		n := a.alloc(a.pidMax)
		if n < 0 {
			return model.Fail(model.EAGAIN)
		}
		return model.Result{N: n}
	case model.Free:
		if op.N < 1 || op.N >= a.words.Len()*wordBits {
			return model.Fail(model.EINVAL)
		}
		if !a.freePidmap(op.N) {
			return model.Fail(model.EINVAL)
		}
		return model.Result{}
	case model.AllocAt:
		if a.bug == LateAddingCheck {
			return a.allocAtCheckAfter(op.N)
		}
		a.adding.RLock()
		defer a.adding.RUnlock()
		if op.N < 1 || op.N >= a.pidMax {
			return model.Fail(model.EINVAL)
		}
		if a.disabled {
			return model.Fail(model.ENOMEM)
		}
		if w, mask := a.word(op.N); w.Or(mask)&mask != 0 {
			return model.Fail(model.EEXIST)
		}
		return model.Result{}
	case model.SetCursor:
		a.adding.RLock()
		defer a.adding.RUnlock()
		if op.N < 0 || op.N > a.pidMax {
			return model.Fail(model.EINVAL)
		}
		// pid_ns_ctl_handler: a plain write; "a code writing to it should
		// synchronize its usage with external means".
		a.lastPid.Store(int64(op.N))
		return model.Result{}
	case model.SetMax:
		if op.N <= a.p.Floor || op.N > a.p.PidMax {
			return model.Fail(model.EINVAL)
		}
		a.adding.Lock()
		defer a.adding.Unlock()
		a.pidMax = op.N
		return model.Result{}
	case model.Disable:
		a.adding.Lock()
		defer a.adding.Unlock()
		a.disabled = true
		return model.Result{}
	}
	return model.Fail(model.EINVAL)
}

// word returns the bitmap word holding n and n's bit in it.
func (a *Allocator) word(n int) (sched.Int64, int64) {
	return a.words.At(n / wordBits), int64(1) << (n % wordBits)
}

// alloc is alloc_pidmap with a check that makes its EAGAIN exact: it
// returns a number it claimed, or -1 when every number in [pid_min,
// pidMax) — which holds [floor, pidMax) — was taken at one instant during
// the call (doc.go, "EAGAIN").
func (a *Allocator) alloc(pidMax int) int {
	if n := a.allocPidmap(pidMax); n > 0 {
		return n
	}
	if a.bug == UncheckedFull {
		return -1 // v4.14: believe the scan
	}
	// The scan saw every bit set, but one word at a time: a free may have
	// cleared a bit in a word it had passed while a claim filled the last
	// clear bit of a word ahead of it.
	return a.frees.Exact(func() int { return a.allocPidmap(pidMax) })
}

// allocPidmap is alloc_pidmap: scan from last_pid+1 for a clear bit, take it
// with test_and_set_bit, and move last_pid with set_last_pid. When nothing
// is clear from the cursor to pidMax, it scans again from pid_min (1, or
// the floor once the cursor has passed it). It returns -1 when both scans
// found every bit set.
func (a *Allocator) allocPidmap(pidMax int) int {
	last := int(a.lastPid.Load())
	cursor := last + 1
	// The floor rule of today's alloc_pid (see doc.go).
	min := 1
	if cursor > a.p.Floor {
		min = a.p.Floor
	}
	start := max(cursor, min)
	n := a.claimFirst(start, pidMax)
	if n < 0 && start > min {
		n = a.claimFirst(min, pidMax) // the second pass over the map
	}
	if n < 0 {
		return -1
	}
	if a.bug == StaleCursor {
		a.lastPid.Store(int64(n))
	} else {
		a.setLastPid(last, n)
	}
	return n
}

// claimFirst takes the first number in [lo, hi) whose bit it can set, and
// returns it, or -1. Like find_next_zero_bit + test_and_set_bit, it reads a
// word, picks a clear bit, and tries to set it; when another thread set that
// bit first, it goes on from the next one.
func (a *Allocator) claimFirst(lo, hi int) int {
	for n := lo; n < hi; {
		w, _ := a.word(n)
		base := n - n%wordBits
		seen := w.Load()
		for ; n < hi && n < base+wordBits; n++ {
			mask := int64(1) << (n - base)
			if seen&mask != 0 {
				continue
			}
			if a.bug == NonatomicClaim {
				a.setBit(w, mask)
				return n
			}
			old := w.Or(mask) // test_and_set_bit
			if old&mask == 0 {
				return n
			}
			seen = old | mask
		}
	}
	return -1
}

// freePidmap is free_pidmap: clear n's bit and report whether it was set.
// The atomic AND returns the old word, so a free of a number that is not
// allocated is seen (and changes nothing). Around it, the free counts
// itself in frees.begun before and frees.done after.
func (a *Allocator) freePidmap(n int) bool {
	w, mask := a.word(n)
	old := a.frees.Free(func() int64 { return w.And(^mask) })
	return old&mask != 0
}

// before is setLastPid's order of two cursors counted from base: pidBefore,
// the seam of WrapCompare.
func (a *Allocator) before(base, x, y int) bool {
	if a.bug == WrapCompare {
		return plainBefore(x, y)
	}
	return pidBefore(base, x, y)
}

// pidBefore reports whether, counting from base, a comes before b
// (kernel/pid.c pid_before).
func pidBefore(base, a, b int) bool {
	return uint32(a-base) < uint32(b-base)
}

// setLastPid is set_last_pid (commit 5fdee8c4a5e1, 2012): move last_pid
// from base to pid with compare-and-swap, unless another allocator already
// moved it to a value that comes later, counting from base.
func (a *Allocator) setLastPid(base, pid int) {
	prev := base
	for !a.lastPid.CompareAndSwap(int64(prev), int64(pid)) {
		now := int(a.lastPid.Load())
		if !a.before(base, now, pid) {
			return // someone stored a value at or after ours: keep it
		}
		prev = now
	}
}
