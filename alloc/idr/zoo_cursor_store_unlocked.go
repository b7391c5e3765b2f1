package idr

import "github.com/pidcheck/pidcheck/model"

// CursorStoreUnlocked: alloc claims its number under the lock and stores
// the cursor afterwards, in a hold of its own, so the cursor can go
// backwards: the last_pid race of pre-3.3 alloc_pidmap at the IDR's layer.
//
// Before commit 5fdee8c4a5e1 (2012), alloc_pidmap claimed a bit with
// test_and_set_bit and then stored "pid_ns->last_pid = pid" plainly (LTP
// fork13 caught it): two allocations that claim c and c+1 can store their
// cursors in the wrong order, and after c+1 is freed the next allocation
// gets c+1 again at once. pidmap-stale-cursor is that bug in the bitmap
// allocator; this is the same store moved out of the IDR's critical
// section (idr_set_cursor after spin_unlock(&pidmap_lock)). The fix in
// 5fdee8c4a5e1 was a cmpxchg loop that keeps the later value across
// wrap-around; in 4.15 (95846ecf9dac) idr_alloc_cyclic updates the cursor
// in the same hold as the claim, as the correct allocator does.
//
// The interleaving (pid_max 16, floor 4), threads A, B:
//
//	A alloc:  lock; 1 claimed; unlock          (cursor not yet stored)
//	B alloc:  → 2, cursor 3
//	A:        lock; cursor := 2; unlock        → 1
//	B free 2
//	B alloc:  → 2 (spec: 3, the cursor is past 2)
//
// It needs A preempted between the claim and the store, with B's alloc in
// between: no sequential run shows it.
const CursorStoreUnlocked Bug = "idr-cursor-store-unlocked"

// allocCursorStoreUnlocked is CursorStoreUnlocked's alloc: the cursor
// stored in a second hold of the lock.
func (a *Allocator) allocCursorStoreUnlocked() model.Result {
	a.lock.Lock()
	before := a.cursor
	r := a.alloc(int(a.pidMax.Load()))
	a.cursor = before // the store comes later
	a.lock.Unlock()
	if r.Err != model.OK {
		return r
	}
	a.lock.Lock()
	a.cursor = r.N + 1 // pid_ns->last_pid = pid
	a.lock.Unlock()
	return r
}
