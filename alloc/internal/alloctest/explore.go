package alloctest

import (
	"testing"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// Edit rewrites a generated scenario, drawing any choice it makes from src:
// a design's own numbers (OpenVZ's virtual PIDs), or a parallel part that
// only allocates.
type Edit func(src checker.Source, sc model.Scenario) model.Scenario

// Random explores target over n generated scenarios (checker.Generate with
// parameters p; zero: model.SmallParams), one random schedule each, from the base seed, and returns the first
// run that is not Ok, or nil, with the number of schedules run. Without an
// edit it is checker.Explore with the random strategy. With one, scenario j
// is checker.Generate from checker.SeedSource(checker.ScenarioSeed(seed,
// j)), edited, and run by checker.Run under
// sched.NewRandom(checker.ScheduleSeed(…, 0)): Explore's scenario and
// schedule seeds. Edited scenarios are drained at the process level only
// (zap threads must end): at the allocator level the edit writes the post
// part (Tail).
func Random(target checker.Target, p model.Params, seed uint64, n int, edit Edit) (*checker.Result, int, error) {
	if p == (model.Params{}) {
		p = model.SmallParams()
	}
	g := checker.GenOptions{Params: p}
	if edit == nil {
		rep, err := checker.Explore(target, checker.ExploreOptions{Strategy: checker.Random, Schedules: n, Seed: seed, Gen: g})
		if err != nil {
			return nil, 0, err
		}
		if rep.Found == nil {
			return rep.Unknown, rep.Schedules, nil
		}
		return rep.Found, rep.Schedules, nil
	}
	s, err := checker.SpecFor(target.Spec, p, target.Policy)
	if err != nil {
		return nil, 0, err
	}
	g.Oracle = func(ops []model.Op) []model.Result { return spec.Run(s, ops) }
	for j := range n {
		ss := checker.ScenarioSeed(seed, j)
		sc := edit(checker.SeedSource(ss^0xed17), checker.Generate(checker.SeedSource(ss), target.Level(), g))
		k := checker.ScheduleSeed(ss, 0)
		r := checker.Run(target, sc, sched.NewRandom(k), checker.RunOptions{Drain: target.Level() == model.ProcessLevel, Strategy: string(checker.Random), Seed: k})
		if Report(r) != "" {
			return r, j + 1, nil
		}
	}
	return nil, n, nil
}

// CheckRandom fails the test unless, for every base seed 1…seeds, all of
// Random's n runs are Ok (n/4 in -short and -race runs).
func CheckRandom(t testing.TB, target checker.Target, p model.Params, seeds, n int, edit Edit) {
	t.Helper()
	if testing.Short() || RaceEnabled {
		n = max(n/4, 1)
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		r, k, err := Random(target, p, seed, n, edit)
		if err != nil {
			t.Fatal(err)
		}
		if r != nil {
			t.Fatalf("seed %d, schedule %d: %s", seed, k, Report(r))
		}
	}
}

// RequireFoundRandom checks that Random finds a failure within budget
// schedules for every seed 1–5, and logs how many each seed needed. It
// measures nothing in -short and -race runs.
func RequireFoundRandom(t testing.TB, target checker.Target, p model.Params, budget int, edit Edit) {
	t.Helper()
	if testing.Short() || RaceEnabled {
		t.Log("random-scenario budget not measured in -short or -race runs")
		return
	}
	var counts []int
	for seed := uint64(1); seed <= 5; seed++ {
		r, k, err := Random(target, p, seed, budget, edit)
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			t.Fatalf("%s, seed %d: no failure in %d random scenarios", target.Name, seed, budget)
		}
		counts = append(counts, k)
	}
	t.Logf("%s: random scenarios to first failure, seeds 1-5: %v (budget %d)", target.Name, counts, budget)
}

// AllocOnly is an Edit that makes every op of the parallel part an alloc.
func AllocOnly(_ checker.Source, sc model.Scenario) model.Scenario {
	c := sc.Clone()
	for _, th := range c.Threads {
		for i := range th {
			th[i] = model.Op{Kind: model.Alloc}
		}
	}
	return c
}

// Busy is the Edit of the allocator tests' random scenarios: Fill, Uniform,
// then Tail. The engine's generator alone aims its numbers next to the few
// its init part took and fills only spaces above 40 numbers; on the zoo's
// bugs of the wrap, a full space and a lowered pid_max it needs about ten
// times more scenarios (random strategy, seeds 1-5: idr-short-wrap 116-452
// without, 1-17 with; idr-pidmax-read-twice 328-3778 without, 2-348 with).
func Busy(src checker.Source, sc model.Scenario) model.Scenario {
	return Tail(src, Uniform(src, Fill(src, sc)))
}

// Fill is an Edit that puts a busy space under the parallel part: the init
// part first takes k numbers, k drawn from [0, pid_max+4) — so the space is
// often full, or has wrapped to the floor — and then frees up to three
// numbers drawn from [1, pid_max).
func Fill(src checker.Source, sc model.Scenario) model.Scenario {
	c := sc.Clone()
	p := sc.Params
	var init []model.Op
	for range src.IntRange(0, p.PidMax+3, "fill") {
		init = append(init, model.Op{Kind: model.Alloc})
	}
	for range src.IntRange(0, 3, "holes") {
		init = append(init, model.Op{Kind: model.Free, N: src.IntRange(1, p.PidMax-1, "hole")})
	}
	c.Init = append(init, c.Init...)
	return c
}

// Chain is the Edit that applies edits in order.
func Chain(edits ...Edit) Edit {
	return func(src checker.Source, sc model.Scenario) model.Scenario {
		for _, e := range edits {
			sc = e(src, sc)
		}
		return sc
	}
}

// Uniform is an Edit that redraws the number of every free, alloc_at and
// set_max of the parallel part uniformly: from [1, pid_max), and set_max
// from (floor, pid_max]. The engine's generator aims its numbers at those
// its own init part took, which Fill moves.
func Uniform(src checker.Source, sc model.Scenario) model.Scenario {
	c := sc.Clone()
	p := sc.Params
	for _, th := range c.Threads {
		for i := range th {
			switch op := &th[i]; op.Kind {
			case model.Free, model.AllocAt:
				op.N = src.IntRange(1, p.PidMax-1, "n")
			case model.SetMax:
				op.N = src.IntRange(p.Floor+1, p.PidMax, "max")
			}
		}
	}
	return c
}

// Tail is an Edit that gives the scenario a post part of its own: up to
// three ops copied from its parallel part, then an alloc. Random runs such
// allocator scenarios without the engine's drain, which would fill the
// space first: a stale cursor shows only when a number just taken is freed
// and allocated again (pidmap-stale-cursor).
func Tail(src checker.Source, sc model.Scenario) model.Scenario {
	c := sc.Clone()
	var par []model.Op
	for _, th := range c.Threads {
		par = append(par, th...)
	}
	for range src.IntRange(0, 3, "tail") {
		if len(par) > 0 {
			c.Post = append(c.Post, par[src.IntRange(0, len(par)-1, "tail op")])
		}
	}
	c.Post = append(c.Post, model.Op{Kind: model.Alloc})
	return c
}
