package checker

import (
	"slices"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// TestHandlesIncludeThreads: a thread op creates a handle as a fork does,
// so the drain waits on it, the shrinker drops the ops that use it when it
// drops its creation, and compact renames it.
func TestHandlesIncludeThreads(t *testing.T) {
	op := func(s string) model.Op {
		o, err := model.ParseOp(s)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	sc := model.Scenario{Level: model.ProcessLevel, Params: model.SmallParams(),
		Init:    []model.Op{op("t0 fork t1"), op("t1 thread t5")},
		Threads: [][]model.Op{{op("t5 gettid"), op("t5 thread t7")}, {op("t1 getpid")}},
	}
	if got, want := Handles(sc), []model.Handle{0, 1, 5, 7}; !slices.Equal(got, want) {
		t.Errorf("Handles = %v, want %v", got, want)
	}
	cut := withoutHandleOf(sc.Clone(), sc.Init[1])
	if len(cut.Init) != 2 || len(cut.Threads) != 1 || len(cut.Threads[0]) != 1 || cut.Threads[0][0].String() != "t1 getpid" {
		t.Errorf("without t5's uses: init %v, threads %v; want the init part kept and only t1 getpid in the threads", cut.Init, cut.Threads)
	}
	if c := compact(sc); c.Init[1].String() != "t1 thread t2" || c.Threads[0][1].String() != "t2 thread t3" {
		t.Errorf("compact: %v %v", c.Init, c.Threads)
	}
}
