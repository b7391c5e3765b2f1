// Package pidmap is Linux's PID number allocator before 4.15: a lock-free
// bitmap with a last_pid cursor (kernel/pid.c alloc_pidmap, circa v4.14).
//
// An allocation reads last_pid, scans the bitmap from last_pid+1 with
// find_next_zero_bit, takes a clear bit with test_and_set_bit (here: an
// atomic OR on an env Int64 word, "pidmap[i]", whose old value says whether
// another thread was first) and moves on to the next clear bit when it
// loses; past the end it scans again from pid_min. Then set_last_pid moves
// last_pid to the new number with a compare-and-swap loop that keeps the
// later value, counting from where the allocation started, so that two
// allocations finishing out of order cannot move the cursor backwards (the
// 2012 fix, commit 5fdee8c4a5e1; LTP fork13). A free clears the bit with
// an atomic AND.
//
// # What it claims: cyclic-alone
//
// Run alone, pidmap hands out exactly what the cyclic policy gives, EAGAIN
// included (TestPropertyPidmapSequential). Under concurrency it does not,
// and the checker shows why (TestPidmapNotCyclic; pid_max 16, floor 4, a
// fresh space, threads A and B):
//
//	A alloc:  reads last_pid 0
//	B alloc:  reads last_pid 0; claims 1; last_pid := 1        → 1
//	B free 1:                                                  → ok
//	A:        reads pidmap[0]: 1 is clear; claims 1;
//	          set_last_pid(0, 1): last_pid is already 1, keep  → 1
//
// Cyclic allocation needs A's 1 to come either before B's alloc (then B
// could not also get 1) or after B's free (then the cursor is 2 and A gets
// 2). The cursor A read went stale while it scanned: a lock-free scan
// cannot make "read the cursor" and "claim the bit" one atomic step. Every
// number pidmap hands out was free at its claim, and it answers EAGAIN only
// when [floor, pid_max) was full at one instant (below), so it claims the
// unique policy, whose EAGAIN rule is exactly that (spec.UniqueMayFail),
// for an allocation that overlapped another op. It claims cyclic-alone
// (model.CyclicAlone): an allocation that nothing overlapped takes exactly
// the cyclic number once the history fixes the cursor (an allocation
// alone after one that overlapped, or a set_cursor alone, fixes it), and
// one that overlapped is held to unique and leaves the cursor unknown.
//
// It is cyclic in a narrower sense, which the zoo uses: when only
// allocations run concurrently (no free, alloc_at, set_cursor, set_max or
// disable overlaps them), every history is cyclic
// (TestPidmapCyclicWhenOnlyAllocating). The argument: with no frees, bits
// only go from clear to set; by induction over claims in the order of
// their OR, every number from the cursor the parallel part started at up
// to the latest claim L is set, and last_pid only ever holds a claimed
// number (set_last_pid keeps the later one), so a scan starting at any
// last_pid+1 skips set bits up to L and takes the first clear bit after
// L — exactly what cyclic allocation gives after L. The stale-cursor zoo
// variant breaks even that.
//
// # EAGAIN
//
// An allocation that finds nothing scans [max(cursor, pid_min), pid_max)
// and then [pid_min, pid_max), with pid_min 1 or the floor: either way the
// scans cover [floor, pid_max). They read the bitmap one word at a time,
// so "every bit I read was set" does not mean the words were ever all set
// at once. The checker found that (TestPropertyCorrect -big, pid_max 130;
// TestPidmapRegressEAGAINNotFull): a free behind the scan plus claims ahead
// of it made an allocation answer EAGAIN although a number was free
// throughout (the interleaving is in zoo_unchecked_full.go). v4.14's
// alloc_pidmap had that window; the zoo keeps it as pidmap-unchecked-full.
//
// The fix is lockfree's (alloc/lockfree/doc.go): free counts itself in
// frees.begun before its atomic AND and in frees.done after. An allocation
// whose scans found every bit set waits until no free is in flight
// (frees.done = frees.begun, read in that order), notes b = frees.begun,
// scans again, and answers EAGAIN only if frees.begun is still b at the
// end; otherwise it retries. EAGAIN takes effect at that last read: no
// free was between its counters when b was read and none began since, so
// no bit was cleared after b was read, and every word, seen full after
// that, is still full then: [floor, pid_max) is full at that instant. The
// wait is the one place an allocation waits for a free; the frees never
// wait for anything.
//
// # Where it departs from v4.14, and why
//
//   - The floor rule is today's (pid_min = 1 while the cursor is at or
//     below the floor), not v4.14's "always wrap to RESERVED_PIDS", so that
//     run alone it matches the spec's cyclic policy; v4.14's extra quirk of
//     not rescanning when last_pid == RESERVED_PIDS is not reproduced.
//     Nothing below pid_min is scanned: once the cursor has passed the
//     floor, EAGAIN comes as soon as [floor, pid_max) is full, as in the
//     kernel, and the unique policy allows exactly that. (An earlier
//     version made one more pass over [1, pid_max), back when the spec's
//     unique policy promised EAGAIN only for a full space.)
//   - EAGAIN is checked to be exact (above); v4.14 believed its scan.
//   - pid_max is read once per allocation, and set_max and disable take a
//     reader/writer lock ("pidns.adding") exclusively while allocations hold
//     it shared. v4.14 read the global pid_max several times in one scan
//     (race 10 of shared/LINUX-PID.md), and checked PIDNS_HASH_ADDING
//     after the claim, under pidmap_lock, releasing the bit when the space
//     was dying: in that window another alloc_at of the number sees EEXIST
//     (or a full space EAGAIN) for an allocation that in the end never
//     happened, which no order explains (zoo_late_adding_check.go is that
//     shape). Allocations never exclude one another; the lock only orders
//     them against the two rare writers.
//   - set_cursor is a plain store of last_pid, as the ns_last_pid sysctl
//     is ("a code writing to it should synchronize its usage with external
//     means", kernel/pid_namespace.c).
//
// New builds the correct allocator; NewZoo(env, p, bug) builds a zoo
// variant (the Bug constants, each named as the registry lists it and
// declared in its own zoo_*.go file with its story).
package pidmap
