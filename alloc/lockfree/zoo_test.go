package lockfree

import (
	"testing"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/model"
)

// TestZooLockfreeLostFree: a free's load+store undoes a concurrent claim.
func TestZooLockfreeLostFree(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init:    alloctest.Ops(t, "alloc", "alloc", "alloc"),
		Threads: [][]model.Op{alloctest.Ops(t, "free 1"), alloctest.Ops(t, "alloc")},
		Post:    alloctest.Ops(t, "alloc_at 4"),
	}
	why := alloctest.RequireFound(t, zoo(LostFree), sc, 500)
	t.Logf("first failure:\n%s", why)
	alloctest.RequireFoundRandom(t, zoo(LostFree), model.SmallParams(), 10000, alloctest.Busy)
}

// TestZooLockfreeUncheckedFull: a word-by-word scan answers EAGAIN although
// a number was free throughout.
func TestZooLockfreeUncheckedFull(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: wide,
		Init:    fullBut(t, wide, 70),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "free 5", "alloc_at 70")},
	}
	why := alloctest.RequireFound(t, zoo(UncheckedFull), sc, 2000)
	t.Logf("first failure:\n%s", why)
}
