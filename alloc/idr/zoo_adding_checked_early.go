package idr

import "github.com/pidcheck/pidcheck/model"

// AddingCheckedEarly: alloc looks at "the space takes no more tasks"
// (disable, PIDNS_ADDING cleared when the space's init dies) in its own
// hold of the lock, before the search and the claim, and not again: a
// disable that lands in between is not obeyed.
//
// This is the window commit 3fd37226216620 (2017, "pidns: Don't start
// children in a dying pid namespace", shared/LINUX-PID.md race 7) closed
// in copy_process: alloc_pid checked PIDNS_ADDING, but the task was
// attached later, after zap_pid_ns_processes had cleared PIDNS_ADDING and
// swept the space, so a fork (or a setns/unshare'd task's first child)
// entered a dead space. The check must be in the same critical section as
// the step that makes the number count: alloc_pid checks it while
// publishing under pidmap_lock, copy_process again under tasklist_lock,
// and the correct allocator checks disabled in the same hold as the claim.
//
// The interleaving (pid_max 16, floor 4), threads A, B:
//
//	init:          alloc; alloc; free 2        → 1, 2; cursor 3
//	A alloc:       lock; not disabled; unlock
//	B disable:     ok
//	B set_cursor 1: ok, cursor 2
//	A:             lock; 2 claimed; unlock     → 2
//
// A's 2 comes from the cursor B set after the disable, so A took effect
// after it, when every alloc answers ENOMEM. No sequential run shows it
// (an early look at a disabled space takes the correct path).
const AddingCheckedEarly Bug = "idr-adding-checked-early"

// allocAddingCheckedEarly is AddingCheckedEarly's alloc: disabled read in
// a hold of its own.
func (a *Allocator) allocAddingCheckedEarly() model.Result {
	a.lock.Lock()
	dead := a.disabled
	a.lock.Unlock()

	a.lock.Lock()
	defer a.lock.Unlock()
	if dead {
		return a.alloc(int(a.pidMax.Load())) // the correct path's answer
	}
	was := a.disabled
	a.disabled = false // the search and claim trust the early look
	r := a.alloc(int(a.pidMax.Load()))
	a.disabled = was
	return r
}
