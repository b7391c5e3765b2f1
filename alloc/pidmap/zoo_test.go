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
