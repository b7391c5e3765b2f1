package linux_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc/linux"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// genOp draws one process-level op over handles t0…t(next-1), with next as
// the handle a fork creates. Without knobs it never writes pid_max or
// ns_last_pid.
func genOp(t *rapid.T, next int, p model.Params, knobs bool) model.Op {
	actor := model.Handle(rapid.IntRange(0, next-1).Draw(t, "actor"))
	num := func(label string) int { return rapid.IntRange(-1, p.PidMax+1).Draw(t, label) }
	kinds := 15
	if !knobs {
		kinds = 13
	}
	switch rapid.IntRange(0, kinds).Draw(t, "kind") {
	case 0, 1, 2:
		return model.Op{Kind: model.Fork, Task: actor, Child: model.Handle(next)}
	case 3:
		tids := rapid.SliceOfN(rapid.IntRange(0, p.PidMax), 1, 3).Draw(t, "tids")
		return model.Op{Kind: model.ForkWithTid, Task: actor, Child: model.Handle(next), Tids: tids}
	case 4, 5:
		return model.Op{Kind: model.Exit, Task: actor, Code: rapid.IntRange(0, 300).Draw(t, "code")}
	case 6, 7:
		return model.Op{Kind: model.Wait, Task: actor, Pid: num("pid")}
	case 8:
		sig := rapid.SampledFrom([]int{0, 9, 15, 1}).Draw(t, "sig")
		return model.Op{Kind: model.Kill, Task: actor, Pid: num("pid"), Sig: sig}
	case 9:
		return model.Op{Kind: model.Unshare, Task: actor}
	case 10:
		return model.Op{Kind: model.SetNs, Task: actor, Target: model.Handle(rapid.IntRange(0, next).Draw(t, "target"))}
	case 11:
		return model.Op{Kind: rapid.SampledFrom([]model.Kind{model.GetPid, model.GetPPid}).Draw(t, "get"), Task: actor}
	case 12:
		return model.Op{Kind: model.Translate, Task: actor, Target: model.Handle(rapid.IntRange(0, next).Draw(t, "target"))}
	case 13:
		return model.Op{Kind: model.Lookup, Task: actor, Pid: num("pid")}
	case 14:
		return model.Op{Kind: model.SetPidMax, Task: actor, N: rapid.IntRange(p.Floor, p.PidMax+1).Draw(t, "pid_max")}
	default:
		return model.Op{Kind: model.SetLastPid, Task: actor, N: num("last")}
	}
}

// TestPropertyLinuxSequential: on one thread, linux agrees with
// spec.Linux(p, cyclic) result by result, and its invariants hold after
// every op (including a final drain that reaps everything).
func TestPropertyLinuxSequential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := testParams
		env := sched.NewRealEnv()
		sys := linux.New(env, p)
		st := spec.Linux(p, model.Cyclic).Init()
		next := 1
		step := func(op model.Op) model.Result {
			got := sys.Apply(op)
			ok, nst, why := st.Step(op, got)
			if !ok {
				t.Fatalf("%s -> %s: %s\nspec state:\n%s", op, got.Format(op.Kind), why, st)
			}
			st = nst
			if err := sys.Validate(); err != nil {
				t.Fatalf("after %s -> %s: %v", op, got.Format(op.Kind), err)
			}
			return got
		}
		n := rapid.IntRange(1, 60).Draw(t, "ops")
		for range n {
			op := genOp(t, next, p, true)
			step(op)
			if op.Kind == model.Fork || op.Kind == model.ForkWithTid {
				next++
			}
		}
		// Drain, so the zap threads end: every task but t0 exits, t0 reaps.
		for pass := 0; pass < 3; pass++ {
			for h := next - 1; h > 0; h-- {
				step(model.Op{Kind: model.Exit, Task: model.Handle(h)})
			}
			for range 4*next + 8 {
				if r := step(model.Op{Kind: model.Wait, Task: model.Root, Pid: -1}); r.Err != model.OK || r.N == 0 {
					break
				}
			}
		}
		if err := env.Wait(); err != nil {
			t.Fatal(err)
		}
	})
}
