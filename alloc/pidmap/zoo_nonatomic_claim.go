package pidmap

import "github.com/pidcheck/pidcheck/checker/sched"

// NonatomicClaim: "is the bit clear?" and "set the bit" are two steps.
//
// What goes wrong: the scan reads the bitmap word, sees a clear bit and sets
// it with an atomic OR whose old value it ignores — test_bit followed by
// set_bit instead of test_and_set_bit. Two allocators that read the word
// before either sets the bit both "win" the same number (race 2 in
// shared/LINUX-PID.md).
//
// The interleaving (pid_max 16, floor 4), threads A and B, a fresh space:
//
//	A alloc: last_pid 0; reads pidmap[0] = 0: bit 1 clear
//	B alloc: last_pid 0; reads pidmap[0] = 0: bit 1 clear
//	A: pidmap[0] |= 1<<1                          → 1
//	B: pidmap[0] |= 1<<1                          → 1 (already A's)
//
// Two live tasks now share PID 1; no order of the two allocs explains it.
// The fix is the one alloc_pidmap always had: test_and_set_bit, and on
// failure go on to the next clear bit (find_next_offset).
const NonatomicClaim Bug = "pidmap-nonatomic-claim"

// setBit is NonatomicClaim's claim: set_bit, not test_and_set_bit.
func (a *Allocator) setBit(w sched.Int64, mask int64) {
	w.Or(mask) // the old value, which says whether someone was first, is dropped
}
