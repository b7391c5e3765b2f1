package pidmap

import (
	"testing"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
)

// TestZooPidmapStaleCursor: LTP fork13's race. Two concurrent allocations,
// then a sequential free and alloc, reveal last_pid going backwards.
func TestZooPidmapStaleCursor(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "alloc")},
		Post:    alloctest.Ops(t, "free 2", "alloc"),
	}
	why := alloctest.RequireFound(t, zoo(StaleCursor, model.Cyclic), sc, 200)
	t.Logf("first failure:\n%s", why)
	alloctest.RequireFoundRandom(t, zoo(StaleCursor, model.Cyclic), noFloor, 10000, alloctest.Chain(alloctest.Busy, alloctest.AllocOnly))
}

// TestZooPidmapNonatomicClaim: two allocations read the same clear bit.
func TestZooPidmapNonatomicClaim(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "alloc")},
	}
	why := alloctest.RequireFound(t, zoo(NonatomicClaim, model.Unique), sc, 200)
	t.Logf("first failure:\n%s", why)
	alloctest.RequireFoundRandom(t, zoo(NonatomicClaim, model.Unique), model.SmallParams(), 3000, alloctest.Busy)
}

// TestZooPidmapLateAddingCheck: a number claimed and then released because
// the space died is visible in between.
func TestZooPidmapLateAddingCheck(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "disable", "free 1")},
	}
	why := alloctest.RequireFound(t, zoo(LateAddingCheck, model.Unique), sc, 500)
	t.Logf("first failure:\n%s", why)
	alloctest.RequireFoundRandom(t, zoo(LateAddingCheck, model.Unique), model.SmallParams(), 10000, alloctest.Busy)
}

// TestZooPidmapUncheckedFull: alloc_pidmap's EAGAIN as v4.14 gave it, on a
// bitmap of three words: a free behind the scan and a claim ahead of it.
func TestZooPidmapUncheckedFull(t *testing.T) {
	why := alloctest.RequireFound(t, zoo(UncheckedFull, model.Unique), falseEAGAINWide(t), 2000)
	t.Logf("first failure:\n%s", why)
	if testing.Short() || alloctest.RaceEnabled {
		return
	}
	// The checker's finding: three threads, two of them allocating.
	alloctest.RequireFound(t, zoo(UncheckedFull, model.Unique), findingEAGAINNotFull(t), 5000)
}

// TestZooPidmapWrapCompare: two allocations race across the wrap (and, as
// the corpus finding has it, an allocation races an ns_last_pid write
// below its base); set_last_pid's plain "<" keeps the earlier cursor. The
// fixed pidmap, held to the same cyclic spec, passes the same schedules.
func TestZooPidmapWrapCompare(t *testing.T) {
	for _, sc := range []model.Scenario{
		{Level: model.AllocLevel, Params: model.SmallParams(),
			Init:    alloctest.Ops(t, "set_cursor 14"),
			Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "alloc")},
			Post:    alloctest.Ops(t, "free 4", "alloc"),
		},
		{Level: model.AllocLevel, Params: model.SmallParams(),
			Init:    alloctest.Ops(t, "alloc", "alloc", "alloc", "alloc", "free 4"),
			Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "set_cursor 3")},
			Post:    alloctest.Ops(t, "alloc"),
		},
	} {
		why := alloctest.RequireFound(t, zoo(WrapCompare, model.Cyclic), sc, 500)
		t.Logf("first failure:\n%s", why)
		if n, r := alloctest.FirstFailure(cyclic, sc, checker.RunOptions{}, 500, alloctest.SeedPerRun); n != 0 {
			t.Fatalf("the fixed pidmap fails the story:\n%s", alloctest.Report(r))
		}
	}
}
