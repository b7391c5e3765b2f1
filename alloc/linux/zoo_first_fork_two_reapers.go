package linux

// FirstForkTwoReapers decides that a new task is its space's child reaper
// from what the fork saw when it began — "the space has no init yet" —
// rather than from the number it got. Two tasks that joined one init-less
// space (setns to the pidfd's PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE) and
// fork at once both see no init: the first gets 1 and becomes the reaper,
// the second, waiting for it, gets 2 and becomes the reaper as well, in its
// place. The space now has an init that is not PID 1: signals from inside
// kill PID 1, orphans go to 2, and when 2 dies the space dies with it.
//
//	init: t0 fork t1; t1 unshare; t0 fork t2; t2 setns_children t1; t0 setns_children t1
//	A: t0 fork t3             sees no init, reserves 1 … attaches [3 1]: reaper
//	B: t2 fork t4             sees no init, waits for A, gets 2 … [4 2]: reaper
//	B: t4 exit 0              spec: t3 lives; FirstForkTwoReapers: the space dies
//	post: t3 getpid           spec 1; FirstForkTwoReapers ESRCH
//
// Needs the two forks to overlap (Validate's "child reaper numbered 1"
// catches it at the end of any run where both attached). The kernel
// decides by the number: kernel/fork.c copy_process "if
// (is_child_reaper(pid))", is_child_reaper being "pid->numbers[pid->level].nr
// == 1".
var FirstForkTwoReapers Bug = firstForkTwoReapers{}

// firstForkTwoReapers is FirstForkTwoReapers's child reaper choice.
type firstForkTwoReapers struct{}

func (firstForkTwoReapers) String() string     { return "linux-first-fork-two-reapers" }
func (b firstForkTwoReapers) replace(z *seams) { z.childReaper = b }

// becomesInit trusts the look taken when the fork began.
func (firstForkTwoReapers) becomesInit(_ *space, _ int, sawNoInit bool) bool { return sawNoInit }
