package linux

// InflightVisible is exactly what the kernel does, and not linearizable: a
// number held only by a fork still under way (reserved in alloc_pid, or
// published but not yet attached by copy_process) is simply taken for
// everyone else. When that fork then fails, another fork has already
// answered as if it had succeeded:
//
//	init: t0 unshare; t0 fork t1; t0 fork t3   t1 [2 1] is s1's init, t3 [3 2]
//	A: t0 fork t2             reserves s1's 3 (cyclic), then s0's 4
//	C: t0 fork t4 tid=3       EEXIST: s1's 3 is A's
//	B: t1 exit 0              zap s1: PIDNS_ADDING cleared
//	A:                        publish refused → ENOMEM
//
// C's EEXIST needs s1's 3 taken, which only A's fork ever took, and A
// failed: before B, C's set_tid fork succeeds; after B, s1 answers ENOMEM.
// No order fits. The same holds for EAGAIN when the last free numbers are
// in flight, and for the 2 a fork gets in a fresh space while another fork
// holds its 1 and then fails (the space never gets an init). linux waits
// instead (reserveWaiting) until the other fork is attached or undone; this
// variant keeps the kernel's behaviour, so the checker shows the finding.
// (The parents stay alive here: a fork whose parent dies while it is under
// way answers ESRCH, whatever it found.) Found by random scheduling against
// spec.Linux(unique); the scenario is TestZooVariantsFound's.
var InflightVisible Bug = inflightVisible{}

// inflightVisible is InflightVisible's answer to a number in flight: at
// once.
type inflightVisible struct{}

func (inflightVisible) String() string     { return "linux-inflight-visible" }
func (b inflightVisible) replace(z *seams) { z.inFlight = b }

func (inflightVisible) defers() bool { return false }
