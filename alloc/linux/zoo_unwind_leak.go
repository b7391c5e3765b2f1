package linux

// UnwindLeak gets the bound of alloc_pid's unwind loop wrong by one: when an
// outer level fails, the levels already reserved are removed "up to" the
// innermost level instead of "up to and including" it. The innermost number
// stays reserved (a nil IDR entry) forever: no lookup sees it, no free
// releases it, and the space has one number fewer with every failed fork —
// it fills up and answers EAGAIN while the spec still has free numbers.
//
//	t0 unshare
//	t0 fork t1              [2 1]
//	t0 fork t2 tid=5,1      EEXIST at the root (1 is t0): s1's 5 leaks
//	t0 fork t3 tid=5        spec [3 5]; UnwindLeak waits forever for 5
//
// Detected sequentially: Validate at any quiescent point ("reserved but
// never published"); and the set_tid fork above, which finds the number
// held by a fork that never ends, waits for it forever (deadlock verdict). Fix: kernel/pid.c alloc_pid's
// out_free loop "while (++i <= ns->level)" removes every reserved level.
var UnwindLeak Bug = unwindLeak{}

// unwindLeak is UnwindLeak's out_free: today's, but for the loop.
type unwindLeak struct{ today }

func (unwindLeak) String() string     { return "linux-unwind-leak" }
func (b unwindLeak) replace(z *seams) { z.outFree = b }

// unwind is the buggy out_free loop, "while (++i < ns->level)".
func (unwindLeak) unwind(_ *System, p *pid, failed int) {
	for i := failed + 1; i < p.level; i++ {
		u := p.numbers[i]
		delete(u.ns.idr, u.nr)
	}
}
