package linux

// LeaderFreedTwice frees a delayed group leader's numbers twice when the
// leader and its last thread exit together. The leader exits first (or
// exit_group takes it first) and stays a zombie holding its numbers while a
// thread lives; when that last thread is released, release_task's "the
// leader is a zombie and its group is now empty" branch frees the leader's
// pid at once, as if do_notify_parent had answered "autoreap" — but the
// leader stays on its parent's children list, and the parent's wait then
// releases it again. In between the zombie's number is free: a lookup or
// kill answers ESRCH for a task that is still there, a new task can take
// the number, and the second free_pid then removes the new task's number
// and drops pid_allocated once too often.
//
//	t0 fork t1              [2]
//	t1 thread t2            [3]
//	t2 exit 0               exit_group: t1 a zombie, then t2 released
//	t0 lookup 2             spec t1 (a zombie); LeaderFreedTwice ESRCH
//	t0 wait -1              2 exited 0, freeing 2 a second time
//
// Detected sequentially by porcupine, and by Validate (pid_allocated no
// longer matches the IDR) after the drain. The kernel frees a delayed
// leader once: release_task releases it only when do_notify_parent says
// the parent will never wait for it (kernel/exit.c release_task, "repeat"),
// and then it is unlinked there and nobody's wait can find it.
var LeaderFreedTwice Bug = leaderFreedTwice{}

// leaderFreedTwice is LeaderFreedTwice's delayed leader.
type leaderFreedTwice struct{}

func (leaderFreedTwice) String() string     { return "linux-leader-freed-twice" }
func (b leaderFreedTwice) replace(z *seams) { z.delayedLeader = b }

// groupEmpty frees the zombie leader's numbers, leaving it to its parent's
// wait, which frees them again.
func (leaderFreedTwice) groupEmpty(s *System, leader *task) {
	s.pidmapLock.Lock()
	s.freePid(leader.pid)
	s.pidmapLock.Unlock()
}
