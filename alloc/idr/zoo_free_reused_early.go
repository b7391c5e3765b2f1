package idr

import "github.com/pidcheck/pidcheck/model"

// FreeReusedEarly: free releases a number in two steps — detach, then the
// actual free, in a later hold of the lock — and the search already
// counts a detached number as free, so it is handed out again before the
// late free runs, and that free then takes it from its new owner.
//
// Since 6.15, "pid: perform free_pid() calls outside of tasklist_lock"
// (7903f907a226 in the vfs-6.15.misc branch; it came with the 6.15 pidfs
// and exit work, shared/LINUX-PID.md "Groups, sessions, …"), release_task
// detaches the task's pids under tasklist_lock and calls free_pid only
// after dropping it: for a moment a number stays in the IDR although its
// task is gone. The kernel is right to keep it taken until free_pid
// (idr_remove) runs; an implementation that treats "detached" as "free" —
// a search that skips pids with no task, or a set_tid check that asks
// "does a task have it" rather than "is it in the IDR" — reuses it too
// early, and the late idr_remove then removes the new owner's entry.
//
// The interleaving (pid_max 16, floor 4), threads A, B:
//
//	init:          alloc_at 7
//	A free 7:      lock; 7 detached; unlock
//	B alloc_at 7:  → ok (7 counts as free)
//	A:             lock; 7 freed; unlock       → ok
//	B alloc_at 7:  → ok (spec: EEXIST, B holds 7)
//
// It needs A preempted between its detach and its free: no sequential
// run shows it.
const FreeReusedEarly Bug = "idr-free-reused-early"

// freeLate is FreeReusedEarly's free: detach, then free later.
func (a *Allocator) freeLate(n int) model.Result {
	a.lock.Lock()
	if !a.held(n) {
		a.lock.Unlock()
		return model.Fail(model.EINVAL)
	}
	if a.detached == nil {
		a.detached = map[int]bool{}
	}
	a.detached[n] = true // detach_pid, under tasklist_lock
	a.lock.Unlock()

	a.lock.Lock()
	delete(a.taken, n) // free_pid, after the lock was dropped
	delete(a.detached, n)
	a.lock.Unlock()
	return model.Result{}
}
