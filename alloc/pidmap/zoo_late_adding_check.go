package pidmap

import "github.com/pidcheck/pidcheck/model"

// LateAddingCheck: whether the space still accepts tasks is checked after
// the number is claimed, and the claim is undone if it does not.
//
// This is the shape of the kernel itself: alloc_pid claims the number
// (alloc_pidmap before 4.15, idr_alloc since), and only afterwards, under
// pidmap_lock, checks PIDNS_ADDING (PIDNS_HASH_ADDING before 4.15) and
// releases the number when the space's init has died. Between the claim
// and the release the number is visibly taken by an allocation that, in
// the end, never happened: a free of it succeeds, an alloc_at of it says
// EEXIST, and no order of the operations explains that. In the kernel the
// window is harmless (the process level never frees a number it did not
// hand out, and set_tid's EEXIST is advisory), but as an allocator it is
// not linearizable, which is why the correct pidmap checks "disabled"
// under the same lock that disable takes, before it claims.
//
// The interleaving (pid_max 16, floor 4), threads A and B, a fresh space:
//
//	A alloc:     claims 1 (pidmap[0] |= 1<<1)
//	B disable:                                    → ok
//	B free 1:    pidmap[0] &^= 1<<1: was set      → ok
//	A:           disabled: releases 1             → ENOMEM
//
// A's ENOMEM says A never held 1, so B's free of 1 must fail (EINVAL).
// The fix is the correct pidmap's: check the flag before claiming, under a
// lock that disable takes exclusively.
const LateAddingCheck Bug = "pidmap-late-adding-check"

// allocCheckAfter is alloc with LateAddingCheck's check after the claim.
func (a *Allocator) allocCheckAfter() model.Result {
	a.adding.RLock()
	n := a.allocPidmap(a.pidMax)
	a.adding.RUnlock()
	if n < 0 {
		return model.Fail(model.EAGAIN)
	}
	if a.dying() {
		w, mask := a.word(n)
		w.And(^mask)
		return model.Fail(model.ENOMEM)
	}
	return model.Result{N: n}
}

// allocAtCheckAfter is set_tid's path with the same late check.
func (a *Allocator) allocAtCheckAfter(n int) model.Result {
	a.adding.RLock()
	if n < 1 || n >= a.pidMax {
		a.adding.RUnlock()
		return model.Fail(model.EINVAL)
	}
	w, mask := a.word(n)
	old := w.Or(mask)
	a.adding.RUnlock()
	if old&mask != 0 {
		return model.Fail(model.EEXIST)
	}
	if a.dying() {
		w.And(^mask)
		return model.Fail(model.ENOMEM)
	}
	return model.Result{}
}

// dying reads the disabled flag under pidmap_lock (here: adding, held
// exclusively, as disable holds it).
func (a *Allocator) dying() bool {
	a.adding.Lock()
	defer a.adding.Unlock()
	return a.disabled
}
