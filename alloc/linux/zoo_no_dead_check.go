package linux

// NoDeadCheck is the kernel before 2012: nothing stops a new task from
// entering a space whose init has died. alloc_pid publishes without looking
// at PIDNS_ADDING, and copy_process has no re-check either (that came in
// 2017). After the init died and the zap swept the space, setns (or an
// earlier unshare) plus fork puts a live task into the dead space: it has no
// reaper, the zap never sees it, and the dead init can never be reaped.
//
//	t0 unshare
//	t0 fork t1              [2 1]   t1 is s1's init
//	t1 exit 0
//	t0 fork t2              spec ENOMEM; NoDeadCheck [3 2]
//
// Detected sequentially by porcupine, and by Validate ("live task in a
// space whose init died"). Fix: commit c876ad768215 ("pidns: Stop pid
// allocation when init dies", Eric W. Biederman, 2012) added PIDNS_HASH_ADDING
// and the check in alloc_pid that answers ENOMEM.
var NoDeadCheck Bug = noDeadCheck{}

// noDeadCheck is NoDeadCheck's PIDNS_ADDING checks: none.
type noDeadCheck struct{}

func (noDeadCheck) String() string     { return "linux-no-dead-check" }
func (b noDeadCheck) replace(z *seams) { z.adding = b }

func (noDeadCheck) allocPidAccepts(*space) bool    { return true }
func (noDeadCheck) copyProcessAccepts(*space) bool { return true }
