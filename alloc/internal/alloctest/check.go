package alloctest

import (
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// CheckRandomScenarios runs n random allocator scenarios, one random
// schedule each, and fails the test on the first history the policy does
// not allow.
func CheckRandomScenarios(t testing.TB, newImpl NewImpl, pol model.Policy, p model.Params, allocOnly bool, seed uint64, n int) {
	t.Helper()
	g := NewScenarioGen(seed, p)
	g.AllocOnly = allocOnly
	ch := sched.NewRandom(seed)
	for i := range n {
		sc := g.Next()
		if why := Judge(newImpl, sc, pol, ch); why != "" {
			t.Fatalf("scenario %d (seed %d): %s", i, seed, why)
		}
	}
}

// RequireFound checks that every seed's random schedules expose a failure
// of sc within budget, logs how many schedules each seed needed, and
// returns the first report.
func RequireFound(t testing.TB, newImpl NewImpl, sc model.Scenario, pol model.Policy, budget int) string {
	t.Helper()
	var first string
	var counts []int
	for seed := uint64(1); seed <= 5; seed++ {
		n, why := FirstFailure(newImpl, sc, pol, seed, budget)
		if n == 0 {
			t.Fatalf("seed %d: no failure in %d random schedules", seed, budget)
		}
		if first == "" {
			first = why
		}
		counts = append(counts, n)
	}
	t.Logf("schedules to first failure, seeds 1-5: %v (budget %d)", counts, budget)
	return first
}

// RequireFoundRandom checks that random scenarios (one random schedule
// each) expose a failure within budget for every seed, and logs how many
// scenarios each seed needed. It measures nothing in -short and -race runs.
func RequireFoundRandom(t testing.TB, newImpl NewImpl, pol model.Policy, p model.Params, allocOnly bool, budget int) {
	t.Helper()
	if testing.Short() || RaceEnabled {
		t.Log("random-scenario budget not measured in -short or -race runs")
		return
	}
	var counts []int
	for seed := uint64(1); seed <= 5; seed++ {
		g := NewScenarioGen(seed, p)
		g.AllocOnly = allocOnly
		ch := sched.NewRandom(seed)
		found := 0
		for i := 1; i <= budget && found == 0; i++ {
			if Judge(newImpl, g.Next(), pol, ch) != "" {
				found = i
			}
		}
		if found == 0 {
			t.Fatalf("seed %d: no failure in %d random scenarios", seed, budget)
		}
		counts = append(counts, found)
	}
	t.Logf("random scenarios to first failure, seeds 1-5: %v (budget %d)", counts, budget)
}

// CheckExhaustive explores every schedule of sc that d explores (sched.NewDFS
// with a preemption bound) and fails on the first history pol does not
// allow. It returns the number of runs.
func CheckExhaustive(t testing.TB, newImpl NewImpl, sc model.Scenario, pol model.Policy, d *sched.DFS) int {
	t.Helper()
	for d.Next() {
		if why := Judge(newImpl, sc, pol, d); why != "" {
			t.Fatalf("run %d: %s", d.Count(), why)
		}
	}
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

// Ops parses op lines, for scenarios written out in tests.
func Ops(t testing.TB, lines ...string) []model.Op {
	t.Helper()
	var out []model.Op
	for _, l := range lines {
		op, err := model.ParseOp(l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, op)
	}
	return out
}

// Repeat returns n copies of the op line.
func Repeat(n int, line string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = line
	}
	return out
}

// MixedScenario is a small allocator scenario with every kind of op in the
// parallel part, on a space that wraps (pid_max 16, floor 4).
func MixedScenario(t testing.TB) model.Scenario {
	return model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init: Ops(t, append(Repeat(13, "alloc"), "free 2", "free 5", "free 14")...),
		Threads: [][]model.Op{
			Ops(t, "alloc", "alloc"),
			Ops(t, "free 13", "set_max 14", "alloc"),
			Ops(t, "alloc_at 14", "set_cursor 3", "disable"),
		},
		Post: Ops(t, "alloc", "free 4", "alloc_at 4"),
	}
}
