package pidmap

// UncheckedFull: an allocation whose scans found every bit set answers
// EAGAIN at once, as kernel/pid.c alloc_pidmap did up to v4.14 ("return
// -EAGAIN" after the loop over the map pages).
//
// What goes wrong: the scans read the bitmap one word at a time. When a
// free clears a bit in a word the scan has already passed, and another
// thread then takes the last clear bits in a word the scan has not reached
// yet (or has read but not yet claimed from), the scan sees every bit set
// although the bits were never all set at once: a free number existed
// throughout, and EAGAIN is not linearizable (the unique policy allows
// EAGAIN only once [floor, pid_max) is full). It needs a bitmap of two
// words or more (pid_max above 64). In the kernel a fork failing with
// EAGAIN is retried by its caller, so the window was never treated as a
// bug; lockfree's zoo variant of the same name is the same scan shape.
//
// The interleaving the checker found (TestPropertyCorrect -big, pid_max
// 130, floor 4; pidmap_regress_test.go): 1 … 127 taken, last_pid set to 0,
// threads A, B and C.
//
//	A alloc:        reads pidmap[0], pidmap[1]: all set; pidmap[2]: 128, 129 clear
//	B alloc:        reads the same three words
//	C free 89:      pidmap[1] &^= 1<<25                          → ok
//	A:              claims 128                                   → 128
//	A alloc_at 129: pidmap[2] |= 1<<1                            → ok
//	B:              128 was taken first, 129 is set, the scan ends → EAGAIN
//
// Before C's free, 128 or 129 was free; after it, 89 was: B's EAGAIN fits no
// instant. The fix (alloc): after a failed scan, wait until no free is in
// flight (frees.done = frees.begun), note frees.begun, scan again, and
// answer EAGAIN only if no free began during that scan.
const UncheckedFull Bug = "pidmap-unchecked-full"
