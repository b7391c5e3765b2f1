package alloctest

import (
	"fmt"
	"testing"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// Correct is the target named name that newImpl (a package's New) builds,
// claiming spec s and policy pol.
func Correct[I model.Impl](name string, s model.SpecName, pol model.Policy, newImpl func(sched.Env, model.Params) I) checker.Target {
	return checker.Target{Name: name, Spec: s, Policy: pol,
		New: func(env sched.Env, p model.Params) model.Impl { return newImpl(env, p) }}
}

// Zoo is the target of zoo variant bug, named by it, that newZoo (a
// package's NewZoo) builds, checked against spec s and policy pol.
func Zoo[B fmt.Stringer, I model.Impl](bug B, s model.SpecName, pol model.Policy, newZoo func(sched.Env, model.Params, B) I) checker.Target {
	return checker.Target{Name: bug.String(), Spec: s, Policy: pol,
		New: func(env sched.Env, p model.Params) model.Impl { return newZoo(env, p, bug) }}
}

// Report is "" when r is Ok, else the engine's banner for r. Unknown is
// not Ok.
func Report(r *checker.Result) string {
	if r.Verdict.Outcome == traces.Ok {
		return ""
	}
	return checker.Banner(r, checker.Reproduce{})
}

// FirstFailure runs sc on target (checker.Run) up to budget times, run i
// (from 1) under choose(i), and returns the index of the first run that is
// not Ok with that run, or 0 and nil.
func FirstFailure(target checker.Target, sc model.Scenario, ro checker.RunOptions, budget int, choose func(i int) sched.Chooser) (int, *checker.Result) {
	for i := 1; i <= budget; i++ {
		if r := checker.Run(target, sc, choose(i), ro); Report(r) != "" {
			return i, r
		}
	}
	return 0, nil
}

// OneRandom is a choose for FirstFailure: every run draws from the one
// chooser sched.NewRandom(seed).
func OneRandom(seed uint64) func(int) sched.Chooser {
	ch := sched.NewRandom(seed)
	return func(int) sched.Chooser { return ch }
}

// SeedPerRun is a choose for FirstFailure: run i runs under
// sched.NewRandom(i), so that seed i alone reproduces it.
func SeedPerRun(i int) sched.Chooser { return sched.NewRandom(uint64(i)) }

// RequireFound checks that for every seed 1–5, the runs of sc under
// OneRandom(seed) expose a failure within budget, logs how many runs each
// seed needed, and returns the first seed's report.
func RequireFound(t testing.TB, target checker.Target, sc model.Scenario, budget int) string {
	t.Helper()
	var first string
	var counts []int
	for seed := uint64(1); seed <= 5; seed++ {
		n, r := FirstFailure(target, sc, checker.RunOptions{}, budget, OneRandom(seed))
		if n == 0 {
			t.Fatalf("seed %d: no failure in %d random schedules", seed, budget)
		}
		if first == "" {
			first = Report(r)
		}
		counts = append(counts, n)
	}
	t.Logf("schedules to first failure, seeds 1-5: %v (budget %d)", counts, budget)
	return first
}

// DFS runs sc on target under the schedules of sched.NewDFS(bound), at
// most budget runs (0: every one), and calls visit with each run's number
// (from 1) and result, except for the runs the sleep sets prune (they say
// nothing about the implementation); visit returns true to stop. It
// returns the DFS, for its Count, Pruned and Exhausted.
func DFS(target checker.Target, sc model.Scenario, ro checker.RunOptions, bound, budget int, visit func(run int, r *checker.Result) bool) *sched.DFS {
	d := sched.NewDFS(bound)
	for d.Next() && (budget <= 0 || d.Count() < budget) {
		pruned := d.Pruned()
		r := checker.Run(target, sc, d, ro)
		if d.Pruned() > pruned {
			continue
		}
		if visit(d.Count(), r) {
			break
		}
	}
	return d
}

// CheckExhaustive runs every schedule of sc that sched.NewDFS(bound)
// explores and fails on the first one that is not Ok, or when the DFS
// stops without exhausting the schedules. It returns the number of runs.
func CheckExhaustive(t testing.TB, target checker.Target, sc model.Scenario, bound int) int {
	t.Helper()
	d := DFS(target, sc, checker.RunOptions{}, bound, 0, func(run int, r *checker.Result) bool {
		if why := Report(r); why != "" {
			t.Fatalf("run %d: %s", run, why)
		}
		return false
	})
	if !d.Exhausted() {
		t.Fatalf("DFS stopped after %d runs without exhausting the schedules", d.Count())
	}
	return d.Count()
}

// DFSBound is the preemption bound of exhaustive tests: 2, or 1 in -short
// and -race runs.
func DFSBound() int {
	if testing.Short() || RaceEnabled {
		return 1
	}
	return 2
}
