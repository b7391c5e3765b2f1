package pidmap

import (
	"testing"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/model"
)

// TestZooPidmapStaleCursor: LTP fork13's race. Two concurrent allocations,
// then a sequential free and alloc, reveal last_pid going backwards.
func TestZooPidmapStaleCursor(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "alloc")},
		Post:    alloctest.Ops(t, "free 2", "alloc"),
	}
	why := alloctest.RequireFound(t, newBug(StaleCursor), sc, model.Cyclic, 200)
	t.Logf("first failure:\n%s", why)
	alloctest.RequireFoundRandom(t, newBug(StaleCursor), model.Cyclic, noFloor, true, 10000)
}

// TestZooPidmapNonatomicClaim: two allocations read the same clear bit.
func TestZooPidmapNonatomicClaim(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "alloc")},
	}
	why := alloctest.RequireFound(t, newBug(NonatomicClaim), sc, model.Unique, 200)
	t.Logf("first failure:\n%s", why)
	alloctest.RequireFoundRandom(t, newBug(NonatomicClaim), model.Unique, model.SmallParams(), false, 3000)
}

// TestZooPidmapLateAddingCheck: a number claimed and then released because
// the space died is visible in between.
func TestZooPidmapLateAddingCheck(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "disable", "free 1")},
	}
	why := alloctest.RequireFound(t, newBug(LateAddingCheck), sc, model.Unique, 500)
	t.Logf("first failure:\n%s", why)
	alloctest.RequireFoundRandom(t, newBug(LateAddingCheck), model.Unique, model.SmallParams(), false, 10000)
}

// TestZooPidmapUncheckedFull: alloc_pidmap's EAGAIN as v4.14 gave it, on a
// bitmap of three words: a free behind the scan and a claim ahead of it.
func TestZooPidmapUncheckedFull(t *testing.T) {
	why := alloctest.RequireFound(t, newBug(UncheckedFull), falseEAGAINWide(t), model.Unique, 2000)
	t.Logf("first failure:\n%s", why)
	if testing.Short() || alloctest.RaceEnabled {
		return
	}
	// The checker's finding: three threads, two of them allocating.
	alloctest.RequireFound(t, newBug(UncheckedFull), findingEAGAINNotFull(t), model.Unique, 5000)
}
