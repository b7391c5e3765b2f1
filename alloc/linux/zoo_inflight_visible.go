package linux

// InflightVisible is exactly what the kernel does, and not linearizable: a
// number held only by a fork still under way (reserved in alloc_pid, or
// published but not yet attached by copy_process) is simply taken for
// everyone else. When that fork then fails, another fork has already
// answered as if it had succeeded:
//
//	A: t0 fork t2             reserves s0's 2 (cyclic)
//	B: t0 exit 0              zap s0: PIDNS_ADDING cleared, all killed
//	A:                        publish refused → ENOMEM; t0 is dead → ESRCH
//	C: t0 fork t1 tid=2       (earlier, while 2 was A's) EEXIST
//
// C's EEXIST needs A's 2 to be taken, so C comes after A; A's ESRCH needs
// t0 dead, so A comes after B; C's success-or-EEXIST needs t0 alive, so C
// comes before B. No order fits. The same holds for EAGAIN when the last
// free numbers are in flight, and for the 2 a fork gets in a fresh space
// while another fork holds its 1 and then fails (the space never gets an
// init). linux waits instead (reserveWaiting) until the other fork is
// attached or undone; this variant keeps the kernel's behaviour, so the
// checker shows the finding. Found by random scheduling against
// spec.Linux(unique); the scenario is TestZooVariantsFound's.
const InflightVisible Bug = 9
