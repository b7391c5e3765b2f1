package linux

// KilledFirstFork is the kernel's own behaviour when the first fork into a
// space is cancelled after alloc_pid published its numbers (its parent
// killed under it: copy_process's fatal_signal_pending check, answered
// here as ESRCH): bad_fork_free_pid calls free_pid, and free_pid's
// "case PIDNS_ADDING: /* Handle a fork failure of the first process */
// ns->pid_allocated = 0" leaves the space refusing every task from then
// on. Before setns_children nobody could see it (only the killed unsharer
// forked there); a task that joined the same init-less space now gets
// ENOMEM for a space that, in any atomic order, never had an init to die:
//
//	init: t0 fork t1; t0 unshare; t1 setns_children t0
//	A: t1 fork t3            reserves and publishes 1 in s1
//	B: t0 kill 2 9           t1 dies
//	A:                       parent dead: ESRCH, free_pid disables s1
//	B: t0 fork t4            ENOMEM (spec: [x 1], t4 is s1's init)
//
// Found by pidcheck check on linux while the groups, sessions and reaping model landed (kernel/pid.c
// free_pid, kernel/fork.c copy_process → bad_fork_free_pid), and checked
// on 6.18.44 as root inside unshare -p -f --mount-proc: U unshares and
// never forks, J joins U's children space with
// PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE and setns and forks (its child
// would pause), the parent SIGKILLs J after a random spin; in 3 of 300
// tries J died before its fork returned and U's own fork then answered
// ENOMEM. spec.Linux does not allow that (the killed fork changes
// nothing), so linux undoes the fork instead (retract); reported to the
// spec's owner.
var KilledFirstFork Bug = killedFirstFork{}

// killedFirstFork is KilledFirstFork's cancelled fork.
type killedFirstFork struct{}

func (killedFirstFork) String() string     { return "linux-killed-first-fork" }
func (b killedFirstFork) replace(z *seams) { z.cancelledFork = b }

// undo is free_pid, with its first-process rule.
func (killedFirstFork) undo(s *System, p *pid, _ *space) { s.freePid(p) }
