package alloctest

import (
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// ProcGen draws process-level ops over the handles a scenario has used so
// far; every fork gets a fresh child handle. Its two hooks let a design add
// the numbers only it has without changing the draws of the others.
type ProcGen struct {
	Known []model.Handle // handles actors and targets are drawn from
	Next  model.Handle   // the next fresh handle

	// Number, if set, may rewrite each drawn number n (pid, tid) using
	// more choices from pick: OpenVZ adds its VPID bit this way.
	Number func(n int, pick func(int) int) int
	// KillPid, if set, may rewrite a kill's drawn pid (before its signal
	// is drawn), using more choices from pick: pspace2006 turns kills into
	// kill(-wid) this way.
	KillPid func(pid int, pick func(int) int) int
}

// NewProcGen starts a generator that knows handles 0…next-1 and creates
// fresh handles from next on.
func NewProcGen(next model.Handle) *ProcGen {
	g := &ProcGen{Next: next}
	for h := model.Handle(0); h < next; h++ {
		g.Known = append(g.Known, h)
	}
	return g
}

// Fresh returns a new handle and makes it known.
func (g *ProcGen) Fresh() model.Handle {
	h := g.Next
	g.Next++
	g.Known = append(g.Known, h)
	return h
}

// procKinds weights the op kinds: forks and reads dominate.
var procKinds = []model.Kind{
	model.Fork, model.Fork, model.Fork, model.Fork, model.Exit, model.Exit, model.Wait, model.Wait,
	model.Kill, model.Kill, model.Unshare, model.Unshare, model.SetNs, model.GetPid, model.GetPPid,
	model.Translate, model.Translate, model.Lookup, model.Lookup, model.SetPidMax, model.SetLastPid,
	model.ForkWithTid,
}

// Draw makes one op from the choice function pick(n) ∈ [0, n).
func (g *ProcGen) Draw(pick func(n int) int) model.Op {
	handle := func() model.Handle { return g.Known[pick(len(g.Known))] }
	number := func() int {
		n := pick(20) - 2
		if g.Number != nil {
			n = g.Number(n, pick)
		}
		return n
	}
	op := model.Op{Kind: procKinds[pick(len(procKinds))], Task: handle()}
	switch op.Kind {
	case model.Fork:
		op.Child = g.Fresh()
	case model.ForkWithTid:
		op.Child = g.Fresh()
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
		if g.KillPid != nil {
			op.Pid = g.KillPid(op.Pid, pick)
		}
		op.Sig = []int{0, 9, 15}[pick(3)]
	case model.SetNs, model.Translate:
		op.Target = handle()
	case model.SetPidMax, model.SetLastPid:
		op.N = pick(20)
	}
	return op
}

// RapidPick is a choice function for ProcGen.Draw backed by t.
func RapidPick(t *rapid.T) func(int) int {
	return func(n int) int { return rapid.IntRange(0, n-1).Draw(t, "c") }
}

// CheckSequential applies a rapid-drawn number of ops from g to impl on one
// thread and fails unless every result passes st's Step and impl's Validate
// holds after every op.
func CheckSequential(t *rapid.T, impl model.Impl, st spec.State, g *ProcGen) {
	v, ok := impl.(model.Validator)
	if !ok {
		t.Fatalf("%T has no Validate", impl)
	}
	n := rapid.IntRange(1, 60).Draw(t, "ops")
	for i := 0; i < n; i++ {
		op := g.Draw(RapidPick(t))
		r := impl.Apply(op)
		ok, next, why := st.Step(op, r)
		if !ok {
			t.Fatalf("op %d: %s\nstate before:\n%s", i, why, st)
		}
		st = next
		if err := v.Validate(); err != nil {
			t.Fatalf("after %s: %v", op, err)
		}
	}
}

// Renumber is an Edit that passes the numbers the parallel part's ops aim
// at (wait, kill and lookup pids, set_tid tids) through g's Number hook,
// and kill pids through its KillPid hook, as Draw does: a design's own
// numbers in the engine's generated scenarios.
func (g *ProcGen) Renumber(src checker.Source, sc model.Scenario) model.Scenario {
	pick := func(n int) int { return src.IntRange(0, n-1, "renumber") }
	number := func(n int) int {
		if g.Number != nil {
			n = g.Number(n, pick)
		}
		return n
	}
	c := sc.Clone()
	for _, th := range c.Threads {
		for i := range th {
			op := &th[i]
			switch op.Kind {
			case model.Wait, model.Lookup:
				op.Pid = number(op.Pid)
			case model.Kill:
				op.Pid = number(op.Pid)
				if g.KillPid != nil {
					op.Pid = g.KillPid(op.Pid, pick)
				}
			case model.ForkWithTid:
				op.Tids = append([]int(nil), op.Tids...)
				for k := range op.Tids {
					op.Tids[k] = number(op.Tids[k])
				}
			}
		}
	}
	return c
}

// ProcessParams are the parameters of the process-level explorations:
// pid_max 12, floor 3, two levels of nesting.
func ProcessParams() model.Params { return model.Params{PidMax: 12, Floor: 3, MaxLevel: 2} }

// CheckLinearizable fails the test unless every run of Random on target
// (ProcessParams, base seed 1, edited by edit) is Ok: 300 schedules (50 in
// -short and -race runs), or seeds when it is positive.
func CheckLinearizable(t testing.TB, target checker.Target, seeds int, edit Edit) {
	t.Helper()
	budget := 300
	if testing.Short() || RaceEnabled {
		budget = 50
	}
	if seeds > 0 {
		budget = seeds
	}
	r, k, err := Random(target, ProcessParams(), 1, budget, edit)
	if err != nil {
		t.Fatal(err)
	}
	if r != nil {
		t.Fatalf("schedule %d: %s", k, Report(r))
	}
}

// RequireZooFound checks that Random (ProcessParams, base seed 1, edited by
// edit) exposes each zoo target within budget schedules, and logs how many
// it needed. It is skipped in -short and -race runs: the budget is
// measured without them.
func RequireZooFound(t testing.TB, budget int, edit Edit, zoo ...checker.Target) {
	t.Helper()
	if testing.Short() || RaceEnabled {
		t.Skip("zoo budgets are measured without -race and -short")
	}
	for _, target := range zoo {
		r, n, err := Random(target, ProcessParams(), 1, budget, edit)
		switch {
		case err != nil:
			t.Fatal(err)
		case r == nil:
			t.Errorf("%s: not found in %d schedules", target.Name, budget)
		default:
			t.Logf("%s: found after %d schedules: %s", target.Name, n, r.Verdict)
		}
	}
}

// StressProcess runs five rounds of four real goroutines (the pass-through
// Env: run it with -race), each applying 300 ops from its own newGen(3)
// (children numbered apart per thread) after t1 has unshared and forked
// t2, and fails unless the run ends cleanly and the implementation's
// Validate holds afterwards.
func StressProcess(t testing.TB, p model.Params, newImpl checker.NewImpl, newGen func(next model.Handle) *ProcGen) {
	t.Helper()
	for round := 0; round < 5; round++ {
		var impl model.Impl
		err := sched.RunReal(func(env sched.Env) {
			impl = newImpl(env, p)
			for _, op := range []model.Op{
				{Kind: model.Fork, Task: 0, Child: 1},
				{Kind: model.Unshare, Task: 1},
				{Kind: model.Fork, Task: 1, Child: 2},
			} {
				impl.Apply(op)
			}
			for i := 0; i < 4; i++ {
				env.Go(model.ThreadName(i), func() {
					rng := rand.New(rand.NewPCG(uint64(round), uint64(i)))
					g := newGen(3)
					g.Next = model.Handle(1000 * (i + 1)) // children unique across threads
					for j := 0; j < 300; j++ {
						impl.Apply(g.Draw(rng.IntN))
					}
				})
			}
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		v, ok := impl.(model.Validator)
		if !ok {
			t.Fatalf("%T has no Validate", impl)
		}
		if err := v.Validate(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}
