package linux

// KillAllLeak is CVE-2009-1338: kill(-1) chose its targets by their number
// in the root space ("p->pid > 1") instead of in the sender's space, so a
// task inside a container signalled every task on the host except the
// root's init.
//
//	t0 fork t1              [2]      t1 lives in the root space only
//	t0 unshare
//	t0 fork t2              [3 1]    s1's init
//	t2 fork t3              [4 2]
//	t3 kill -1 9            spec ESRCH (t3 sees only t2, number 1, and
//	                        itself); KillAllLeak ok, and t1 is dead
//
// Detected sequentially by porcupine. Fix: commit d25141a818e6 ("'kill sig
// -1' must only apply to caller's namespace", 2009): kill_something_info
// tests task_pid_vnr(p) > 1, the number in the sender's space.
var KillAllLeak Bug = killAllLeak{}

// killAllLeak is KillAllLeak's kill(-1).
type killAllLeak struct{}

func (killAllLeak) String() string     { return "linux-kill-all-leak" }
func (b killAllLeak) replace(z *seams) { z.killAll = b }

// targets is kill(-1)'s target set by root numbers, "p->pid > 1" (every
// process but the sender's own, as today's).
func (killAllLeak) targets(order []*task, sender *task) []*task {
	var out []*task
	for _, v := range order {
		if v.group.leader == v && v.group != sender.group && v.pid.numbers[0].nr > 1 {
			out = append(out, v)
		}
	}
	return out
}
