package pidmap

// WrapCompare: set_last_pid's compare-and-swap loop orders two cursors by
// plain "<" instead of counting from where the allocation started, so
// across a wrap-around it keeps the earlier of the two and last_pid goes
// backwards.
//
// Commit 5fdee8c4a5e1 (2012, the fix for pidmap-stale-cursor, LTP fork13)
// made alloc_pidmap store last_pid with a cmpxchg loop, set_last_pid, that
// gives up when another allocator already stored a later value — "later"
// decided by pid_before(base, a, b), which compares the distances from
// base (the last_pid this allocation read) so that a value that wrapped to
// RESERVED_PIDS still counts as after one just below pid_max. Ordering by
// the plain numbers gets exactly the wrap case wrong: an allocation that
// claimed a number just below pid_max overwrites the cursor of one that
// wrapped and claimed a low number after it.
//
// The interleaving (pid_max 16, floor 4), threads A, B, last_pid 14:
//
//	A alloc:  reads 14, claims 15
//	B alloc:  reads 14, 15 taken, wraps: claims 4, last_pid := 4
//	A:        CAS(14 → 15) fails, now 4; 4 < 15: CAS(4 → 15)   → 15
//	B free 4
//	B alloc:  from 16, wraps: 4 (spec: 5 — the cursor was past 4)
//
// pid_before also counts a value below base as wrapped, hence later: an
// ns_last_pid write that moves the cursor back (set_cursor 3 while an
// allocation that read 4 claims 5) is kept by the correct loop and
// overwritten by this one, so the next allocation skips the free 4 — the
// shape of the corpus finding (traces/zoo/pidmap-wrap-compare.trace).
//
// It needs both allocations to read last_pid before either stores it, at
// the wrap: no sequential run shows it.
const WrapCompare Bug = "pidmap-wrap-compare"

// plainBefore is WrapCompare's order: the numbers', ignoring the wrap.
func plainBefore(x, y int) bool { return x < y }
