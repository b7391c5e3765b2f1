package pidmap

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// correct is pidmap as the engine checks it: the allocator spec, unique.
var correct = alloctest.Correct("pidmap", model.SpecAlloc, model.Unique, New)

// cyclic is pidmap held to the cyclic spec, which it meets only when the
// parallel part only allocates.
var cyclic = alloctest.Correct("pidmap", model.SpecAlloc, model.Cyclic, New)

// zoo is the zoo variant bug, checked against pol.
func zoo(bug Bug, pol model.Policy) checker.Target {
	return alloctest.Zoo(bug, model.SpecAlloc, pol, NewZoo)
}

// TestPropertyPidmapSequential: on one thread, pidmap agrees with the spec
// under its claimed policy (unique) and with the cyclic spec too, EAGAIN
// included: alloc_pidmap's scan from last_pid+1 with set_last_pid, wrapping
// to pid_min by today's floor rule, is idr_alloc_cyclic when nothing runs
// concurrently.
func TestPropertyPidmapSequential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := model.Params{PidMax: rapid.IntRange(6, 140).Draw(t, "pid_max"), MaxLevel: 1}
		p.Floor = rapid.IntRange(1, p.PidMax-1).Draw(t, "floor")
		a := New(sched.NewRealEnv(), p)
		alloctest.CheckSequentialCyclic(t, a, p)
	})
}

// TestPidmapStress: many goroutines on the pass-through Env (run with
// -race) never hold the same number at once; frees of held numbers succeed.
func TestPidmapStress(t *testing.T) {
	alloctest.Stress(t, correct.New, model.Params{PidMax: 200, Floor: 4, MaxLevel: 1}, 8, 2000)
	alloctest.Stress(t, correct.New, model.Params{PidMax: 24, Floor: 4, MaxLevel: 1}, 8, 2000) // often full
}

// TestPidmapConcurrentRandom: random scenarios under random schedules are
// linearizable with respect to the unique spec.
func TestPidmapConcurrentRandom(t *testing.T) {
	alloctest.CheckRandom(t, correct, model.SmallParams(), 3, 400, alloctest.Busy)
}

// noFloor is SmallParams with floor 1: pid_min is always 1, so every
// allocation may take any number.
var noFloor = model.Params{PidMax: 16, Floor: 1, MaxLevel: 1}

// TestPidmapCyclicWhenOnlyAllocating: when the parallel part only
// allocates, pidmap's histories are cyclic (doc.go argues why), with or
// without a floor.
func TestPidmapCyclicWhenOnlyAllocating(t *testing.T) {
	alloctest.CheckRandom(t, cyclic, noFloor, 3, 400, alloctest.Chain(alloctest.Busy, alloctest.AllocOnly))
	alloctest.CheckRandom(t, cyclic, model.SmallParams(), 3, 400, alloctest.Chain(alloctest.Busy, alloctest.AllocOnly))
}

// TestPidmapNotCyclic is the finding in doc.go: an allocation that read
// last_pid before another thread allocated and freed the next number takes
// that number again, which no cyclic order explains.
func TestPidmapNotCyclic(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "alloc", "free 1")},
	}
	why := alloctest.RequireFound(t, cyclic, sc, 500)
	t.Logf("first failure:\n%s", why)
}

// wide has a bitmap of three words.
var wide = model.Params{PidMax: 130, Floor: 4, MaxLevel: 1}

// falseEAGAINWide is the shape of the kernel's EAGAIN window on a bitmap of
// several words (zoo_unchecked_full.go): every number but 70 taken, the
// cursor back at 0; A allocates while B frees 5 behind its scan and takes
// 70 ahead of it.
func falseEAGAINWide(t *testing.T) model.Scenario {
	var init []model.Op
	for n := 1; n < wide.PidMax; n++ {
		if n != 70 {
			init = append(init, model.Op{Kind: model.AllocAt, N: n})
		}
	}
	init = append(init, model.Op{Kind: model.SetCursor, N: 0})
	return model.Scenario{Level: model.AllocLevel, Params: wide, Init: init,
		Threads: [][]model.Op{alloctest.Ops(t, "alloc"), alloctest.Ops(t, "free 5", "alloc_at 70")},
	}
}

// TestPidmapEAGAINExactWide: on a bitmap of three words, a free behind the
// scan and a claim ahead of it no longer give an EAGAIN while a number was
// free throughout (doc.go, "EAGAIN"), in any schedule with up to two
// preemptions, and not in random ones either.
func TestPidmapEAGAINExactWide(t *testing.T) {
	sc := falseEAGAINWide(t)
	n := alloctest.CheckExhaustive(t, correct, sc, 2)
	t.Logf("%d runs", n)
	random := 2000
	if testing.Short() || alloctest.RaceEnabled {
		random = 200
	}
	if i, r := alloctest.FirstFailure(correct, sc, checker.RunOptions{}, random, alloctest.OneRandom(1)); i != 0 {
		t.Fatalf("random schedule %d: %s", i, alloctest.Report(r))
	}
}

// TestPidmapExhaustive: every schedule of a mixed scenario with up to two
// preemptions (one in -short and -race runs) is linearizable (unique).
func TestPidmapExhaustive(t *testing.T) {
	// With sleep sets. This scenario once crashed DFS: a thread asleep at a
	// node had blocked on the RWMutex before its turn came again, so it was
	// no longer among the runnable threads when its sleep carried over.
	n := alloctest.CheckExhaustive(t, correct, alloctest.MixedScenario(t), alloctest.DFSBound())
	t.Logf("%d runs", n)
}
