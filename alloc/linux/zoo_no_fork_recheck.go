package linux

// NoForkRecheck drops copy_process's second look at PIDNS_ADDING. alloc_pid
// checks it while publishing, but the new task is attached to its pid (and
// becomes visible to the zap's sweep) only later, under tasklist_lock. If
// the space's init dies in between, the sweep SIGKILLs every task it finds —
// the new pid has no task yet, so it is skipped — and then the fork attaches
// a live task in a dead space. Nothing will ever kill it; the zap waits for
// its number forever.
//
//	init: t0 unshare; t0 fork t1            t1 is s1's init
//	B: t0 fork t2    alloc_pid: s1 accepting, publishes [3 2]
//	A: t1 exit 0     zap s1: disable, sweep (t2's pid has no task: skipped)
//	B:               attach t2, live           → [3 2]
//	post: t2 getpid  2; spec: if the fork came first t2 was killed (ESRCH),
//	                 if the exit came first the fork failed (ENOMEM)
//
// Only a concurrent run shows it: porcupine finds no linearization, Validate
// sees a live task in a dead space. Fix: commit 3fd37226216620 (2017) added
// "Don't start children in a dying pid namespace" to copy_process, under
// tasklist_lock, answering ENOMEM.
var NoForkRecheck Bug = noForkRecheck{}

// noForkRecheck is NoForkRecheck's PIDNS_ADDING checks: alloc_pid's only.
type noForkRecheck struct{ today }

func (noForkRecheck) String() string     { return "linux-no-fork-recheck" }
func (b noForkRecheck) replace(z *seams) { z.adding = b }

func (noForkRecheck) copyProcessAccepts(*space) bool { return true }
