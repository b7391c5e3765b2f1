package openvz

import (
	"flag"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	ovzspec "github.com/pidcheck/pidcheck/spec/openvz"
)

// seeds overrides the schedule budget of the concurrent correctness test:
// go test -run Concurrent -seeds 10000.
var seeds = flag.Int("seeds", 0, "schedules for the concurrent correctness test (0: the default)")

// correct is openvz as the engine checks it: spec/openvz, cyclic.
var correct = alloctest.Correct("openvz", model.SpecOpenVZ, model.Cyclic, New)

// zoo is the zoo variant bug, checked as correct is.
func zoo(bug Bug) checker.Target { return alloctest.Zoo(bug, model.SpecOpenVZ, model.Cyclic, NewZoo) }

// newGen starts alloctest's op generator at handle next, drawing virtual
// numbers (with VPIDBit) too.
func newGen(next model.Handle) *alloctest.ProcGen {
	g := alloctest.NewProcGen(next)
	g.Number = func(n int, pick func(int) int) int {
		if pick(3) == 0 && n > 0 {
			n |= VPIDBit
		}
		return n
	}
	return g
}

// TestPropertyOpenVZSequential: on one thread, the implementation agrees
// with spec/openvz under the Cyclic policy, op by op, and its internal
// invariants hold after every op.
func TestPropertyOpenVZSequential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pm := rapid.IntRange(4, 20).Draw(t, "pid_max")
		p := model.Params{PidMax: pm, Floor: rapid.IntRange(1, pm-1).Draw(t, "floor"), MaxLevel: rapid.IntRange(0, 1).Draw(t, "max_level")}
		sys := New(sched.NewRealEnv(), p)
		st := ovzspec.New(p, model.Cyclic).Init()
		alloctest.CheckSequential(t, sys, st, newGen(1))
	})
}

// TestConcurrentOpenVZLinearizable: under the random scheduler, every
// history of the correct implementation is linearizable against the spec
// with the Cyclic policy it claims. The engine's generator aims only at numbers
// below pid_max: Renumber marks some as virtual (VPIDBit), as newGen does.
func TestConcurrentOpenVZLinearizable(t *testing.T) {
	alloctest.CheckLinearizable(t, correct, *seeds, newGen(0).Renumber)
}

// TestZooOpenVZFound: each zoo variant is exposed within its budget of
// random schedules (measured: see the report in the registry's comments).
func TestZooOpenVZFound(t *testing.T) {
	alloctest.RequireZooFound(t, 10000, newGen(0).Renumber, zoo(MapAfterVisible), zoo(KillGlobalLeak), zoo(AllocBeforeAttach))
}

// TestStressOpenVZReal: real goroutines on the pass-through Env (run with
// -race); the invariants hold afterwards and nothing panics.
func TestStressOpenVZReal(t *testing.T) {
	alloctest.StressProcess(t, model.Params{PidMax: 64, Floor: 8, MaxLevel: 1}, correct.New, newGen)
}

func ExampleSystem() {
	sys := New(sched.NewRealEnv(), model.SmallParams())
	for _, op := range []model.Op{
		{Kind: model.Unshare, Task: 0},
		{Kind: model.Fork, Task: 0, Child: 1},
		{Kind: model.Fork, Task: 1, Child: 2},
		{Kind: model.GetPid, Task: 2},
	} {
		fmt.Println(op, "->", sys.Apply(op).Format(op.Kind))
	}
	// Output:
	// t0 unshare -> ok
	// t0 fork t1 -> [2 1]
	// t1 fork t2 -> [3 1027]
	// t2 getpid -> 1027
}
