package pspace2006

import (
	"flag"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	pspec "github.com/pidcheck/pidcheck/spec/pspace2006"
)

// seeds overrides the schedule budget of the concurrent correctness test:
// go test -run Concurrent -seeds 10000.
var seeds = flag.Int("seeds", 0, "schedules for the concurrent correctness test (0: the default)")

// correct is pspace2006 as the engine checks it: spec/pspace2006, cyclic.
var correct = alloctest.Correct("pspace2006", model.SpecPspace2006, model.Cyclic, New)

// zoo is the zoo variant bug, checked as correct is.
func zoo(bug Bug) checker.Target {
	return alloctest.Zoo(bug, model.SpecPspace2006, model.Cyclic, NewZoo)
}

// newGen starts alloctest's op generator at handle next; half the kills
// become kill(-wid) (pspaces have no virtual numbers).
func newGen(next model.Handle) *alloctest.ProcGen {
	g := alloctest.NewProcGen(next)
	g.KillPid = func(pid int, pick func(int) int) int {
		if pick(2) == 0 {
			pid = -3 // kill(-wid): the scenarios' pspace has wait ID 3
			if pick(3) == 0 {
				pid = -(pick(4) + 2)
			}
		}
		return pid
	}
	return g
}

// TestPropertyPSpace2006Sequential: on one thread, the implementation agrees
// with spec/pspace2006 under the Cyclic policy, op by op, and its internal
// invariants hold after every op.
func TestPropertyPSpace2006Sequential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pm := rapid.IntRange(4, 20).Draw(t, "pid_max")
		p := model.Params{PidMax: pm, Floor: rapid.IntRange(1, pm-1).Draw(t, "floor"), MaxLevel: rapid.IntRange(0, 2).Draw(t, "max_level")}
		sys := New(sched.NewRealEnv(), p)
		st := pspec.New(p, model.Cyclic).Init()
		alloctest.CheckSequential(t, sys, st, newGen(1))
	})
}

// TestConcurrentPSpace2006Linearizable: under the random scheduler, every
// history of the correct implementation is linearizable against the spec
// with the Cyclic policy it claims.
// The engine's generator aims kill(-n) at the wait IDs of the leaders
// its init part makes, so the scenarios need no edit of pspace's own.
func TestConcurrentPSpace2006Linearizable(t *testing.T) {
	alloctest.CheckLinearizable(t, correct, *seeds, nil)
}

// TestZooPSpace2006Found: each zoo variant is exposed within its budget of
// random schedules (measured: see the report in the registry's comments).
func TestZooPSpace2006Found(t *testing.T) {
	alloctest.RequireZooFound(t, 10000, nil, zoo(WaitInner), zoo(KillGroupEscape), zoo(WaitIDFreedAtExit))
}

// TestStressPSpace2006Real: real goroutines on the pass-through Env (run with
// -race); the invariants hold afterwards and nothing panics.
func TestStressPSpace2006Real(t *testing.T) {
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
	// t1 fork t2 -> [2]
	// t2 getpid -> 2
}
