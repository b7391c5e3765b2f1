package linux

// ExecNoExchange is de_thread without exchange_tids: exec from a non-leader
// thread hands it the leader's place (its parent, its spot among the
// siblings, the group) but each task keeps its own struct pid, and the old
// leader is released with its own numbers. So the process' number is freed
// and the process carries on under the exec'ing thread's TID: getpid
// changes across the exec, the parent's wait reports a number it never
// forked, and the old TGID can be given to a newcomer while the process
// lives.
//
//	t0 fork t1              [2]
//	t1 thread t2            [3]
//	t2 exec
//	t2 getpid               spec 2 (the TGID survives exec); ExecNoExchange 3
//
// Detected sequentially by porcupine. The kernel swaps the two tasks'
// PIDTYPE_PID links under tasklist_lock (kernel/exec.c de_thread →
// kernel/pid.c exchange_tids, then transfer_pid for the TGID), so the
// exec'ing thread takes the leader's numbers in every level and the old
// leader is released holding the thread's old ones. (Before exchange_tids,
// Eric W. Biederman's rework, de_thread moved the thread onto the leader's
// pid with change_pid(tsk, PIDTYPE_PID, task_pid(leader)), the old leader
// sharing it until release_task: the TGID survived then too.)
var ExecNoExchange Bug = execNoExchange{}

// execNoExchange is ExecNoExchange's de_thread.
type execNoExchange struct{}

func (execNoExchange) String() string     { return "linux-exec-no-exchange" }
func (b execNoExchange) replace(z *seams) { z.deThread = b }

// exchange takes over the leadership without swapping the pids, and
// releases the old leader with the TGID.
func (execNoExchange) exchange(s *System, t, old *task) {
	takeLeadership(t, old)
	s.reap(old)
}
