package linux

// ExecLateRelease is de_thread's own shape in the kernel: the exchange
// (exchange_tids, transfer_pid, list_replace; the old leader marked
// EXIT_DEAD) is done under tasklist_lock, the lock is dropped, and only then
// is the old leader released (release_task takes tasklist_lock again). In
// the window the new leader is published with the TGID while the old
// leader still holds the exec'ing thread's old number in every level: a
// lookup of that number finds the dead leader, translating the old leader
// answers the thread's old number, and a fork that needs that number (the
// last free one) answers EAGAIN — none of which any order of the exec and
// the other op gives (before the exec the number is the thread's and the
// leader has the TGID; after it the number is free and the leader gone).
//
//	init: t0 fork t1; t1 thread t2      [2] [3]
//	A: t2 exec          exchanges under the lock, drops it
//	B: t0 lookup 3      spec t2 (before) or ESRCH (after); ExecLateRelease t1
//	A:                  releases t1, freeing 3
//
// Detected by porcupine under a schedule that runs B in the window (the
// corpus trace: pid_max 6, a fork by the exec'ing thread itself, from
// another harness thread, answers EAGAIN in the window). linux
// releases the old leader in the same hold of tasklist_lock as the
// exchange, so the exec is one step (see the package doc, "Threads").
var ExecLateRelease Bug = execLateRelease{}

// execLateRelease is ExecLateRelease's de_thread.
type execLateRelease struct{}

func (execLateRelease) String() string     { return "linux-exec-late-release" }
func (b execLateRelease) replace(z *seams) { z.deThread = b }

// exchange swaps the pids and hands over the leadership under the lock,
// then releases the old leader in a second hold of it.
func (execLateRelease) exchange(s *System, t, old *task) {
	exchangeTids(t, old)
	takeLeadership(t, old)
	s.tasklistLock.Unlock()
	s.tasklistLock.Lock() // release_task(leader)
	s.reap(old)
}
