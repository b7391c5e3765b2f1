package checker

import (
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

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

// TestFuzzRunBoundsAStuckInput: under FuzzRunOptions an input that never ends
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
		e := Target{Name: "stuck-" + mode, Spec: model.SpecAlloc, Policy: model.Unique,
			New: func(env sched.Env, p model.Params) model.Impl {
				return &stuckImpl{mode: mode, n: env.NewInt32("stuck.n", 0), release: release}
			}}
		if r := Run(e, sc, sched.NewRandom(1), FuzzRunOptions); r.Verdict != violation(want) {
			t.Errorf("%s: verdict %s (%s), want violation %s", mode, r.Verdict, r.Reason, want)
		}
	}
}

// TestShrinkLeavesAWatchdogVerdictAlone: shrinking a run that left a thread
// stuck outside the scheduler runs no candidate at all (each would wait out
// the watchdog and leave one more goroutine behind).
func TestShrinkLeavesAWatchdogVerdictAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out a 2 s watchdog")
	}
	release := make(chan struct{})
	defer close(release)
	made := 0
	e := Target{Name: "stuck-block", Spec: model.SpecAlloc, Policy: model.Unique,
		New: func(env sched.Env, p model.Params) model.Impl {
			made++
			return &stuckImpl{mode: "block", n: env.NewInt32("stuck.n", 0), release: release}
		}}
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(), Threads: [][]model.Op{{{Kind: model.Alloc}}, {{Kind: model.Free, N: 1}}}}
	r := Run(e, sc, sched.NewRandom(1), FuzzRunOptions)
	if r.Verdict != violation(traces.Watchdog) {
		t.Fatalf("verdict %s", r.Verdict)
	}
	made = 0
	if s := Shrink(e, r, ShrinkOptions{Run: FuzzRunOptions}); s != r || made != 0 {
		t.Fatalf("Shrink ran %d candidate(s)", made)
	}
}
