package alloc

import (
	"github.com/pidcheck/pidcheck/alloc/idr"
	"github.com/pidcheck/pidcheck/alloc/lockfree"
	"github.com/pidcheck/pidcheck/alloc/pidmap"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// allocLevel lists the allocator-level implementations (idr, pidmap, lockfree) and their zoo.
func allocLevel() []Entry {
	entry := func(name string, pol model.Policy, newImpl func(sched.Env, model.Params) model.Impl) Entry {
		return Entry{Name: name, Level: model.AllocLevel, Spec: "alloc", Policy: pol, New: newImpl}
	}
	zoo := func(name, fixed, bug string, pol model.Policy, newImpl func(sched.Env, model.Params) model.Impl) Entry {
		e := entry(name, pol, newImpl)
		e.Zoo, e.Fixed, e.Bug = true, fixed, bug
		return e
	}
	return []Entry{
		entry("idr", model.Cyclic, withBug(idr.NewBuggy, idr.NoBug)),
		entry("pidmap", model.Unique, withBug(pidmap.NewBuggy, pidmap.NoBug)),
		entry("lockfree", model.Unique, withBug(lockfree.NewBuggy, lockfree.NoBug)),

		zoo("idr-short-wrap", "idr", "the wrap-around scan stops one number short: EAGAIN while the number below the cursor is free",
			model.Cyclic, withBug(idr.NewBuggy, idr.ShortWrap)),
		zoo("idr-pidmax-read-twice", "idr", "pid_max is read before the lock: a set_max that lands before the allocation is ignored",
			model.Cyclic, withBug(idr.NewBuggy, idr.PidMaxReadTwice)),
		// Checked against cyclic: the fixed pidmap is cyclic whenever only
		// allocations run concurrently (pidmap/doc.go); this variant is not.
		zoo("pidmap-stale-cursor", "pidmap", "last_pid is stored plainly after the claim: it can go backwards and a freed number is reused at once (LTP fork13)",
			model.Cyclic, withBug(pidmap.NewBuggy, pidmap.StaleCursor)),
		zoo("pidmap-nonatomic-claim", "pidmap", "test bit, then set bit: two allocations take the same number",
			model.Unique, withBug(pidmap.NewBuggy, pidmap.NonatomicClaim)),
		zoo("pidmap-late-adding-check", "pidmap", "the space-dying check comes after the claim, as in alloc_pid: a number taken and released is visible in between",
			model.Unique, withBug(pidmap.NewBuggy, pidmap.LateAddingCheck)),
		needs(66, zoo("pidmap-unchecked-full", "pidmap", "EAGAIN after a word-by-word scan without checking the map was ever full at once, as alloc_pidmap did (needs pid_max > 64)",
			model.Unique, withBug(pidmap.NewBuggy, pidmap.UncheckedFull))),
		zoo("lockfree-lost-free", "lockfree", "free clears its bit with load+store: a concurrent claim in the same word is lost",
			model.Unique, withBug(lockfree.NewBuggy, lockfree.LostFree)),
		needs(66, zoo("lockfree-unchecked-full", "lockfree", "EAGAIN after a word-by-word scan without checking the map was ever full at once (needs pid_max > 64)",
			model.Unique, withBug(lockfree.NewBuggy, lockfree.UncheckedFull))),
	}
}

// needs sets the pid_max a zoo variant's bug needs: 66 is a bitmap of two
// 64-bit words, the second one barely used.
func needs(pidMax int, e Entry) Entry {
	e.PidMax = pidMax
	return e
}
