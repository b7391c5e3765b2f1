package idr

import "github.com/pidcheck/pidcheck/model"

// FreeCheckThenClear: free looks whether its number is allocated in one
// hold of the lock and clears it in another, so two frees of one number
// both succeed, and the second can free the number of a task that took it
// in between.
//
// In the kernel a task's numbers are freed by exactly one release_task,
// however many paths race to reap it (its parent's wait, a dying init's
// zap_pid_ns_processes, an autoreaping SIGCHLD ignore): kernel/exit.c
// wait_task_zombie claims the zombie with "cmpxchg(&p->exit_state,
// EXIT_ZOMBIE, state) != EXIT_ZOMBIE" and only the winner releases it. A
// check of exit_state followed by a separate store — or, at this layer, a
// test of the number's bit under one hold and the clear under another —
// lets both reapers through; linux-leader-freed-twice is the sequential
// cousin (a leader freed by two paths one after the other).
//
// The interleaving (pid_max 16, floor 4), threads A, B:
//
//	init:     alloc_at 7
//	A free 7: lock; 7 is allocated; unlock
//	B free 7: → ok
//	A:        lock; 7 cleared; unlock       → ok
//
// Whichever free comes second should answer EINVAL. It needs A preempted
// between its test and its clear: no sequential run shows it.
const FreeCheckThenClear Bug = "idr-free-check-then-clear"

// freeCheckThenClear is FreeCheckThenClear's free: test, then clear in a
// second hold.
func (a *Allocator) freeCheckThenClear(n int) model.Result {
	a.lock.Lock()
	ok := a.held(n)
	a.lock.Unlock()
	if !ok {
		return model.Fail(model.EINVAL)
	}
	a.lock.Lock()
	delete(a.taken, n)
	a.lock.Unlock()
	return model.Result{}
}
