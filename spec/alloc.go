package spec

import (
	"fmt"

	"github.com/pidcheck/pidcheck/model"
)

// PidMin is the lowest number a cyclic scan may return: 1, or floor once the
// cursor has passed floor (kernel/pid.c alloc_pid: "init really needs pid 1,
// but after reaching the maximum wrap back to RESERVED_PIDS").
func PidMin(cursor, floor int) int {
	if cursor > floor {
		return floor
	}
	return 1
}

// Pick returns the number policy pol allocates, ok=false when none is free
// (the kernel's EAGAIN). taken reports whether a number is in use; numbers
// lie in [1, max).
//
//   - model.Cyclic: exactly idr_alloc_cyclic as alloc_pid calls it. With
//     pid_min = PidMin(cursor, floor) and start = max(cursor, pid_min), the
//     first free number in [start, max); if there is none and start >
//     pid_min, the first free number in [pid_min, max). cursor is the idr
//     cursor: the next number to try (0 in a fresh space).
//   - model.Lowest: the lowest free number in [1, max); cursor and floor are
//     ignored.
//   - model.Unique: any free number in [1, max) is allowed (see Allowed);
//     Pick returns the lowest, so Pick is deterministic for every policy.
//     EAGAIN is allowed once [floor, max) is full, whatever the cursor:
//     a cyclic allocator whose cursor has passed the floor answers EAGAIN
//     then although numbers below the floor are free, and Unique must
//     accept whatever Cyclic does (every cyclic allocator is a unique one).
//
// After a Cyclic allocation of n the caller sets the cursor to n+1.
func Pick(pol model.Policy, taken func(int) bool, cursor, floor, max int) (n int, ok bool) {
	if pol != model.Cyclic {
		return firstFree(taken, 1, max)
	}
	lo := PidMin(cursor, floor)
	start := cursor
	if start < lo {
		start = lo
	}
	if n, ok := firstFree(taken, start, max); ok {
		return n, true
	}
	if start > lo {
		return firstFree(taken, lo, max)
	}
	return 0, false
}

// UniqueMayFail reports whether a Unique allocator may answer EAGAIN: when
// no number in [floor, max) is free. (A cyclic allocator past the floor
// scans only that range, and Unique accepts all that Cyclic does.)
func UniqueMayFail(taken func(int) bool, floor, max int) bool {
	_, ok := firstFree(taken, floor, max)
	return !ok
}

// firstFree is the lowest number in [from, max) that is not taken.
func firstFree(taken func(int) bool, from, max int) (int, bool) {
	if from < 1 {
		from = 1
	}
	for n := from; n < max; n++ {
		if !taken(n) {
			return n, true
		}
	}
	return 0, false
}

// Allowed says whether policy pol may hand out n, with the arguments of Pick.
// n = 0 stands for "no number" (an observed EAGAIN): allowed exactly when no
// number is free in the policy's range. When not allowed, reason is a
// sentence fragment saying what the policy gives instead, for example
// "cyclic allocation from cursor 5 gives 6".
func Allowed(pol model.Policy, taken func(int) bool, cursor, floor, max, n int) (ok bool, reason string) {
	want, free := Pick(pol, taken, cursor, floor, max)
	if n == 0 {
		if !free || (pol == model.Unique && UniqueMayFail(taken, floor, max)) {
			return true, ""
		}
		if pol == model.Unique {
			above, _ := firstFree(taken, floor, max)
			return false, fmt.Sprintf("%d is free at or above the floor %d, so a unique allocator may not fail", above, floor)
		}
		return false, fmt.Sprintf("%s has %d free, so the space is not full", describe(pol, cursor, floor, max), want)
	}
	if !free {
		return false, fmt.Sprintf("%s finds no free number (the space is full)", describe(pol, cursor, floor, max))
	}
	switch pol {
	case model.Unique:
		switch {
		case n < 1 || n >= max:
			return false, fmt.Sprintf("%d is out of range [1, %d)", n, max)
		case taken(n):
			return false, fmt.Sprintf("%d is already taken", n)
		}
		return true, ""
	default:
		if n == want {
			return true, ""
		}
		return false, fmt.Sprintf("%s gives %d", describe(pol, cursor, floor, max), want)
	}
}

// describe names an allocation for reasons: "cyclic allocation from cursor 5".
func describe(pol model.Policy, cursor, floor, max int) string {
	switch pol {
	case model.Cyclic:
		lo := PidMin(cursor, floor)
		if lo > 1 {
			return fmt.Sprintf("cyclic allocation from cursor %d (wrapping to %d, below %d)", cursor, lo, max)
		}
		return fmt.Sprintf("cyclic allocation from cursor %d (below %d)", cursor, max)
	case model.Lowest:
		return fmt.Sprintf("lowest-free allocation (below %d)", max)
	}
	return fmt.Sprintf("%s allocation (below %d)", pol, max)
}
