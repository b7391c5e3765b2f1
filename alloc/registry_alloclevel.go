package alloc

import (
	"github.com/pidcheck/pidcheck/alloc/idr"
	"github.com/pidcheck/pidcheck/alloc/lockfree"
	"github.com/pidcheck/pidcheck/alloc/pidmap"
	"github.com/pidcheck/pidcheck/model"
)

// allocLevel lists the allocator-level implementations (idr, pidmap, lockfree) and their zoo.
func allocLevel() []Entry {
	idrE := correct("idr", model.AllocLevel, "alloc", model.Cyclic, idr.New)
	pidmapE := correct("pidmap", model.AllocLevel, "alloc", model.Unique, pidmap.New)
	lockfreeE := correct("lockfree", model.AllocLevel, "alloc", model.Unique, lockfree.New)
	return []Entry{
		idrE, pidmapE, lockfreeE,
		zoo(Sequential, idrE, model.Cyclic, idr.NewZoo, idr.ShortWrap,
			"the wrap-around scan stops one number short: EAGAIN while the number below the cursor is free"),
		zoo(Deep, idrE, model.Cyclic, idr.NewZoo, idr.PidMaxReadTwice,
			"pid_max is read before the lock: a set_max that lands before the allocation is ignored"),
		// Checked against cyclic: the fixed pidmap is cyclic whenever only
		// allocations run concurrently (pidmap/doc.go); this variant is not.
		zoo(Deep, pidmapE, model.Cyclic, pidmap.NewZoo, pidmap.StaleCursor,
			"last_pid is stored plainly after the claim: it can go backwards and a freed number is reused at once (LTP fork13)"),
		zoo(Deep, pidmapE, model.Unique, pidmap.NewZoo, pidmap.NonatomicClaim,
			"test bit, then set bit: two allocations take the same number"),
		zoo(Deep, pidmapE, model.Unique, pidmap.NewZoo, pidmap.LateAddingCheck,
			"the space-dying check comes after the claim, as in alloc_pid: a number taken and released is visible in between"),
		needs(66, zoo(Deep, pidmapE, model.Unique, pidmap.NewZoo, pidmap.UncheckedFull,
			"EAGAIN after a word-by-word scan without checking the map was ever full at once, as alloc_pidmap did (needs pid_max > 64)")),
		zoo(Deep, lockfreeE, model.Unique, lockfree.NewZoo, lockfree.LostFree,
			"free clears its bit with load+store: a concurrent claim in the same word is lost"),
		needs(66, zoo(Deep, lockfreeE, model.Unique, lockfree.NewZoo, lockfree.UncheckedFull,
			"EAGAIN after a word-by-word scan without checking the map was ever full at once (needs pid_max > 64)")),
	}
}

// needs sets the pid_max a zoo variant's bug needs: 66 is a bitmap of two
// 64-bit words, the second one barely used.
func needs(pidMax int, e Entry) Entry {
	e.PidMax = pidMax
	return e
}
