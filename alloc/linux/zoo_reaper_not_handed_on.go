package linux

// ReaperNotHandedOn does not pass a multi-threaded init's child-reaper role
// to another live thread: find_child_reaper treats the exiting reaper
// thread as the end of init, and zap_pid_ns_processes kills the space
// (and init's other threads with it) although init's group still has a
// live thread. A program whose main thread exits with pthread_exit while
// its workers run — a common way to write a container's init — takes its
// whole container down.
//
//	t0 unshare
//	t0 fork t1              [2 1]
//	t1 thread t2            [3 2]
//	t1 exit_thread 0        spec: t2 is the reaper, the space lives
//	t2 getpid               spec 1; ReaperNotHandedOn ESRCH (t2 was killed)
//
// Detected sequentially by porcupine. The kernel hands the role on
// (kernel/exit.c find_child_reaper: "reaper = find_alive_thread(father);
// if (reaper) { pid_ns->child_reaper = reaper; return reaper; }") and zaps
// the space only when no thread of init's group is alive.
var ReaperNotHandedOn Bug = reaperNotHandedOn{}

// reaperNotHandedOn is ReaperNotHandedOn's hand-on.
type reaperNotHandedOn struct{}

func (reaperNotHandedOn) String() string     { return "linux-reaper-not-handed-on" }
func (b reaperNotHandedOn) replace(z *seams) { z.reaperHandOn = b }

// heir gives a space's exiting reaper no heir; any other thread's is the
// first live thread.
func (reaperNotHandedOn) heir(t *task) *task {
	if t.ns.init == t {
		return nil
	}
	return t.group.firstLive()
}
