package openvz

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/anishathalye/porcupine"
	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/linmodel"
	ovzspec "github.com/pidcheck/pidcheck/spec/openvz"
)

// seeds overrides the schedule budget of the concurrent correctness test:
// go test -run Concurrent -seeds 10000.
var seeds = flag.Int("seeds", 0, "schedules for the concurrent correctness test (0: the default)")

// opGen draws process-level ops over the handles a scenario has used so
// far; every fork gets a fresh child handle.
type opGen struct {
	known []model.Handle // handles actors and targets are drawn from
	next  model.Handle   // the next fresh handle
	vpids bool           // draw virtual numbers (with VPIDBit) too
}

// newGen starts a generator that knows handles 0…next-1 and creates fresh
// handles from next on.
func newGen(next model.Handle, vpids bool) *opGen {
	g := &opGen{next: next, vpids: vpids}
	for h := model.Handle(0); h < next; h++ {
		g.known = append(g.known, h)
	}
	return g
}

func (g *opGen) fresh() model.Handle {
	h := g.next
	g.next++
	g.known = append(g.known, h)
	return h
}

// kinds weights the op kinds: forks and reads dominate.
var kinds = []model.Kind{
	model.Fork, model.Fork, model.Fork, model.Fork, model.Exit, model.Exit, model.Wait, model.Wait,
	model.Kill, model.Kill, model.Unshare, model.Unshare, model.SetNs, model.GetPid, model.GetPPid,
	model.Translate, model.Translate, model.Lookup, model.Lookup, model.SetPidMax, model.SetLastPid,
	model.ForkWithTid,
}

// draw makes one op from the choice function pick(n) ∈ [0, n).
func (g *opGen) draw(pick func(n int) int) model.Op {
	handle := func() model.Handle { return g.known[pick(len(g.known))] }
	number := func() int {
		n := pick(20) - 2
		if g.vpids && pick(3) == 0 && n > 0 {
			n |= VPIDBit
		}
		return n
	}
	op := model.Op{Kind: kinds[pick(len(kinds))], Task: handle()}
	switch op.Kind {
	case model.Fork:
		op.Child = g.fresh()
	case model.ForkWithTid:
		op.Child = g.fresh()
		op.Tids = []int{number()}
		if pick(2) == 0 {
			op.Tids = append(op.Tids, number())
		}
	case model.Exit:
		op.Code = pick(3)
	case model.Wait, model.Lookup:
		op.Pid = number()
		if pick(2) == 0 && op.Kind == model.Wait {
			op.Pid = -1
		}
	case model.Kill:
		op.Pid = number()
		op.Sig = []int{0, 9, 15}[pick(3)]
	case model.SetNs, model.Translate:
		op.Target = handle()
	case model.SetPidMax, model.SetLastPid:
		op.N = pick(20)
	}
	return op
}

func rapidPick(t *rapid.T) func(int) int {
	return func(n int) int { return rapid.IntRange(0, n-1).Draw(t, "c") }
}

// TestPropertyOpenVZSequential: on one thread, the implementation agrees
// with spec/openvz under the Cyclic policy, op by op, and its internal
// invariants hold after every op.
func TestPropertyOpenVZSequential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pm := rapid.IntRange(4, 20).Draw(t, "pid_max")
		p := model.Params{PidMax: pm, Floor: rapid.IntRange(1, pm-1).Draw(t, "floor"), MaxLevel: rapid.IntRange(0, 1).Draw(t, "max_level")}
		sys := New(sched.NewRealEnv(), p, None)
		st := ovzspec.New(p, model.Cyclic).Init()
		g := newGen(1, true)
		n := rapid.IntRange(1, 60).Draw(t, "ops")
		for i := 0; i < n; i++ {
			op := g.draw(rapidPick(t))
			r := sys.Apply(op)
			ok, next, why := st.Step(op, r)
			if !ok {
				t.Fatalf("op %d: %s\nstate before:\n%s", i, why, st)
			}
			st = next
			if err := sys.Validate(); err != nil {
				t.Fatalf("after %s: %v", op, err)
			}
		}
	})
}

// scenario builds a random concurrent scenario: a sequential part that
// makes a container with a few tasks, threads of random ops, and a drain
// that reads every handle's numbers.
func scenario(seed uint64, threads, ops int, vpids bool) model.Scenario {
	rng := rand.New(rand.NewPCG(seed, 0x0b5))
	pick := func(n int) int { return rng.IntN(n) }
	sc := model.Scenario{Level: model.ProcessLevel, Params: model.Params{PidMax: 12, Floor: 3, MaxLevel: 2}}
	sc.Init = []model.Op{
		{Kind: model.Fork, Task: 0, Child: 1},
		{Kind: model.Unshare, Task: 1},
		{Kind: model.Fork, Task: 1, Child: 2},
		{Kind: model.Fork, Task: 2, Child: 3},
	}
	g := newGen(4, vpids)
	for i := 0; i < threads; i++ {
		var th []model.Op
		for j := 0; j < ops; j++ {
			th = append(th, g.draw(pick))
		}
		sc.Threads = append(sc.Threads, th)
	}
	for _, h := range g.known {
		sc.Post = append(sc.Post,
			model.Op{Kind: model.Translate, Task: 0, Target: h},
			model.Op{Kind: model.Translate, Task: 2, Target: h},
			model.Op{Kind: model.GetPid, Task: h})
	}
	return sc
}

// runScenario runs sc on impl under the chooser and returns the history
// and what the implementation's Validate said at the end (quiescent).
func runScenario(ch sched.Chooser, sc model.Scenario, build func(sched.Env, model.Params) model.Impl) ([]porcupine.Operation, *sched.Outcome, error) {
	var hist []porcupine.Operation
	var invalid error
	tick := int64(0)
	out := sched.Run(ch, sched.Options{}, func(env sched.Env) {
		impl := build(env, sc.Params)
		apply := func(client int, op model.Op) {
			call := tick
			tick++
			r := impl.Apply(op)
			hist = append(hist, porcupine.Operation{ClientId: client, Input: op, Call: call, Output: r, Return: tick})
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
		if v, ok := impl.(model.Validator); ok {
			invalid = v.Validate()
		}
	})
	return hist, out, invalid
}

// findBug explores seeds 0, 1, … up to budget (one scenario and one random
// schedule per seed) and returns the first seed whose history is not
// linearizable against s, or whose final state fails Validate, with the
// reason; -1 if none.
func findBug(t *testing.T, s spec.Spec, budget int, vpids bool, build func(sched.Env, model.Params) model.Impl) (int, string) {
	m := linmodel.Model(s)
	for seed := 0; seed < budget; seed++ {
		sc := scenario(uint64(seed), 2, 3, vpids)
		hist, out, invalid := runScenario(sched.NewRandom(uint64(seed)), sc, build)
		if out.Failed() {
			t.Fatalf("seed %d: run failed: %v %s", seed, out.Verdict, out.Message)
		}
		if invalid != nil {
			return seed, invalid.Error()
		}
		if !porcupine.CheckOperations(m, hist) {
			return seed, linmodel.Explain(s, hist)
		}
	}
	return -1, ""
}

// TestConcurrentOpenVZLinearizable: under the random scheduler, every
// history of the correct implementation is linearizable against the spec
// with the Cyclic policy it claims.
func TestConcurrentOpenVZLinearizable(t *testing.T) {
	budget := 300
	if testing.Short() || raceEnabled {
		budget = 50
	}
	if *seeds > 0 {
		budget = *seeds
	}
	p := model.Params{PidMax: 12, Floor: 3, MaxLevel: 2}
	if seed, why := findBug(t, ovzspec.New(p, model.Cyclic), budget, true, func(env sched.Env, p model.Params) model.Impl { return New(env, p, None) }); seed >= 0 {
		t.Fatalf("seed %d: %s", seed, why)
	}
}

// TestZooOpenVZFound: each zoo variant is exposed within its budget of
// random schedules (measured: see the report in the registry's comments).
func TestZooOpenVZFound(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("zoo budgets are measured without -race and -short")
	}
	p := model.Params{PidMax: 12, Floor: 3, MaxLevel: 2}
	for _, tc := range []struct {
		name   string
		build  func(sched.Env, model.Params) model.Impl
		budget int
	}{
		{"openvz-map-after-visible", NewMapAfterVisible, 10000},
		{"openvz-kill-global-leak", NewKillGlobalLeak, 10000},
		{"openvz-alloc-before-attach", NewAllocBeforeAttach, 10000},
	} {
		seed, why := findBug(t, ovzspec.New(p, model.Cyclic), tc.budget, true, tc.build)
		if seed < 0 {
			t.Errorf("%s: not found in %d schedules", tc.name, tc.budget)
			continue
		}
		t.Logf("%s: found at seed %d (%d schedules): %s", tc.name, seed, seed+1, why)
	}
}

// TestStressOpenVZReal: real goroutines on the pass-through Env (run with
// -race); the invariants hold afterwards and nothing panics.
func TestStressOpenVZReal(t *testing.T) {
	p := model.Params{PidMax: 64, Floor: 8, MaxLevel: 1}
	for round := 0; round < 5; round++ {
		var sys *System
		err := sched.RunReal(func(env sched.Env) {
			sys = New(env, p, None)
			for _, op := range []model.Op{
				{Kind: model.Fork, Task: 0, Child: 1},
				{Kind: model.Unshare, Task: 1},
				{Kind: model.Fork, Task: 1, Child: 2},
			} {
				sys.Apply(op)
			}
			for i := 0; i < 4; i++ {
				env.Go(model.ThreadName(i), func() {
					rng := rand.New(rand.NewPCG(uint64(round), uint64(i)))
					g := newGen(3, true)
					g.next = model.Handle(1000 * (i + 1)) // children unique across threads
					for j := 0; j < 300; j++ {
						sys.Apply(g.draw(rng.IntN))
					}
				})
			}
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := sys.Validate(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

func ExampleSystem() {
	sys := New(sched.NewRealEnv(), model.SmallParams(), None)
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
