package linux

// CloneThreadAfterUnshare lets clone(CLONE_THREAD) through after
// unshare(CLONE_NEWPID) or setns: the new thread's pid is allocated, as
// every clone's is, in the caller's pid_ns_for_children, so it joins the
// caller's thread group from another pid namespace — with numbers in a
// space its own leader is not in, possibly as that space's init (PID 1).
// getpid and gettid then answer from two spaces, and signals, exit_group
// and the space's death cross the namespace boundary with the thread.
//
//	t0 fork t1              [2]
//	t1 unshare
//	t1 thread t2            spec EINVAL; CloneThreadAfterUnshare [3 1]
//
// Detected sequentially by porcupine (Validate also sees a thread outside
// its leader's space). The kernel refuses it at the top of copy_process:
// "if ((clone_flags & CLONE_THREAD) && (task_active_pid_ns(current) !=
// current->nsproxy->pid_ns_for_children)) return ERR_PTR(-EINVAL)"
// (kernel/fork.c; clone(2), EINVAL).
var CloneThreadAfterUnshare Bug = cloneThreadAfterUnshare{}

// cloneThreadAfterUnshare is CloneThreadAfterUnshare's check.
type cloneThreadAfterUnshare struct{}

func (cloneThreadAfterUnshare) String() string     { return "linux-clone-thread-after-unshare" }
func (b cloneThreadAfterUnshare) replace(z *seams) { z.cloneThread = b }

// allowed never refuses.
func (cloneThreadAfterUnshare) allowed(*task) bool { return true }
