package linux

// PgidFreedEarly frees a process-group leader's numbers when the leader is
// reaped, although its struct pid is still the process group of living
// members: detach_pid checks only PIDTYPE_PID before free_pid. The number
// is then handed to the next fork while the old group still answers to it,
// so kill(-n) or wait(-n) meant for the old group reaches the new task, the
// classic PID-reuse race that the per-type hlists in struct pid exist to
// prevent.
//
//	t0 fork t1; t1 setpgid 0 0; t1 fork t2    t2 is in group 2
//	t1 exit 0; t0 wait 2                      spec: 2 stays taken (t2's group)
//	t0 ns_last_pid 1; t0 fork t3              spec [4]; PgidFreedEarly [2]
//
// Detected sequentially by porcupine (golden file groups, checked on 6.18:
// the fork after the leader's reap skips its number). The kernel keeps the
// pid (kernel/pid.c free_pid runs from put_pid's last reference, and
// __change_pid frees only "if pid_has_task(pid, tmp) ... return" fails for
// every type).
var PgidFreedEarly Bug = pgidFreedEarly{}

// pgidFreedEarly is PgidFreedEarly's pid attachments.
type pgidFreedEarly struct{}

func (pgidFreedEarly) String() string     { return "linux-pgid-freed-early" }
func (b pgidFreedEarly) replace(z *seams) { z.pidRefs = b }

// held looks at the task attachment only: a reaped task's pid is never
// held.
func (pgidFreedEarly) held(*pid) bool { return false }
