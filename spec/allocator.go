package spec

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/pidcheck/pidcheck/model"
)

// Allocator is the allocator-level spec: one space's number allocator, with
// no tasks. Every number is free at first and the cursor is 0 (a fresh
// space: the first cyclic alloc gives 1). Op meanings (model/doc.go):
//
//   - alloc: a number by the policy (Pick); EAGAIN when none is free. Once
//     disabled, ENOMEM; the spec also accepts EAGAIN from a disabled, full
//     allocator (the kernel scans before it checks PIDNS_ADDING), and a
//     disabled alloc changes nothing (the cursor stays).
//   - free n: "ok" if n is allocated, else EINVAL.
//   - alloc_at n: EINVAL unless 1 ≤ n < max, EEXIST when taken, else ENOMEM
//     when disabled (kernel order: range, taken, PIDNS_ADDING; the spec also
//     accepts ENOMEM in place of EEXIST when disabled). Never moves the cursor.
//   - set_cursor n: ns_last_pid = n, so the cursor becomes n+1; EINVAL
//     unless 0 ≤ n ≤ max (the sysctl's range, proc_dointvec_minmax).
//   - set_max n: EINVAL unless floor < n ≤ Params.PidMax (pid_max_min =
//     RESERVED_PIDS+1, pid_max_max = PID_MAX_LIMIT); numbers already at or
//     above n stay allocated.
//   - disable: "ok"; allocation fails from now on (the space's init died).
func Allocator(p model.Params, pol model.Policy) Spec {
	return Spec{
		Name: "alloc", Level: model.AllocLevel, Policy: pol, Params: p,
		Init:  func() State { return &allocState{pol: pol, p: p, max: p.PidMax} },
		Rules: allocRules(p, pol),
	}
}

// allocState is the allocator's state. taken is sorted, and no element
// of it is mutated once the state is built.
type allocState struct {
	pol      model.Policy
	p        model.Params
	taken    []int
	tail     *atomic.Int32 // see take; nil when taken's array is not to be extended
	cursor   int
	max      int
	disabled bool
	// loose: under CyclicAlone, the cursor is not known: an alloc (or
	// alloc_at) that overlapped another op came after the last op alone
	// that set it. An alloc or set_cursor alone sets it again.
	loose bool
}

// polFor is the policy op is held to: the spec's, but under CyclicAlone
// Cyclic for an op alone (Op.Alone) while the cursor is known, and Unique
// otherwise.
func (s *allocState) polFor(op model.Op) model.Policy {
	if s.pol != model.CyclicAlone {
		return s.pol
	}
	if op.Alone && !s.loose {
		return model.Cyclic
	}
	return model.Unique
}

// overlapped is the cursor effect of an alloc or alloc_at op, whatever
// its answer: under CyclicAlone, one that overlapped another op leaves the
// cursor unknown (in another order of the two it would stand elsewhere).
func (s *allocState) overlapped(op model.Op) cursorState {
	if s.pol == model.CyclicAlone && !op.Alone {
		return cursorLoose
	}
	return cursorSame
}

// take is taken with n added, and its tail. A number above every taken
// one (a cyclic allocation, mostly) is appended in place, with no copy,
// when no other state has appended to taken's array yet: tail counts the
// elements of that array some state holds, so the first state to extend
// it (compare-and-swap from len(taken)) owns the next slot, and a state
// that loses the race, or holds a prefix of someone else's extension,
// copies. States are shared between goroutines; the atomic makes that
// safe. A drain of a big space took quadratic time and memory without
// it (a copy of the whole list at every step).
func (s *allocState) take(n int) ([]int, *atomic.Int32) {
	xs := s.taken
	k := len(xs)
	if k > 0 && xs[k-1] > n {
		return insertSorted(xs, n), nil
	}
	if k < cap(xs) && s.tail != nil && s.tail.CompareAndSwap(int32(k), int32(k+1)) {
		out := xs[:k+1]
		out[k] = n
		return out, s.tail
	}
	out := make([]int, k+1, max(8, 2*k))
	copy(out, xs)
	out[k] = n
	tail := new(atomic.Int32)
	tail.Store(int32(k + 1))
	return out, tail
}

func (s *allocState) has(n int) bool {
	_, found := slices.BinarySearch(s.taken, n)
	return found
}

// hasFree reports whether Pick finds a free number under policy pol.
func (s *allocState) hasFree(pol model.Policy) bool {
	_, ok := Pick(pol, s.has, s.cursor, s.p.Floor, s.max)
	return ok
}

func insertSorted(xs []int, n int) []int {
	i, _ := slices.BinarySearch(xs, n)
	out := make([]int, 0, len(xs)+1)
	out = append(out, xs[:i]...)
	out = append(out, n)
	return append(out, xs[i:]...)
}

func removeSorted(xs []int, n int) []int {
	i, found := slices.BinarySearch(xs, n)
	if !found {
		return xs
	}
	out := make([]int, 0, len(xs)-1)
	out = append(out, xs[:i]...)
	return append(out, xs[i+1:]...)
}

// Expect implements State.
func (s *allocState) Expect(op model.Op) (model.Result, State) {
	r, e := s.apply(op)
	return r, s.after(e)
}

// effect is what a step does to an allocator state: the zero effect
// changes nothing.
type effect struct {
	take, free int         // a number taken, or freed; 0: none
	cursor     int         // the cursor's new value (never 0: it follows a number); 0: unchanged
	known      cursorState // whether the cursor is known afterwards (CyclicAlone)
	max        int         // the new pid_max; 0: unchanged
	disable    bool        // disabled from now on
}

// cursorState is what a step does to whether the cursor is known.
type cursorState uint8

const (
	cursorSame  cursorState = iota // as it was
	cursorLoose                    // unknown from now on
	cursorKnown                    // known from now on
)

// after is s with e done, a new state unless e changes nothing (s is not
// changed: states are persistent).
func (s *allocState) after(e effect) *allocState {
	if e == (effect{}) {
		return s
	}
	c := *s
	switch {
	case e.take > 0:
		c.taken, c.tail = s.take(e.take)
	case e.free > 0:
		c.taken, c.tail = removeSorted(s.taken, e.free), nil
	}
	c.do(e)
	return &c
}

// do does e's changes to everything but taken.
func (s *allocState) do(e effect) {
	if e.cursor > 0 {
		s.cursor = e.cursor
	}
	switch e.known {
	case cursorLoose:
		s.loose = true
	case cursorKnown:
		s.loose = false
	}
	if e.max > 0 {
		s.max = e.max
	}
	if e.disable {
		s.disabled = true
	}
}

// apply computes the spec's own answer and its effect. It builds no
// explanation: why does, only for a step that is rejected (an accepted
// step's reason is never read, and formatting one at every step was 7%
// of an exploration's CPU).
func (s *allocState) apply(op model.Op) (model.Result, effect) {
	switch op.Kind {
	case model.Alloc:
		// An alloc alone with the cursor unknown picks as Unique does,
		// one number of many: the cursor stays unknown.
		n, ok := Pick(s.polFor(op), s.has, s.cursor, s.p.Floor, s.max)
		if !ok {
			return model.Fail(model.EAGAIN), effect{known: s.overlapped(op)}
		}
		if s.disabled {
			return model.Fail(model.ENOMEM), effect{known: s.overlapped(op)}
		}
		return model.Result{N: n}, effect{take: n, cursor: n + 1, known: s.overlapped(op)}
	case model.Free:
		if !s.has(op.N) {
			return model.Fail(model.EINVAL), effect{}
		}
		return model.Result{}, effect{free: op.N}
	case model.AllocAt:
		switch {
		case op.N < 1 || op.N >= s.max:
			return model.Fail(model.EINVAL), effect{}
		case s.has(op.N):
			return model.Fail(model.EEXIST), effect{known: s.overlapped(op)}
		case s.disabled:
			return model.Fail(model.ENOMEM), effect{known: s.overlapped(op)}
		}
		return model.Result{}, effect{take: op.N, known: s.overlapped(op)}
	case model.SetCursor:
		if op.N < 0 || op.N > s.max {
			return model.Fail(model.EINVAL), effect{}
		}
		e := effect{cursor: op.N + 1}
		if s.pol == model.CyclicAlone && op.Alone {
			// A write that overlapped an alloc may be lost to it, but
			// that alloc leaves the cursor unknown, in either order.
			e.known = cursorKnown
		}
		return model.Result{}, e
	case model.SetMax:
		if op.N <= s.p.Floor || op.N > s.p.PidMax {
			return model.Fail(model.EINVAL), effect{}
		}
		return model.Result{}, effect{max: op.N}
	case model.Disable:
		return model.Result{}, effect{disable: true}
	}
	return model.Fail(model.EINVAL), effect{}
}

// why is a short explanation of apply's answer to op in state s, for the
// reason of a rejected step.
func (s *allocState) why(op model.Op) string {
	switch op.Kind {
	case model.Alloc:
		pol := s.polFor(op)
		n, ok := Pick(pol, s.has, s.cursor, s.p.Floor, s.max)
		if !ok {
			return describe(pol, s.cursor, s.p.Floor, s.max) + " finds no free number"
		}
		if s.disabled {
			return "the allocator is disabled"
		}
		return describe(pol, s.cursor, s.p.Floor, s.max) + " gives " + strconv.Itoa(n)
	case model.Free:
		if !s.has(op.N) {
			return fmt.Sprintf("%d is not allocated", op.N)
		}
		return fmt.Sprintf("%d was allocated", op.N)
	case model.AllocAt:
		switch {
		case op.N < 1 || op.N >= s.max:
			return fmt.Sprintf("%d is out of range [1, %d)", op.N, s.max)
		case s.has(op.N):
			return fmt.Sprintf("%d is taken", op.N)
		case s.disabled:
			return "the allocator is disabled"
		}
		return fmt.Sprintf("%d was free", op.N)
	case model.SetCursor:
		if op.N < 0 || op.N > s.max {
			return fmt.Sprintf("%d is out of range [0, %d]", op.N, s.max)
		}
		return "any value in [0, max] is accepted"
	case model.SetMax:
		if op.N <= s.p.Floor || op.N > s.p.PidMax {
			return fmt.Sprintf("pid_max must be in [%d, %d]", s.p.Floor+1, s.p.PidMax)
		}
		return fmt.Sprintf("%d is in [%d, %d]", op.N, s.p.Floor+1, s.p.PidMax)
	case model.Disable:
		return "disable always succeeds"
	}
	return fmt.Sprintf("%s is not an allocator-level op", op.Kind)
}

// Step implements State. The reason of a rejection is built only then.
func (s *allocState) Step(op model.Op, obs model.Result) (bool, State, string) {
	ok, e := s.judge(op, obs)
	if !ok {
		return false, s, s.rejection(op, obs)
	}
	return true, s.after(e), ""
}

// rejection is the reason judge rejects obs as op's answer in state s.
func (s *allocState) rejection(op model.Op, obs model.Result) string {
	if s.uniquePick(op, obs) {
		_, r := Allowed(model.Unique, s.has, s.cursor, s.p.Floor, s.max, obs.N)
		return fmt.Sprintf("%s returned %d; %s", op, obs.N, r)
	}
	want, _ := s.apply(op)
	return fmt.Sprintf("%s returned %s; the spec gives %s: %s", op, obs.Format(op.Kind), want.Format(op.Kind), s.why(op))
}

// uniquePick: op is an alloc that succeeded, judged by the unique
// policy's rule (any free number) rather than by the spec's own pick.
func (s *allocState) uniquePick(op model.Op, obs model.Result) bool {
	return op.Kind == model.Alloc && obs.Err == model.OK && s.polFor(op) == model.Unique && !s.disabled && s.hasFree(model.Unique)
}

// judge says whether the spec accepts obs as op's answer in state s, and
// the effect of the step if it does.
func (s *allocState) judge(op model.Op, obs model.Result) (bool, effect) {
	if s.uniquePick(op, obs) {
		// Checked before apply, which would pick the spec's own number
		// only to throw it away.
		if ok, _ := Allowed(model.Unique, s.has, s.cursor, s.p.Floor, s.max, obs.N); !ok {
			return false, effect{}
		}
		e := effect{take: obs.N, cursor: obs.N + 1, known: s.overlapped(op)}
		if s.pol == model.CyclicAlone && op.Alone {
			e.known = cursorKnown // the number it took is observed
		}
		return true, e
	}
	if op.Kind == model.Alloc && obs.Err == model.EAGAIN && s.polFor(op) == model.Unique && UniqueMayFail(s.has, s.p.Floor, s.max) {
		// A failed alloc changes nothing Unique remembers; under
		// CyclicAlone one that overlapped leaves the cursor unknown.
		return true, effect{known: s.overlapped(op)}
	}
	want, e := s.apply(op)
	if obs.Equal(op.Kind, want) {
		return true, e
	}
	// A disabled allocator may report either of two failures; neither changes state.
	if s.disabled && want.Err != model.OK {
		if (op.Kind == model.Alloc && want.Err == model.EAGAIN && obs.Err == model.ENOMEM) ||
			(op.Kind == model.AllocAt && want.Err == model.EEXIST && obs.Err == model.ENOMEM) {
			return true, effect{known: s.overlapped(op)}
		}
	}
	return false, effect{}
}

// Own implements InPlace: a copy of s that shares no memory with it.
func (s *allocState) Own() InPlace {
	c := *s
	c.taken, c.tail = slices.Clone(s.taken), nil
	return &c
}

// StepInPlace implements InPlace: Step, done to s itself.
func (s *allocState) StepInPlace(op model.Op, obs model.Result) bool {
	ok, e := s.judge(op, obs)
	if ok {
		s.doInPlace(e)
	}
	return ok
}

// ExpectInPlace implements InPlace: Expect, done to s itself.
func (s *allocState) ExpectInPlace(op model.Op) model.Result {
	r, e := s.apply(op)
	s.doInPlace(e)
	return r
}

// doInPlace does e to s itself, taken included.
func (s *allocState) doInPlace(e effect) {
	switch {
	case e.take > 0:
		if i, found := slices.BinarySearch(s.taken, e.take); !found {
			s.taken = slices.Insert(s.taken, i, e.take)
		}
	case e.free > 0:
		if i, found := slices.BinarySearch(s.taken, e.free); found {
			s.taken = slices.Delete(s.taken, i, i+1)
		}
	}
	s.do(e)
}

// Key implements State. The cursor is part of the key only for the Cyclic
// policy, and for CyclicAlone while it is known: the others never read it.
func (s *allocState) Key() string {
	var b strings.Builder
	b.WriteString("max=")
	b.WriteString(strconv.Itoa(s.max))
	switch {
	case s.pol == model.Cyclic || (s.pol == model.CyclicAlone && !s.loose):
		b.WriteString(" cur=")
		b.WriteString(strconv.Itoa(s.cursor))
	case s.pol == model.CyclicAlone:
		b.WriteString(" cur=?")
	}
	if s.disabled {
		b.WriteString(" off")
	}
	b.WriteString(" ")
	b.WriteString(model.FormatInts(s.taken))
	return b.String()
}

// String implements State.
func (s *allocState) String() string {
	st := "enabled"
	if s.disabled {
		st = "disabled"
	}
	return fmt.Sprintf("allocator (%s, %s): pid_max %d, cursor %d, floor %d\ntaken %s", s.pol, st, s.max, s.cursor, s.p.Floor, model.FormatInts(s.taken))
}
