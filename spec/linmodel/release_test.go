package linmodel

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// TestAsyncReleaseWindow pins issue 12's item 1 decision (spec/doc.go,
// "Deaths and releases are not atomic in the kernel"): since 6.15
// release_task frees a reaped task's numbers after dropping tasklist_lock,
// still inside the reaping wait4. A fork or set_tid concurrent with that
// wait may therefore still find the number taken — a skipped number, or
// EEXIST — and the atomic spec allows both, by ordering the fork before
// the wait. Once the wait has returned, the number must be free.
func TestAsyncReleaseWindow(t *testing.T) {
	s := spec.Linux(model.SmallParams(), model.Cyclic)
	prefix := []porcupine.Operation{
		hop(0, 0, 1, "t0 fork t1 -> [2]"),
		hop(0, 2, 3, "t1 exit 0 -> ok"),
		hop(0, 4, 5, "t0 ns_last_pid 1 -> ok"),
	}
	for _, c := range []struct {
		fork    string
		overlap bool
		want    porcupine.CheckResult
	}{
		{"t0 fork t2 -> [3]", true, porcupine.Ok},          // 2 still taken: skipped
		{"t0 fork t2 tid=2 -> EEXIST", true, porcupine.Ok}, // 2 still taken: EEXIST
		{"t0 fork t2 -> [2]", true, porcupine.Ok},          // or already free
		{"t0 fork t2 -> [3]", false, porcupine.Illegal},    // after the wait: 2 is free
		{"t0 fork t2 tid=2 -> EEXIST", false, porcupine.Illegal},
	} {
		h := append([]porcupine.Operation(nil), prefix...)
		h = append(h, hop(0, 6, 9, "t0 wait -1 -> 2 exited 0"))
		if c.overlap {
			h = append(h, hop(1, 7, 8, c.fork))
		} else {
			h = append(h, hop(1, 10, 11, c.fork))
		}
		if r := porcupine.CheckOperationsTimeout(Model(s), h, time.Second); r != c.want {
			t.Errorf("%s (overlapping the reap: %v): %v, want %v", c.fork, c.overlap, r, c.want)
		}
	}
}
