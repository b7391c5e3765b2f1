package idr

import "github.com/pidcheck/pidcheck/model"

// SetTidErrno: alloc_at (clone3's set_tid) that finds the space dying
// after it claimed its number answers EPERM, the error its earlier step
// left behind, instead of ENOMEM.
//
// Commit 49cb2fc42ce4 ("fork: extend clone3() to support setting a PID",
// 5.5) set retval = -EPERM in alloc_pid's per-level loop for the
// checkpoint_restore_ns_capable check; the checks after the loop, the
// PIDNS_ADDING one among them, returned retval assuming it was still
// -ENOMEM. Commit b26ebfe12f34 ("pid: Fix error return value in some
// cases", 5.6, Corey Minyard) set retval back to -ENOMEM after the loop;
// the kselftest regression_enomem (tools/testing/selftests/pid_namespace)
// pins it, citing also 35f71bc0a09a ("fork: report pid reservation failure
// properly"), which had made copy_process pass alloc_pid's own error up.
//
// Here the claim and the PIDNS_ADDING check are two holds of the lock, as
// alloc_pid's reservation and its publish are: a disable that lands in
// between makes the publish fail, and the number is released with EPERM.
// The correct allocator claims and checks in one hold (ok, or ENOMEM). The
// interleaving (pid_max 16, floor 4), threads A, B:
//
//	A alloc_at 7:  lock; 7 free, space accepting, 7 claimed; unlock
//	B disable:     ok
//	A:             lock; disabled: 7 released; unlock    → EPERM
//
// ok (before the disable) or ENOMEM (after it) would do; EPERM fits no
// point. It needs A preempted between its holds: no sequential run shows
// it.
const SetTidErrno Bug = "idr-set-tid-errno"

// allocAtPublishLate is SetTidErrno's alloc_at: claim, then the
// PIDNS_ADDING check with the wrong errno.
func (a *Allocator) allocAtPublishLate(n int) model.Result {
	a.lock.Lock()
	r := a.allocAt(n, int(a.pidMax.Load()))
	a.lock.Unlock()
	if r.Err != model.OK {
		return r
	}
	a.lock.Lock()
	defer a.lock.Unlock()
	if a.disabled {
		delete(a.taken, n)
		return model.Fail(model.EPERM) // retval, left at -EPERM by the loop
	}
	return r
}
