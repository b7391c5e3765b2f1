package pidmap

// StaleCursor: last_pid is written with a plain store after the claim.
//
// What goes wrong (race 1 in shared/LINUX-PID.md; LTP fork13 found it):
// two allocators read last_pid = c, one claims c+1 and the other c+2; the
// one that claimed c+2 stores last_pid first, the other then stores c+1.
// The cursor has gone backwards: once c+2 is freed, the next allocation
// hands c+2 out again at once, although c+3 … were free — the immediate
// PID reuse fork13 watches for.
//
// The interleaving (pid_max 16, floor 4), threads A and B, a fresh space,
// then a sequential tail:
//
//	A alloc: reads last_pid 0; claims 1
//	B alloc: reads last_pid 0; bit 1 taken, claims 2; last_pid := 2   → 2
//	A:       last_pid := 1                                            → 1
//	main: free 2                                                      → ok
//	main: alloc: scans from 2                                         → 2
//
// Cyclic allocation after 1 and 2 gives 3; 2 is reused immediately. The
// fix is set_last_pid (commit 5fdee8c4a5e1, 2012, "pids: fix a race in pid
// generation that causes pids to be reused immediately"; see setLastPid): a
// compare-and-swap loop that keeps whichever value comes later counting
// from the base the allocator started at.
//
// Against the unique policy this variant is correct: any free number may
// be handed out. It is found against the cyclic policy on histories whose
// parallel part only allocates (doc.go explains why the fixed pidmap is
// cyclic there and not in general).
const StaleCursor Bug = "pidmap-stale-cursor"
