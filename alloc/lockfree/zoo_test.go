package lockfree

import (
	"strings"
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
	why := alloctest.RequireFound(t, newBug(LostFree), sc, model.Unique, 500)
	t.Logf("first failure:\n%s", why)
	alloctest.RequireFoundRandom(t, newBug(LostFree), model.Unique, model.SmallParams(), false, 10000)
}

// TestZooLockfreeUncheckedFull: a word-by-word scan answers EAGAIN although
// a number was free throughout.
func TestZooLockfreeUncheckedFull(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: wide,
		Init:    fullBut(t, wide, 70),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "free 5", "alloc_at 70")},
	}
	why := alloctest.RequireFound(t, newBug(UncheckedFull), sc, model.Unique, 2000)
	t.Logf("first failure (tail):\n%s", tail(why, 8))
}

// tail returns the last n lines of a report's history.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l == "decisions:" {
			lines = lines[:i]
			break
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
