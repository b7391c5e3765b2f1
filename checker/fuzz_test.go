package checker

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// fuzzImpl is the fuzz target for the implementation named name: the fuzz
// input becomes rapid's draws, so it chooses the scenario and every
// scheduling decision; any verdict but Ok fails. The seed corpus is in
// testdata/fuzz/<Target>/ (inputs of 2–4 KB: a whole scenario and its
// interleaving take a few hundred draws).
//
//	go test -run '^$' -fuzz FuzzLinux -fuzztime 30s -fuzzminimizetime 5s ./checker/
//
// Keep -fuzzminimizetime short: Go's fuzzer minimizes every new
// interesting input (default: up to 60 s, not counted in execs/sec, which
// then reads 0/sec) and these inputs are long.
func fuzzImpl(f *testing.F, name string) {
	e, err := alloc.Lookup(name)
	if err != nil {
		f.Skipf("%v", err)
	}
	o := DefaultOptions(e)
	o.Run = fuzzRun
	f.Fuzz(rapid.MakeFuzz(Property(e, o, nil)))
}

// fuzzRun bounds one fuzz input well inside Go's fuzz hang limit (10 s,
// which is also the scheduler's default watchdog and porcupine's default
// budget, so a stuck input used to be reported as a hung fuzzer with no
// crasher): an input that loops, blocks or cannot be judged becomes a
// step-bound, watchdog or Unknown verdict — a failure with its input saved
// — within about 5 s even on a loaded machine. A normal input costs
// 0.1–0.2 ms and at most a few hundred decisions (measured over 400 rapid
// examples per implementation: linux, the largest, took 536), so the
// bounds never cut a run that would have ended.
var fuzzRun = RunOptions{MaxSteps: 20000, Watchdog: 2 * time.Second, CheckTimeout: 2 * time.Second}

func FuzzIDR(f *testing.F)        { fuzzImpl(f, "idr") }
func FuzzPidmap(f *testing.F)     { fuzzImpl(f, "pidmap") }
func FuzzLockfree(f *testing.F)   { fuzzImpl(f, "lockfree") }
func FuzzLinux(f *testing.F)      { fuzzImpl(f, "linux") }
func FuzzOpenVZ(f *testing.F)     { fuzzImpl(f, "openvz") }
func FuzzPSpace2006(f *testing.F) { fuzzImpl(f, "pspace2006") }

// stuckImpl never finishes its first op: "spin" polls a scheduler object
// forever (every poll is a decision), "block" waits on a channel the
// scheduler knows nothing about until release is closed.
type stuckImpl struct {
	mode    string
	n       sched.Int32
	release chan struct{}
}

func (s *stuckImpl) Apply(model.Op) model.Result {
	if s.mode == "spin" {
		for s.n.Load() == 0 {
		}
	} else {
		<-s.release
	}
	return model.Result{N: 1}
}

// TestFuzzRunBoundsAStuckInput: under fuzzRun an input that never ends
// is a verdict — step bound for a spin, watchdog for a thread blocked
// outside the scheduler — not a hang for Go's fuzzer to kill.
func TestFuzzRunBoundsAStuckInput(t *testing.T) {
	modes := map[string]traces.Kind{"spin": traces.StepBound, "block": traces.Watchdog}
	if testing.Short() {
		delete(modes, "block") // waits out the 2 s watchdog
	}
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(), Threads: [][]model.Op{{{Kind: model.Alloc}}}}
	for mode, want := range modes {
		release := make(chan struct{})
		defer close(release)
		e := alloc.Entry{Name: "stuck-" + mode, Level: model.AllocLevel, Spec: "alloc", Policy: model.Unique,
			New: func(env sched.Env, p model.Params) model.Impl {
				return &stuckImpl{mode: mode, n: env.NewInt32("stuck.n", 0), release: release}
			}}
		if r := Run(e, sc, sched.NewRandom(1), fuzzRun); r.Verdict != violation(want) {
			t.Errorf("%s: verdict %s (%s), want violation %s", mode, r.Verdict, r.Reason, want)
		}
	}
}
