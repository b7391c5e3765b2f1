package idr

import "github.com/pidcheck/pidcheck/model"

// CursorReadUnlocked: alloc reads the cursor in one hold of the lock and
// searches from it in another, so the search can start from a cursor that
// is no longer the cursor.
//
// This is the start of pre-4.15 kernel/pid.c alloc_pidmap: "int i, offset,
// max_scan, pid, last = pid_ns->last_pid;" read with no lock at all, and
// the bitmap scanned from last+1 afterwards. The cmpxchg loop that commit
// 5fdee8c4a5e1 added (pidmap-stale-cursor is its missing half) keeps the
// store of last_pid from going backwards, but the scan itself still starts
// from the stale copy: an allocation racing an allocation and a free hands
// out the number just freed, below the cursor. Commit 95846ecf9dac ("pid:
// replace pid bitmap implementation with IDR API", 4.15) moved the cursor
// into the IDR (idr_alloc_cyclic under pidmap_lock): read, search and
// update in one hold, as the correct allocator does.
//
// The interleaving (pid_max 16, floor 4), threads A, B:
//
//	A alloc:  lock; cursor 0 read; unlock
//	B alloc:  → 1 (cursor 2)
//	B free 1
//	A:        lock; search from 0: 1 is free → 1
//
// At every point of A's interval the cyclic cursor is 0 (only before B's
// alloc) or 2: the spec's answer is 1 only if A comes first, but then B
// would have got 2. It needs A preempted between its two holds, and two of
// B's ops run there: no sequential run shows it.
const CursorReadUnlocked Bug = "idr-cursor-read-unlocked"

// allocCursorReadUnlocked is CursorReadUnlocked's alloc: the cursor read
// in its own hold of the lock.
func (a *Allocator) allocCursorReadUnlocked() model.Result {
	a.lock.Lock()
	last := a.cursor // last = pid_ns->last_pid
	a.lock.Unlock()

	a.lock.Lock()
	defer a.lock.Unlock()
	now := a.cursor
	a.cursor = last
	r := a.alloc(int(a.pidMax.Load()))
	if r.Err != model.OK {
		a.cursor = now // a failed search moves nothing
	}
	return r
}
