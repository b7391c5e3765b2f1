package idr

import "github.com/pidcheck/pidcheck/model"

// SetTidLookThenTake: alloc_at (clone3's set_tid) looks whether its number
// is free in one hold of the lock and takes it in another, so two
// allocations of the same number both succeed.
//
// clone3's set_tid (commit 49cb2fc42ce4, 5.5) asks alloc_pid for an exact
// number per level: "nr = idr_alloc(&tmp->idr, NULL, tid, tid + 1,
// GFP_ATOMIC)" under pidmap_lock, which tests and takes in one step and
// answers -ENOSPC, reported as EEXIST, when the number is taken. This
// variant is the check-then-act a port gets when it splits that into a
// lookup (idr_find, as /proc or a pidfd would look) and a later insert:
// the test and the set of pidmap-nonatomic-claim, one level up.
//
// The interleaving (pid_max 16, floor 4), threads A, B:
//
//	A alloc_at 7:  lock; 7 is free; unlock
//	B alloc_at 7:  → ok
//	A:             lock; 7 taken; unlock      → ok
//
// Whichever comes second should answer EEXIST. It needs A preempted
// between its look and its take: no sequential run shows it.
const SetTidLookThenTake Bug = "idr-set-tid-look-then-take"

// allocAtLookThenTake is SetTidLookThenTake's alloc_at: the look and the
// take in two holds of the lock.
func (a *Allocator) allocAtLookThenTake(n int) model.Result {
	a.lock.Lock()
	pidMax := int(a.pidMax.Load())
	var r model.Result
	switch {
	case n < 1 || n >= pidMax:
		r = model.Fail(model.EINVAL)
	case a.held(n):
		r = model.Fail(model.EEXIST)
	case a.disabled:
		r = model.Fail(model.ENOMEM)
	}
	a.lock.Unlock()
	if r.Err != model.OK {
		return r
	}
	a.lock.Lock()
	a.take(n)
	a.lock.Unlock()
	return r
}
