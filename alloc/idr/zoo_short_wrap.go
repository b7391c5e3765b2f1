package idr

// ShortWrap: the wrap-around search stops one number short.
//
// What goes wrong: after the search from the cursor finds nothing, the
// second search should cover [pid_min, pid_max) again (lib/idr.c
// idr_alloc_cyclic rescans from start; before 4.15, kernel/pid.c
// alloc_pidmap scanned the cursor's bitmap block twice, "the second time we
// start with offset == 0"). This variant ends the second search at
// start-1, where start is where the first search began — an off-by-one of
// the kind alloc_pidmap's max_scan arithmetic was rewritten to avoid — so
// the number just below the cursor is never found by a wrap. When that
// number is the only free one, alloc answers EAGAIN while a number is free;
// when another free number lies above it, alloc returns that one instead of
// the lowest free number after the wrap. And since start-1 is not clamped
// to pid_max, once set_max has lowered pid_max below the cursor the wrap
// can even hand out a number at or above pid_max: the shrunk corpus trace
// (traces/zoo/idr-short-wrap.trace) shows that form — cursor 8, set_max 6,
// alloc → 6 where the spec gives EAGAIN.
//
// The interleaving needs no concurrency (pid_max 16, floor 4):
//
//	alloc ×15        → 1 … 15, cursor 16
//	free 15
//	alloc            → EAGAIN (spec: 15 — the wrap from floor 4 finds it)
//
// The fix is to rescan the whole range [pid_min, pid_max) on the wrap, as
// idr_alloc_cyclic does (its second idr_alloc_u32 starts at start with the
// same max).
const ShortWrap Bug = "idr-short-wrap"

// shortWrapEnd is where ShortWrap's second search ends.
func (a *Allocator) shortWrapEnd(start int) int {
	return start - 1
}
