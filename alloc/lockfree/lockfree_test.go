package lockfree

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

func newCorrect(env sched.Env, p model.Params) model.Impl { return New(env, p) }

func newBug(bug Bug) newImplFunc {
	return func(env sched.Env, p model.Params) model.Impl { return NewBuggy(env, p, bug) }
}

// TestPropertyLockfreeSequential: on one thread, lockfree agrees with the
// unique spec step by step, with bitmaps of one to three words, and with
// the cyclic spec up to the first fallback below the floor (where cyclic
// answers EAGAIN).
func TestPropertyLockfreeSequential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := model.Params{PidMax: rapid.IntRange(6, 140).Draw(t, "pid_max"), MaxLevel: 1}
		p.Floor = rapid.IntRange(1, p.PidMax-1).Draw(t, "floor")
		a := New(sched.NewRealEnv(), p)
		unique := spec.Allocator(p, model.Unique).Init()
		cyclic := spec.Allocator(p, model.Cyclic).Init()
		for i := range rapid.IntRange(1, 150).Draw(t, "steps") {
			op := genAllocOp(p).Draw(t, "op")
			got := a.Apply(op)
			ok, next, why := unique.Step(op, got)
			if !ok {
				t.Fatalf("step %d (unique): %s\nstate: %s", i, why, unique)
			}
			unique = next
			if cyclic == nil {
				continue
			}
			if ok, next, why := cyclic.Step(op, got); ok {
				cyclic = next
			} else if want, _ := cyclic.Expect(op); op.Kind == model.Alloc && want.Err == model.EAGAIN && got.Err == model.OK {
				cyclic = nil // the fallback below the floor; stop comparing
			} else {
				t.Fatalf("step %d (cyclic): %s\nstate: %s", i, why, cyclic)
			}
		}
	})
}

// TestLockfreeStress: many goroutines on the pass-through Env (run with
// -race) never hold the same number at once; frees of held numbers succeed.
func TestLockfreeStress(t *testing.T) {
	stress(t, newCorrect, model.Params{PidMax: 200, Floor: 4, MaxLevel: 1}, 8, 2000)
	stress(t, newCorrect, model.Params{PidMax: 24, Floor: 4, MaxLevel: 1}, 8, 2000) // often full
}

// TestLockfreeConcurrentRandom: random scenarios under random schedules are
// linearizable with respect to the unique spec, with one bitmap word
// (pid_max 16) and with three (pid_max 130).
func TestLockfreeConcurrentRandom(t *testing.T) {
	n := 400
	if testing.Short() || raceEnabled {
		n = 100
	}
	for seed := uint64(1); seed <= 3; seed++ {
		checkRandomScenarios(t, newCorrect, model.Unique, model.SmallParams(), false, seed, n)
	}
	for seed := uint64(1); seed <= 2; seed++ {
		checkRandomScenarios(t, newCorrect, model.Unique, wide, false, seed, n/4)
	}
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
		Threads: [][]model.Op{ops(t, "alloc"), ops(t, "free 5", "alloc_at 70"), ops(t, "free 6")},
	}
	for _, bug := range []Bug{NoBug, UncheckedFull} {
		d := sched.NewDFS(dfsBound())
		failing := 0
		for d.Next() {
			if why := judge(newBug(bug), sc, model.Unique, d); why != "" {
				if bug == NoBug {
					t.Fatalf("run %d: %s", d.Count(), why)
				}
				failing++
			}
		}
		if !d.Exhausted() || (bug == UncheckedFull) != (failing > 0) {
			t.Fatalf("bug %d: %d runs (exhausted %v), %d failing", bug, d.Count(), d.Exhausted(), failing)
		}
		t.Logf("bug %d: %d runs, %d pruned, %d failing", bug, d.Count(), d.Pruned(), failing)
	}
}

// TestLockfreeExhaustive: every schedule of a mixed scenario with up to two
// preemptions (one in -short and -race runs) is linearizable (unique).
func TestLockfreeExhaustive(t *testing.T) {
	n := checkExhaustive(t, newCorrect, mixedScenario(t), model.Unique, sched.NewDFS(dfsBound()))
	t.Logf("%d runs", n)
}
