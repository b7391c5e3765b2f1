package lockfree

import (
	"github.com/pidcheck/pidcheck/alloc/internal/frees"
	"github.com/pidcheck/pidcheck/alloc/internal/words"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// Bug names a zoo variant of lockfree by its registry name. Each is declared,
// with its story, in its own zoo_*.go file.
type Bug string

// String is the variant's registry name.
func (b Bug) String() string { return string(b) }

// wordBits is the number of numbers per bitmap word.
const wordBits = 64

// Allocator is a lock-free bitmap allocator with a cursor hint. See doc.go
// for the design and the argument that it is linearizable.
type Allocator struct {
	p   model.Params
	bug Bug
	env sched.Env

	words *words.Words // "bitmap[i]": bit b is number i*64+b; 0 is never handed out
	hint  sched.Int64  // "cursor": where the next search starts

	// frees counts frees, so that an allocation that found no free number
	// can make sure no bit was cleared behind its scan.
	frees *frees.Counter

	// gate orders allocations (shared) against set_max and disable
	// (exclusive). Allocations never exclude one another.
	gate sched.RWMutex
	// Guarded by gate.
	pidMax   int
	disabled bool
}

// New returns the correct allocator on env with every number free.
func New(env sched.Env, p model.Params) *Allocator {
	a := &Allocator{
		p:      p,
		env:    env,
		hint:   env.NewInt64("cursor", 0),
		frees:  frees.New(env),
		gate:   env.NewRWMutex("gate"),
		pidMax: p.PidMax,
	}
	// After the other objects, as before the words were made on use: the
	// object ids (and decision hashes) of small spaces stay the same.
	a.words = words.New(env, "bitmap", (p.PidMax+wordBits-1)/wordBits)
	return a
}

// NewZoo returns the allocator with the zoo bug switched on (LostFree, …).
func NewZoo(env sched.Env, p model.Params, bug Bug) *Allocator {
	a := New(env, p)
	a.bug = bug
	return a
}

// Apply performs one allocator-level op.
func (a *Allocator) Apply(op model.Op) model.Result {
	switch op.Kind {
	case model.Alloc:
		a.gate.RLock()
		defer a.gate.RUnlock()
		if a.disabled {
			return model.Fail(model.ENOMEM)
		}
		if n := a.alloc(a.pidMax); n > 0 {
			return model.Result{N: n}
		}
		return model.Fail(model.EAGAIN)
	case model.Free:
		if op.N < 1 || op.N >= a.words.Len()*wordBits {
			return model.Fail(model.EINVAL)
		}
		if !a.free(op.N) {
			return model.Fail(model.EINVAL)
		}
		return model.Result{}
	case model.AllocAt:
		a.gate.RLock()
		defer a.gate.RUnlock()
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
		a.gate.RLock()
		defer a.gate.RUnlock()
		if op.N < 0 || op.N > a.pidMax {
			return model.Fail(model.EINVAL)
		}
		a.hint.Store(int64(op.N + 1))
		return model.Result{}
	case model.SetMax:
		if op.N <= a.p.Floor || op.N > a.p.PidMax {
			return model.Fail(model.EINVAL)
		}
		a.gate.Lock()
		defer a.gate.Unlock()
		a.pidMax = op.N
		return model.Result{}
	case model.Disable:
		a.gate.Lock()
		defer a.gate.Unlock()
		a.disabled = true
		return model.Result{}
	}
	return model.Fail(model.EINVAL)
}

// word returns the bitmap word holding n and n's bit in it.
func (a *Allocator) word(n int) (sched.Int64, int64) {
	return a.words.At(n / wordBits), int64(1) << (n % wordBits)
}

// alloc claims a free number below pidMax and returns it, or 0 when every
// number was taken at one instant during the call.
func (a *Allocator) alloc(pidMax int) int {
	if n := a.search(pidMax); n > 0 {
		return n
	}
	if a.bug == UncheckedFull {
		return 0
	}
	// The search saw every bit set, but perhaps not at one instant: a free
	// may have cleared a bit the search had already passed.
	return a.frees.Exact(func() int { return a.search(pidMax) })
}

// search claims the first number it can in [start, pidMax), then in
// [pid_min, pidMax), then in [1, pidMax), where start is the cursor hint
// and pid_min follows the kernel's floor rule. On success it moves the
// hint past the number with one compare-and-swap. It returns 0 if it
// claimed nothing.
func (a *Allocator) search(pidMax int) int {
	h := int(a.hint.Load())
	min := 1
	if h > a.p.Floor {
		min = a.p.Floor
	}
	start := max(h, min)
	n := a.claimFirst(start, pidMax)
	if n == 0 && start > min {
		n = a.claimFirst(min, pidMax)
	}
	if n == 0 && min > 1 {
		n = a.claimFirst(1, pidMax)
	}
	if n > 0 {
		// A hint: if another allocator moved it since we read it, its value
		// is as good as ours.
		a.hint.CompareAndSwap(int64(h), int64(n+1))
	}
	return n
}

// claimFirst sets the first clear bit it finds in [lo, hi) with an atomic
// fetch-or and returns its number, or 0. A bit another thread set first is
// skipped.
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
			old := w.Or(mask)
			if old&mask == 0 {
				return n
			}
			seen = old | mask
		}
	}
	return 0
}

// free clears n's bit and reports whether it was set.
func (a *Allocator) free(n int) bool {
	w, mask := a.word(n)
	old := a.frees.Free(func() int64 {
		if a.bug == LostFree {
			return a.clearNonAtomic(w, mask)
		}
		return w.And(^mask)
	})
	return old&mask != 0
}
