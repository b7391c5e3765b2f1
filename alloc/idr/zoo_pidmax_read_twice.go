package idr

import "github.com/pidcheck/pidcheck/model"

// PidMaxReadTwice: pid_max is read before the lock, so a set_max that lands
// between that read and the allocation is not obeyed.
//
// The correct allocator reads pid_max under idr.lock, which set_max also
// takes: the bound check and the allocation see one value. This variant
// has the shape of kernel/pid.c alloc_pid, which reads
// READ_ONCE(tmp->pid_max) before spin_lock(&pidmap_lock), checks set_tid
// against that copy, and then allocates with it; the second, authoritative
// read of pid_max (the one set_max's writer expects every later allocation
// to honour) never happens. A concurrent decrease of pid_max lands between
// the read and the allocation, and the allocation returns a number at or
// above the new limit (race 10 in shared/LINUX-PID.md).
//
// The interleaving the checker finds (pid_max 16, floor 4), threads A, B:
//
//	main: alloc_at 10                                  → ok
//	A alloc_at 10: reads pid_max 16 (no lock): 10 < 16, in range
//	B set_max 8:   lock; pid_max := 8; unlock          → ok
//	B free 10:     lock; 10 allocated, freed; unlock   → ok
//	A:             lock; 10 is free: taken; unlock     → ok
//
// Before B's set_max, 10 was taken (A should get EEXIST); after B's free,
// 10 is out of range (EINVAL): "ok" fits no point of A's interval. The
// same window lets alloc return a number at or above the new pid_max.
//
// The fix: read pid_max once, under the same lock as the allocation and as
// set_max (or re-check the result against a fresh read and undo it).
const PidMaxReadTwice Bug = "idr-pidmax-read-twice"

// allocReadOutside is alloc bounded by PidMaxReadTwice's read of pid_max
// before the lock.
func (a *Allocator) allocReadOutside() model.Result {
	pidMax := int(a.pidMax.Load()) // the read before the lock
	a.lock.Lock()
	defer a.lock.Unlock()
	return a.alloc(pidMax)
}

// allocAtReadOutside is set_tid's range check against the copy read
// before the lock, as alloc_pid does.
func (a *Allocator) allocAtReadOutside(n int) model.Result {
	pidMax := int(a.pidMax.Load())
	a.lock.Lock()
	defer a.lock.Unlock()
	return a.allocAt(n, pidMax)
}
