package lockfree

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// correct is lockfree as the engine checks it: the allocator spec, unique.
var correct = alloctest.Correct("lockfree", model.SpecAlloc, model.Unique, New)

// zoo is the zoo variant bug, checked as correct is.
func zoo(bug Bug) checker.Target { return alloctest.Zoo(bug, model.SpecAlloc, model.Unique, NewZoo) }

// TestPropertyLockfreeSequential: on one thread, lockfree agrees with the
// unique spec step by step, with bitmaps of one to three words, and with
// the cyclic spec up to the first fallback below the floor (where cyclic
// answers EAGAIN).
func TestPropertyLockfreeSequential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := model.Params{PidMax: rapid.IntRange(6, 140).Draw(t, "pid_max"), MaxLevel: 1}
		p.Floor = rapid.IntRange(1, p.PidMax-1).Draw(t, "floor")
		a := New(sched.NewRealEnv(), p)
		alloctest.CheckSequentialUnique(t, a, p)
	})
}

// TestLockfreeStress: many goroutines on the pass-through Env (run with
// -race) never hold the same number at once; frees of held numbers succeed.
func TestLockfreeStress(t *testing.T) {
	alloctest.Stress(t, correct.New, model.Params{PidMax: 200, Floor: 4, MaxLevel: 1}, 8, 2000)
	alloctest.Stress(t, correct.New, model.Params{PidMax: 24, Floor: 4, MaxLevel: 1}, 8, 2000) // often full
}

// TestLockfreeConcurrentRandom: random scenarios under random schedules are
// linearizable with respect to the unique spec, with one bitmap word
// (pid_max 16) and with three (pid_max 130).
func TestLockfreeConcurrentRandom(t *testing.T) {
	alloctest.CheckRandom(t, correct, model.SmallParams(), 3, 400, alloctest.Busy)
	alloctest.CheckRandom(t, correct, wide, 2, 100, alloctest.Busy)
}

// wide has a bitmap of three words.
var wide = model.Params{PidMax: 130, Floor: 4, MaxLevel: 1}

// fullBut is an init part that takes every number in [1, p.PidMax) except
// keep, then sets the cursor to 0.
func fullBut(t *testing.T, p model.Params, keep int) []model.Op {
	var out []model.Op
	for n := 1; n < p.PidMax; n++ {
		if n != keep {
			out = append(out, model.Op{Kind: model.AllocAt, N: n})
		}
	}
	return append(out, model.Op{Kind: model.SetCursor, N: 0})
}

// TestLockfreeFullIsChecked: the UncheckedFull story's scenario, with a
// third thread freeing too, explored exhaustively up to two preemptions
// (one in -short and -race runs):
// the correct allocator never gives a false EAGAIN; the zoo variant does.
func TestLockfreeFullIsChecked(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: wide,
		Init:    fullBut(t, wide, 70),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "free 5", "alloc_at 70"), alloctest.Ops(t, "free 6")},
	}
	for _, v := range []struct {
		target checker.Target
		buggy  bool
	}{{correct, false}, {zoo(UncheckedFull), true}} {
		failing := 0
		d := alloctest.DFS(v.target, sc, checker.RunOptions{}, alloctest.DFSBound(), 0, func(run int, r *checker.Result) bool {
			if why := alloctest.Report(r); why != "" {
				if !v.buggy {
					t.Fatalf("run %d: %s", run, why)
				}
				failing++
			}
			return false
		})
		if !d.Exhausted() || v.buggy != (failing > 0) {
			t.Fatalf("%s: %d runs (exhausted %v), %d failing", v.target.Name, d.Count(), d.Exhausted(), failing)
		}
		t.Logf("%s: %d runs, %d pruned, %d failing", v.target.Name, d.Count(), d.Pruned(), failing)
	}
}

// TestLockfreeExhaustive: every schedule of a mixed scenario with up to two
// preemptions (one in -short and -race runs) is linearizable (unique).
func TestLockfreeExhaustive(t *testing.T) {
	n := alloctest.CheckExhaustive(t, correct, alloctest.MixedScenario(t), alloctest.DFSBound())
	t.Logf("%d runs", n)
}
