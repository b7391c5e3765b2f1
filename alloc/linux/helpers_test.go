package linux_test

import (
	"testing"
	"time"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/alloc/linux"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
)

// testParams are small enough to wrap and fill within a few forks.
var testParams = model.Params{PidMax: 16, Floor: 4, MaxLevel: 3}

// scenario builds a process-level scenario from ";"-separated op lines.
func scenario(t testing.TB, init string, threads []string, post string) model.Scenario {
	return alloctest.Scenario(t, model.ProcessLevel, testParams, init, threads, post)
}

// target is linux as the engine checks it, held to pol.
func target(pol model.Policy) checker.Target {
	return alloctest.Correct("linux", model.SpecLinux, pol, linux.New)
}

// zoo is the zoo variant bug, held to unique as linux is.
func zoo(bug linux.Bug) checker.Target {
	return alloctest.Zoo(bug, model.SpecLinux, model.Unique, linux.NewZoo)
}

// runOptions bound each run, and drain it: after the parallel part every
// task waits until a round reaps nothing, so Validate sees the drained
// system.
func runOptions() checker.RunOptions {
	return checker.RunOptions{MaxSteps: 200000, Watchdog: 10 * time.Second, Drain: true}
}

// firstFailure runs sc on t under random schedules with seeds 1…budget and
// returns the first failing seed (0: none) with the engine's report.
func firstFailure(sc model.Scenario, t checker.Target, budget int) (int, string) {
	seed, r := alloctest.FirstFailure(t, sc, runOptions(), budget, alloctest.SeedPerRun)
	if seed == 0 {
		return 0, ""
	}
	return seed, alloctest.Report(r)
}
