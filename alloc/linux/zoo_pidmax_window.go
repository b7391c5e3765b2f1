package linux

// PidmaxWindow is the kernel's own handling of pid_max, and not
// linearizable: alloc_pid reads each level's pid_max once, without a lock
// (READ_ONCE(tmp->pid_max), kernel/pid.c alloc_pid), and nothing looks at
// it again. The task becomes visible only when copy_process attaches it,
// under tasklist_lock; a pid_max write in between (a plain store by
// proc_dointvec_minmax, kernel/pid.c pid_table) can lower pid_max below a
// number already chosen, and the task then appears with a number at or
// above the pid_max of the moment it appeared:
//
//	init: t0 fork t1; t1 fork t2; t0 fork t3       [2] [3] [4]
//	A: t2 fork t4       reads pid_max 16, reserves and publishes 5
//	B: t2 pid_max 5     ok: the root takes numbers < 5 from now on
//	B: t4 fork t6       ESRCH: t4 is not attached yet
//	A:                  attaches t4 → [5]
//
// B's ESRCH puts A's fork after B's second op, hence after the pid_max
// write, where 5 is out of range (and [4, 5) is full: the fork could only
// answer EAGAIN). The same read before the lock lets a fork answer EAGAIN
// for a pid_max that a write has raised before the last free number was
// taken:
//
//	init: t0 fork t1; t0 fork t2; t0 pid_max 5; t0 ns_last_pid 3
//	A: t0 fork t3       reads pid_max 5
//	B: t1 pid_max 16; t1 fork t4      → [4]
//	A:                  [4, 5) is full → EAGAIN
//
// Before B's write 4 was free; after it pid_max is 16. linux re-reads
// pid_max under pidmap_lock for the scan and checks every held number
// again whenever the allocation answers and at the attach, restarting when
// one went out of range; this variant keeps the kernel's behaviour, so the
// checker shows both windows. Found by TestPropertyLinuxConcurrent once its
// scenarios wrote pid_max; the two scenarios are TestZooVariantsFound's
// (linux-pidmax-window, linux-pidmax-window-raised).
var PidmaxWindow Bug = pidmaxWindow{}

// pidmaxWindow is PidmaxWindow's pid_max: read once per level before the
// lock, never checked again.
type pidmaxWindow struct{}

func (pidmaxWindow) String() string     { return "linux-pidmax-window" }
func (b pidmaxWindow) replace(z *seams) { z.pidMaxReads = b }

// bound is READ_ONCE(tmp->pid_max), before the lock: the scan uses that
// copy, however often it is retried.
func (pidmaxWindow) bound(sp *space) (int, bool) { return int(sp.pidMax.Load()), true }

// outOfRange is never true: nothing looks at pid_max again.
func (pidmaxWindow) outOfRange(*pid, int) bool { return false }
