package pspace2006

// WaitInner is the zoo variant pspace-wait-inner.
//
// The story: wait reports the reaped child by task_pid_nr — the child's
// number in its own pspace — instead of its number in the waiter's pspace.
// For ordinary children the two agree, so most tests pass; for a child
// that leads a pspace, wait returns 1 (its inner number) instead of its
// wait ID, and the parent, which forked it as [5 1] and waited for 5, is
// told "1 exited 0": the number of its own pspace's init. This is the
// mistake every pid-namespace design had to stamp out (Linux's
// pid_vnr/task_pid_nr_ns split, 2.6.24: "the pid as seen from the current
// namespace"). No interleaving is needed: unshare, fork, exit, wait.
const WaitInner Bug = "pspace-wait-inner"
