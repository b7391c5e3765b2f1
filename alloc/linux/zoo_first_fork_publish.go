package linux

// FirstForkPublish forgets to reset a new space's cursor when its first
// fork fails. The first fork reserves number 1 in the new space, then fails
// at an outer level (that level is full, or set_tid asks for a taken
// number); the unwind removes the 1 but the cursor stays at 2. The next fork
// gets 2: the space has tasks but no init, nobody reaps its orphans, and
// set_tid asks for numbers in a space with no child_reaper.
//
//	t0 pid_max 6
//	t0 fork t1 … t0 fork t4 [2] [3] [4] [5]: the root is full
//	t0 unshare
//	t0 fork t5              EAGAIN at the root; s1's 1 is removed, its cursor left at 2
//	t3 exit 0; t0 wait 4    "4 exited 0"
//	t0 fork t6              spec [4 1]; FirstForkPublish [4 2]
//
// (set_tid cannot show it: idr_alloc for an exact number leaves the cursor
// alone.)
// Detected sequentially by porcupine. Fix: kernel/pid.c alloc_pid's
// out_free path "On failure to allocate the first pid, reset the state"
// (idr_set_cursor(&ns->idr, 0) while pid_allocated == PIDNS_ADDING), with
// free_pid's "Handle a fork failure of the first process" for a failure
// after alloc_pid.
var FirstForkPublish Bug = firstForkPublish{}

// firstForkPublish is FirstForkPublish's out_free: today's, without the
// reset.
type firstForkPublish struct{ today }

func (firstForkPublish) String() string     { return "linux-first-fork-publish" }
func (b firstForkPublish) replace(z *seams) { z.outFree = b }

// resetFirst leaves the cursor where the failed first fork put it.
func (firstForkPublish) resetFirst(*space) {}
