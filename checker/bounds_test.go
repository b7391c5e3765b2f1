package checker

import (
	"slices"
	"testing"
	"time"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// TestHandlesAreOnlyTheForkedOnes: Handles lists t0 and the handles forks
// create, not every number up to the largest — a trace may name t0 and
// t1000000000, and the drain waits on each handle (the dense range made
// `pidcheck shrink` of such a trace allocate gigabytes).
func TestHandlesAreOnlyTheForkedOnes(t *testing.T) {
	const far = model.Handle(1 << 30)
	sc := model.Scenario{Level: model.ProcessLevel, Params: model.SmallParams(),
		Init:    []model.Op{{Kind: model.Fork, Task: model.Root, Child: far}},
		Threads: [][]model.Op{{{Kind: model.Fork, Task: far, Child: 7}, {Kind: model.Fork, Task: 7, Child: 7}}},
		Post:    []model.Op{{Kind: model.Wait, Task: model.Root, Pid: -1}},
	}
	got := Handles(sc)
	if want := []model.Handle{model.Root, 7, far}; !slices.Equal(got, want) {
		t.Fatalf("Handles = %v, want %v", got, want)
	}
}

// TestPropertyBigPidMaxNoFalseStepBound: a correct allocator explored with
// the largest pid_max the CLI accepts passes. The generator's "fill the
// space" init and the drain's "allocate until EAGAIN" used to run about
// pid_max allocations per schedule: a step-bound violation on a correct
// implementation, and a trace too big to write.
func TestPropertyBigPidMaxNoFalseStepBound(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pidMax int
	}{
		{"idr", 100000}, {"pidmap", 100000}, {"lockfree", 100000},
		// The kernel's own size: openvz's global bitmap scan passed the
		// fixed step bound of 100000 here (a false step-bound verdict on
		// a correct implementation); the bound now grows with pid_max.
		{"openvz", model.KernelPidMax},
	} {
		name := tc.name
		e := lookup(t, name)
		p := model.SmallParams()
		p.PidMax = tc.pidMax
		rep, err := Explore(e, ExploreOptions{Gen: GenOptions{Params: p}, Strategy: Random, Schedules: 12, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Verdict.Outcome != traces.Ok {
			reason := ""
			if rep.Found != nil {
				reason = rep.Found.Reason
			}
			t.Errorf("%s with pid_max %d: %s after %d schedules: %s", name, p.PidMax, rep.Verdict, rep.Schedules, reason)
		}
	}
}

// TestGenerateBigPidMaxIsSmall: the size of a generated allocator-level
// scenario does not grow with pid_max.
func TestGenerateBigPidMaxIsSmall(t *testing.T) {
	p := model.SmallParams()
	p.PidMax = model.KernelPidMax
	for seed := range uint64(64) {
		sc := Generate(SeedSource(seed), model.AllocLevel, GenOptions{Params: p, Threads: 3, Ops: 4})
		if n := sc.Ops(); n > maxDrainAllocs {
			t.Fatalf("seed %d: %d ops for pid_max %d", seed, n, p.PidMax)
		}
	}
}

// TestExploreRefusesTooManyWorkers: Workers above MaxWorkers is an error,
// not that many scenarios run at once.
func TestExploreRefusesTooManyWorkers(t *testing.T) {
	e := lookup(t, "idr")
	if _, err := Explore(e, ExploreOptions{Schedules: 1, Workers: MaxWorkers + 1}); err == nil {
		t.Fatalf("Workers %d: no error", MaxWorkers+1)
	}
	if _, err := Explore(e, ExploreOptions{Schedules: 1, Workers: 4}); err != nil {
		t.Fatalf("Workers 4: %v", err)
	}
}

// TestTimeBudgetRunsAtLeastOneSchedule: a time budget that is over before
// the first schedule still runs one, with one worker or several: an
// exploration of nothing used to report Ok after 0 schedules
// (pidcheck check --time 1ns exited 0).
func TestTimeBudgetRunsAtLeastOneSchedule(t *testing.T) {
	e := lookup(t, "idr")
	for _, workers := range []int{1, 2} {
		rep, err := Explore(e, ExploreOptions{Time: time.Nanosecond, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Schedules < 1 || rep.Scenarios < 1 {
			t.Errorf("workers %d: %d schedules of %d scenarios, verdict %s: want at least one", workers, rep.Schedules, rep.Scenarios, rep.Verdict)
		}
	}
}

// TestReplayRefusesASpecThatCannotJudgeTheTrace: a trace naming a spec
// that does not exist, or one of the other level, is an error — it used to
// replay as a divergence (no spec) or be judged by the wrong spec.
func TestReplayRefusesASpecThatCannotJudgeTheTrace(t *testing.T) {
	e := lookup(t, "idr")
	sc := Generate(SeedSource(1), model.AllocLevel, GenOptions{})
	tr := Run(e, sc, sched.NewRandom(1), RunOptions{Drain: true}).Trace()
	if _, err := Replay(e, tr, RunOptions{}); err != nil {
		t.Fatalf("the trace as recorded: %v", err)
	}
	for _, name := range []string{"linux", "nosuch"} {
		bad := *tr
		bad.Spec = name
		if _, err := Replay(e, &bad, RunOptions{}); err == nil {
			t.Errorf("spec %s on an allocator-level trace: no error", name)
		}
	}
}

// TestDrainOfABigSpaceIsShort: the allocator-level drain fills a small
// space to EAGAIN but makes only shortDrainAllocs allocations in a space
// too big to fill, so that a schedule at pid_max 4194304 records about as
// many ops as one at 16 (it made up to 1024 allocations, and a schedule
// cost 70 times as much).
func TestDrainOfABigSpaceIsShort(t *testing.T) {
	e := lookup(t, "idr")
	drained := func(r *Result) (n int, last model.Result) {
		for _, h := range r.History[len(r.History)-len(r.Scenario.Post):] {
			if h.Op.Kind == model.Alloc {
				n++
				last = h.Result
			}
		}
		return n, last
	}
	small := model.SmallParams()
	big := small
	big.PidMax = model.KernelPidMax
	full := 0
	for seed := range uint64(8) {
		sc := Generate(SeedSource(seed), model.AllocLevel, GenOptions{Params: small})
		r := Run(e, sc, sched.NewRandom(seed), RunOptions{Drain: true})
		if n, last := drained(r); r.Verdict != verdictOk || last.Err == model.OK || n > small.PidMax+2 {
			t.Errorf("pid_max 16, seed %d: %s, %d drain allocations, the last %s: want a fill to a failure", seed, r.Verdict, n, last.Format(model.Alloc))
		}
		sc = Generate(SeedSource(seed), model.AllocLevel, GenOptions{Params: big})
		r = Run(e, sc, sched.NewRandom(seed), RunOptions{Drain: true})
		n, last := drained(r)
		if r.Verdict != verdictOk || n > shortDrainAllocs || (n < shortDrainAllocs && last.Err == model.OK) {
			t.Errorf("pid_max %d, seed %d: %s, %d drain allocations, the last %s: want %d, or fewer up to a failure", big.PidMax, seed, r.Verdict, n, last.Format(model.Alloc), shortDrainAllocs)
		}
		if n == shortDrainAllocs {
			full++
		}
	}
	if full == 0 {
		t.Errorf("no drain of pid_max %d made %d allocations", big.PidMax, shortDrainAllocs)
	}
}
