package idr

import (
	"testing"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
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
