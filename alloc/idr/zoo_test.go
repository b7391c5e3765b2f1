package idr

import (
	"testing"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
)

// TestZooIdrShortWrap: the story's sequence, and random scenarios, expose
// the short wrap scan.
func TestZooIdrShortWrap(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init:    alloctest.Ops(t, append(alloctest.Repeat(15, "alloc"), "free 15")...),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc")},
	}
	why := alloctest.RequireFound(t, zoo(ShortWrap), sc, 1)
	t.Logf("first failure:\n%s", why)
	alloctest.RequireFoundRandom(t, zoo(ShortWrap), model.SmallParams(), 500, alloctest.Busy)
}

// TestZooIdrPidMaxReadTwice: set_max and a free land between alloc_at's read
// of pid_max and its allocation.
func TestZooIdrPidMaxReadTwice(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init:    alloctest.Ops(t, "alloc_at 10"),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc_at 10"), alloctest.Ops(t, "set_max 8", "free 10")},
	}
	why := alloctest.RequireFound(t, zoo(PidMaxReadTwice), sc, 200)
	t.Logf("first failure:\n%s", why)
	alloctest.RequireFoundRandom(t, zoo(PidMaxReadTwice), model.SmallParams(), 3000, alloctest.Busy)
}

// requireDeep: sc, the story of a deep zoo variant, fails under some
// random schedule of bug (RequireFound, seeds 1-5), never in a run of its
// threads one after another, and the correct allocator passes every one
// of those schedules.
func requireDeep(t *testing.T, bug Bug, sc model.Scenario, budget int) {
	t.Helper()
	why := alloctest.RequireFound(t, zoo(bug), sc, budget)
	t.Logf("first failure:\n%s", why)
	seq := sc
	seq.Threads = [][]model.Op{nil}
	for _, ops := range sc.Threads {
		seq.Threads[0] = append(seq.Threads[0], ops...)
	}
	if n, r := alloctest.FirstFailure(zoo(bug), seq, checker.RunOptions{}, 1, alloctest.SeedPerRun); n != 0 {
		t.Fatalf("%s fails with its threads run one after another: not a race:\n%s", bug, alloctest.Report(r))
	}
	fixed := alloctest.Correct("idr", model.SpecAlloc, model.Cyclic, New)
	if n, r := alloctest.FirstFailure(fixed, sc, checker.RunOptions{}, budget, alloctest.SeedPerRun); n != 0 {
		t.Fatalf("the correct idr fails %s's story:\n%s", bug, alloctest.Report(r))
	}
}

// TestZooIdrCursorReadUnlocked: an alloc and a free land between alloc's
// read of the cursor and its search.
func TestZooIdrCursorReadUnlocked(t *testing.T) {
	requireDeep(t, CursorReadUnlocked, model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "alloc", "free 1")},
	}, 500)
}

// TestZooIdrCursorStoreUnlocked: an alloc lands between alloc's claim and
// its store of the cursor; the cursor goes back and 2 is reused at once.
func TestZooIdrCursorStoreUnlocked(t *testing.T) {
	requireDeep(t, CursorStoreUnlocked, model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "alloc", "free 2", "alloc")},
	}, 500)
}

// TestZooIdrAddingCheckedEarly: a disable lands between alloc's look at
// disabled and its claim.
func TestZooIdrAddingCheckedEarly(t *testing.T) {
	requireDeep(t, AddingCheckedEarly, model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init:    alloctest.Ops(t, "alloc", "alloc", "free 2"),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "disable", "set_cursor 1")},
	}, 500)
}

// TestZooIdrSetTidErrno: a disable lands between alloc_at's claim and its
// publish, which answers EPERM (b26ebfe12f34).
func TestZooIdrSetTidErrno(t *testing.T) {
	requireDeep(t, SetTidErrno, model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc_at 7"), alloctest.Ops(t, "disable")},
	}, 500)
}

// TestZooIdrSetTidLookThenTake: two alloc_at of one number, the second
// between the first's look and its take.
func TestZooIdrSetTidLookThenTake(t *testing.T) {
	requireDeep(t, SetTidLookThenTake, model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc_at 7"), alloctest.Ops(t, "alloc_at 7")},
	}, 500)
}

// TestZooIdrFreeReusedEarly: alloc_at takes a detached number before its
// free ran; the late free then takes it from its new owner.
func TestZooIdrFreeReusedEarly(t *testing.T) {
	requireDeep(t, FreeReusedEarly, model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init:    alloctest.Ops(t, "alloc_at 7"),
		Threads: [][]model.Op{alloctest.Ops(t, "free 7"), alloctest.Ops(t, "alloc_at 7", "alloc_at 7")},
	}, 500)
}

// TestZooIdrFreeCheckThenClear: two frees of one number both succeed.
func TestZooIdrFreeCheckThenClear(t *testing.T) {
	requireDeep(t, FreeCheckThenClear, model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init:    alloctest.Ops(t, "alloc_at 7"),
		Threads: [][]model.Op{alloctest.Ops(t, "free 7"), alloctest.Ops(t, "free 7")},
	}, 500)
}
