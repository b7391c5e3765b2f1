package linux

// PublishEarly publishes every level of a new pid as soon as it is reserved:
// idr_alloc stores the struct pid instead of NULL and pid_allocated is
// counted at once, so the final loop of alloc_pid has nothing left to do but
// the PIDNS_ADDING check. Two things go wrong. A lookup (find_pid_ns) can now
// find a half-built pid whose outer levels are not set yet — the reason the
// kernel reserves with a NULL entry ("Store a null pointer so find_pid_ns
// does not find a partially initialized PID", kernel/pid.c alloc_pid). And
// the failure path must now undo a published, counted number, so it goes
// through free_pid's bookkeeping — whose "Handle a fork failure of the first
// process" case clears pid_allocated when a count falls back to bare
// PIDNS_ADDING. The first fork into a new space that fails at an outer level
// therefore kills the space: every later fork into it gets ENOMEM.
//
//	t0 unshare
//	t0 fork t1 tid=1,1      EEXIST (root 1 is t0); s1's 1 was published, then freed
//	t0 fork t2              spec [2 1]; PublishEarly ENOMEM
//
// Detected sequentially by porcupine against spec.Linux. The fix is today's
// code: reserve with NULL, publish (idr_replace) only after every level
// succeeded, under pidmap_lock, after the PIDNS_ADDING check.
var PublishEarly Bug = publishEarly{}

// publishEarly is PublishEarly's publication.
type publishEarly struct{}

func (publishEarly) String() string     { return "linux-publish-early" }
func (b publishEarly) replace(z *seams) { z.publication = b }

// reserve stores nr for p published and counted.
func (publishEarly) reserve(sp *space, p *pid, nr int) {
	sp.idr[nr] = p
	sp.setAllocated(sp.allocated + 1)
}

// publish has nothing left to do: reserve published and counted it.
func (publishEarly) publish(upid, *pid) {}

// unreserve undoes a published, counted number, through free_pid's
// bookkeeping.
func (publishEarly) unreserve(u upid) { freeLevel(u, false) }
