package idr

// This file is the same in alloc/idr, alloc/pidmap and alloc/lockfree (only
// the package clause differs): a scenario runner under the controlled
// scheduler and a porcupine check against spec.Allocator (spec/linmodel).

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/linmodel"
)

type newImplFunc func(sched.Env, model.Params) model.Impl

// checkModel is the porcupine model of spec.Allocator(p, pol).
func checkModel(p model.Params, pol model.Policy) porcupine.Model {
	return linmodel.Model(spec.Allocator(p, pol))
}

// runScenario runs sc on a fresh implementation under ch: main runs Init,
// threads A, B, … run Threads, main runs Post. It returns the history, with
// one logical tick per call and per return (only one thread runs at a time,
// so the ticks are the real order).
func runScenario(newImpl newImplFunc, sc model.Scenario, ch sched.Chooser) ([]porcupine.Operation, *sched.Outcome) {
	var hist []porcupine.Operation
	var tick int64
	out := sched.Run(ch, sched.Options{}, func(env sched.Env) {
		impl := newImpl(env, sc.Params)
		apply := func(client int, op model.Op) {
			call := tick
			tick++
			res := impl.Apply(op)
			hist = append(hist, porcupine.Operation{ClientId: client, Input: op, Call: call, Output: res, Return: tick})
			tick++
		}
		for _, op := range sc.Init {
			apply(0, op)
		}
		done := env.NewInt32("done", 0)
		for i, ops := range sc.Threads {
			env.Go(model.ThreadName(i), func() {
				for _, op := range ops {
					apply(i+1, op)
				}
				done.Add(1)
			})
		}
		env.WaitUntil("threads done", func() bool { return int(done.Load()) == len(sc.Threads) })
		for _, op := range sc.Post {
			apply(0, op)
		}
	})
	return hist, out
}

// judge runs sc once under ch and says what is wrong, or "".
func judge(newImpl newImplFunc, sc model.Scenario, pol model.Policy, ch sched.Chooser) string {
	hist, out := runScenario(newImpl, sc, ch)
	if out.Verdict == sched.Pruned {
		return "" // DFS cut a run equivalent to one explored before
	}
	if out.Verdict != sched.Done {
		return fmt.Sprintf("run ended %s: %s", out.Verdict, out.Message)
	}
	switch porcupine.CheckOperationsTimeout(checkModel(sc.Params, pol), hist, 10*time.Second) {
	case porcupine.Ok:
		return ""
	case porcupine.Unknown:
		return "porcupine timed out (unknown is not a pass)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "history not linearizable (%s): %s\n", pol, linmodel.Explain(spec.Allocator(sc.Params, pol), hist))
	for _, op := range hist {
		fmt.Fprintf(&b, "  [%d,%d] %s: %s -> %s\n", op.Call, op.Return, model.ThreadName(op.ClientId-1),
			op.Input.(model.Op), op.Output.(model.Result).Format(op.Input.(model.Op).Kind))
	}
	b.WriteString("decisions:\n")
	for _, d := range out.Decisions() {
		fmt.Fprintf(&b, "  %s\n", d.Action)
	}
	return b.String()
}

// firstFailure runs sc under budget random schedules (one chooser seeded
// with seed) and returns the 1-based index of the first failing one with its
// report, or 0.
func firstFailure(newImpl newImplFunc, sc model.Scenario, pol model.Policy, seed uint64, budget int) (int, string) {
	ch := sched.NewRandom(seed)
	for i := 1; i <= budget; i++ {
		if why := judge(newImpl, sc, pol, ch); why != "" {
			return i, why
		}
	}
	return 0, ""
}

// scenarioGen draws random allocator scenarios for p.
type scenarioGen struct {
	rng       *rand.Rand
	p         model.Params
	allocOnly bool // the parallel part only allocates
}

func newScenarioGen(seed uint64, p model.Params) *scenarioGen {
	return &scenarioGen{rng: rand.New(rand.NewPCG(seed, 0xa110c)), p: p}
}

func (g *scenarioGen) op(allocOnly bool) model.Op {
	num := func() int { return 1 + g.rng.IntN(g.p.PidMax-1) }
	if allocOnly {
		return model.Op{Kind: model.Alloc}
	}
	switch r := g.rng.IntN(100); {
	case r < 40:
		return model.Op{Kind: model.Alloc}
	case r < 70:
		return model.Op{Kind: model.Free, N: num()}
	case r < 80:
		return model.Op{Kind: model.AllocAt, N: num()}
	case r < 88:
		return model.Op{Kind: model.SetCursor, N: g.rng.IntN(g.p.PidMax)}
	case r < 97:
		return model.Op{Kind: model.SetMax, N: g.p.Floor + 1 + g.rng.IntN(g.p.PidMax-g.p.Floor)}
	}
	return model.Op{Kind: model.Disable}
}

// next draws a scenario: a sequential init that fills part of the space,
// 2 or 3 threads of 1–4 ops, and a short sequential post part.
func (g *scenarioGen) next() model.Scenario {
	sc := model.Scenario{Level: model.AllocLevel, Params: g.p}
	for range g.rng.IntN(g.p.PidMax + 4) {
		sc.Init = append(sc.Init, model.Op{Kind: model.Alloc})
	}
	for range g.rng.IntN(4) {
		sc.Init = append(sc.Init, model.Op{Kind: model.Free, N: 1 + g.rng.IntN(g.p.PidMax-1)})
	}
	for range 2 + g.rng.IntN(2) {
		var ops []model.Op
		for range 1 + g.rng.IntN(4) {
			ops = append(ops, g.op(g.allocOnly))
		}
		sc.Threads = append(sc.Threads, ops)
	}
	for range g.rng.IntN(4) {
		sc.Post = append(sc.Post, g.op(false))
	}
	sc.Post = append(sc.Post, model.Op{Kind: model.Alloc})
	return sc
}

// checkRandomScenarios runs n random scenarios, one random schedule each,
// and fails the test on the first history the policy does not allow.
func checkRandomScenarios(t *testing.T, newImpl newImplFunc, pol model.Policy, p model.Params, allocOnly bool, seed uint64, n int) {
	t.Helper()
	g := newScenarioGen(seed, p)
	g.allocOnly = allocOnly
	ch := sched.NewRandom(seed)
	for i := range n {
		sc := g.next()
		if why := judge(newImpl, sc, pol, ch); why != "" {
			t.Fatalf("scenario %d (seed %d): %s", i, seed, why)
		}
	}
}

// ops parses op lines, for scenarios written out in tests.
func ops(t *testing.T, lines ...string) []model.Op {
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

// repeat returns n copies of the op line.
func repeat(n int, line string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = line
	}
	return out
}

// requireFound checks that every seed's random schedules expose a failure
// of sc within budget, logs how many schedules each seed needed, and
// returns the first report.
func requireFound(t *testing.T, newImpl newImplFunc, sc model.Scenario, pol model.Policy, budget int) string {
	t.Helper()
	var first string
	var counts []int
	for seed := uint64(1); seed <= 5; seed++ {
		n, why := firstFailure(newImpl, sc, pol, seed, budget)
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

// requireFoundRandom checks that random scenarios (one random schedule
// each) expose a failure within budget for every seed, and logs how many
// scenarios each seed needed.
func requireFoundRandom(t *testing.T, newImpl newImplFunc, pol model.Policy, p model.Params, allocOnly bool, budget int) {
	t.Helper()
	if testing.Short() || raceEnabled {
		t.Log("random-scenario budget not measured in -short or -race runs")
		return
	}
	var counts []int
	for seed := uint64(1); seed <= 5; seed++ {
		g := newScenarioGen(seed, p)
		g.allocOnly = allocOnly
		ch := sched.NewRandom(seed)
		found := 0
		for i := 1; i <= budget && found == 0; i++ {
			if judge(newImpl, g.next(), pol, ch) != "" {
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

// checkExhaustive explores every schedule of sc that d explores (sched.NewDFS
// with a preemption bound) and fails on the first history pol does not
// allow. It returns the number of runs.
func checkExhaustive(t *testing.T, newImpl newImplFunc, sc model.Scenario, pol model.Policy, d *sched.DFS) int {
	t.Helper()
	for d.Next() {
		if why := judge(newImpl, sc, pol, d); why != "" {
			t.Fatalf("run %d: %s", d.Count(), why)
		}
	}
	if !d.Exhausted() {
		t.Fatalf("DFS stopped after %d runs without exhausting the schedules", d.Count())
	}
	return d.Count()
}

// mixedScenario is a small scenario with every kind of op in the parallel
// part, on a space that wraps (pid_max 16, floor 4).
func mixedScenario(t *testing.T) model.Scenario {
	return model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init: ops(t, append(repeat(13, "alloc"), "free 2", "free 5", "free 14")...),
		Threads: [][]model.Op{
			ops(t, "alloc", "alloc"),
			ops(t, "free 13", "set_max 14", "alloc"),
			ops(t, "alloc_at 14", "set_cursor 3", "disable"),
		},
		Post: ops(t, "alloc", "free 4", "alloc_at 4"),
	}
}

// dfsBound is the preemption bound of exhaustive tests: 2, or 1 in -short
// and -race runs.
func dfsBound() int {
	if testing.Short() || raceEnabled {
		return 1
	}
	return 2
}
