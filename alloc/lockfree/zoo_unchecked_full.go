package lockfree

// UncheckedFull: an allocation that found every bit set answers EAGAIN at
// once, without checking that the bitmap was full at one instant.
//
// What goes wrong: the search reads the bitmap one word at a time. When a
// free clears a bit in a word the search has already passed, and another
// thread then takes the last clear bit in a word the search has not reached
// yet, the search sees every bit set although the bits were never all set
// at once: a free number existed throughout, and EAGAIN is not
// linearizable (the unique policy allows EAGAIN only once [floor, pid_max)
// is full). It needs a bitmap of two words or more (pid_max above 64).
// kernel/pid.c alloc_pidmap scanned the same way, word by word with
// find_next_zero_bit, and had this window too; a fork that fails with
// EAGAIN is retried by its caller, so it was never treated as a bug there.
//
// The interleaving (pid_max 130, floor 4), threads A and B: every number
// but 70 taken, cursor set to 1.
//
//	A alloc:        reads bitmap[0]: 1 … 63 all set
//	B free 5:       bitmap[0] &^= 1<<5                 → ok
//	B alloc_at 70:  bitmap[1] |= 1<<6                  → ok
//	A:              reads bitmap[1], bitmap[2]: all set → EAGAIN
//
// Before B's free, 70 was free; after it, 5 was: A's EAGAIN fits no
// instant. The fix (alloc): after a failed search, wait until no free is in
// flight, note how many frees have begun, search again, and answer EAGAIN
// only if no free began during that search.
const UncheckedFull Bug = "lockfree-unchecked-full"
