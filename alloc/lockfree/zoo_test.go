package lockfree

import (
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// TestZooLockfreeLostFree: a free's load+store undoes a concurrent claim.
func TestZooLockfreeLostFree(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init:    ops(t, "alloc", "alloc", "alloc"),
		Threads: [][]model.Op{ops(t, "free 1"), ops(t, "alloc")},
		Post:    ops(t, "alloc_at 4"),
	}
	why := requireFound(t, newBug(LostFree), sc, model.Unique, 500)
	t.Logf("first failure:\n%s", why)
	requireFoundRandom(t, newBug(LostFree), model.Unique, model.SmallParams(), false, 10000)
}

// TestZooLockfreeUncheckedFull: a word-by-word scan answers EAGAIN although
// a number was free throughout.
func TestZooLockfreeUncheckedFull(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: wide,
		Init:    fullBut(t, wide, 70),
		Threads: [][]model.Op{ops(t, "alloc"), ops(t, "free 5", "alloc_at 70")},
	}
	why := requireFound(t, newBug(UncheckedFull), sc, model.Unique, 2000)
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
