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
	pidmapE := correct("pidmap", model.AllocLevel, "alloc", model.CyclicAlone, pidmap.New)
	lockfreeE := correct("lockfree", model.AllocLevel, "alloc", model.Unique, lockfree.New)
	return []Entry{
		idrE, pidmapE, lockfreeE,
		zoo(Sequential, idrE, model.Cyclic, idr.NewZoo, idr.ShortWrap,
			"the wrap-around scan ends at the cursor-1, unclamped: it misses the number below the cursor (EAGAIN while one is free) and, once set_max lowered pid_max below the cursor, hands out a number at or above pid_max"),
		zoo(Deep, idrE, model.Cyclic, idr.NewZoo, idr.PidMaxReadTwice,
			"pid_max is read before the lock: a set_max that lands before the allocation is ignored"),
		zoo(Deep, idrE, model.Cyclic, idr.NewZoo, idr.CursorReadUnlocked,
			"the cursor is read in one hold of the lock and searched from in another (pre-4.15 alloc_pidmap's unlocked last_pid read): a number just freed is handed out below the cursor"),
		zoo(Deep, idrE, model.Cyclic, idr.NewZoo, idr.CursorStoreUnlocked,
			"the cursor is stored after the lock is dropped (the pre-5fdee8c4a5e1 last_pid store, at the IDR's layer): it goes backwards and a freed number is reused at once"),
		zoo(Deep, idrE, model.Cyclic, idr.NewZoo, idr.AddingCheckedEarly,
			"disabled (PIDNS_ADDING) is checked in a hold of its own before the claim: an alloc racing the space's death takes a number in a dead space (3fd37226216620's window)"),
		zoo(Deep, idrE, model.Cyclic, idr.NewZoo, idr.SetTidErrno,
			"alloc_at that finds the space dying after its claim answers EPERM, the set_tid loop's leftover retval, not ENOMEM (fixed by b26ebfe12f34)"),
		zoo(Deep, idrE, model.Cyclic, idr.NewZoo, idr.SetTidLookThenTake,
			"alloc_at looks whether its number is free and takes it in two holds of the lock: two set_tid allocations of one number both succeed"),
		zoo(Deep, idrE, model.Cyclic, idr.NewZoo, idr.FreeReusedEarly,
			"free detaches, then frees in a later hold (free_pid outside tasklist_lock, 6.15) and a detached number counts as free: reused too early, then freed under its new owner"),
		zoo(Deep, idrE, model.Cyclic, idr.NewZoo, idr.FreeCheckThenClear,
			"free tests the number and clears it in two holds of the lock (a reap without wait_task_zombie's exit_state cmpxchg): two frees of one number both succeed"),
		// Checked against cyclic: the fixed pidmap is cyclic whenever only
		// allocations run concurrently (pidmap/doc.go); this variant is not.
		zoo(Deep, pidmapE, model.Cyclic, pidmap.NewZoo, pidmap.StaleCursor,
			"last_pid is stored plainly after the claim: it can go backwards and a freed number is reused at once (LTP fork13)"),
		zoo(Deep, pidmapE, model.CyclicAlone, pidmap.NewZoo, pidmap.NonatomicClaim,
			"test bit, then set bit: two allocations take the same number"),
		zoo(Deep, pidmapE, model.CyclicAlone, pidmap.NewZoo, pidmap.LateAddingCheck,
			"the space-dying check comes after the claim, as in alloc_pid: a number taken and released is visible in between"),
		zoo(Deep, pidmapE, model.Cyclic, pidmap.NewZoo, pidmap.WrapCompare,
			"set_last_pid's cmpxchg loop orders cursors by plain < instead of pid_before: across a wrap it keeps the earlier one and last_pid goes backwards"),
		needs(66, zoo(Deep, pidmapE, model.CyclicAlone, pidmap.NewZoo, pidmap.UncheckedFull,
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
