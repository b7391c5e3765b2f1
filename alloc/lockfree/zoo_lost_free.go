package lockfree

import "github.com/pidcheck/pidcheck/checker/sched"

// LostFree: free clears its bit with a load, a mask and a store.
//
// What goes wrong: clear_bit written as "w = word; word = w &^ bit" is not
// atomic. An allocation that sets another bit of the same word between the
// load and the store is undone by the store: its number is handed out and
// still looks free, so a later allocation hands it out again. (The kernel's
// free_pidmap has always used the atomic clear_bit; the same shape of bug
// is the classic lost update on a shared bitmap word.)
//
// The interleaving (pid_max 16, floor 4), threads A and B:
//
//	main: alloc ×3                       → 1, 2, 3
//	A free 1:  reads bitmap[0] = {1,2,3}
//	B alloc:   fetch-or bit 4             → 4
//	A:         bitmap[0] := {2,3}          → ok   (bit 4 is gone)
//	main: alloc_at 4                      → ok   (spec: EEXIST, B holds 4)
//
// The fix: clear the bit with one atomic AND (test_and_clear_bit), as free
// does.
const LostFree Bug = "lockfree-lost-free"

// clearNonAtomic is LostFree's clear_bit: a load, then a store.
func (a *Allocator) clearNonAtomic(w sched.Int64, mask int64) int64 {
	old := w.Load()
	w.Store(old &^ mask)
	return old
}
