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
	kinds := 19
	if !knobs {
		kinds = 17
	}
	k := rapid.IntRange(0, kinds).Draw(t, "kind")
	if knobs && k >= 16 || !knobs && k >= 14 {
		// The thread ops (clone(CLONE_THREAD), gettid, SYS_exit, execve).
		switch rapid.IntRange(0, 4).Draw(t, "thread op") {
		case 0, 1:
			return model.Op{Kind: model.Thread, Task: actor, Child: model.Handle(next)}
		case 2:
			return model.Op{Kind: model.ExitThread, Task: actor, Code: rapid.IntRange(0, 300).Draw(t, "code")}
		case 3:
			return model.Op{Kind: model.Exec, Task: actor}
		default:
			return model.Op{Kind: model.GetTid, Task: actor}
		}
	}
	switch {
	case k <= 2:
		return model.Op{Kind: model.Fork, Task: actor, Child: model.Handle(next)}
	case k == 3:
		tids := rapid.SliceOfN(rapid.IntRange(0, p.PidMax), 1, 3).Draw(t, "tids")
		return model.Op{Kind: model.ForkWithTid, Task: actor, Child: model.Handle(next), Tids: tids}
	case k <= 5:
		return model.Op{Kind: model.Exit, Task: actor, Code: rapid.IntRange(0, 300).Draw(t, "code")}
	case k <= 7:
		return model.Op{Kind: model.Wait, Task: actor, Pid: num("pid")}
	case k == 8:
		sig := rapid.SampledFrom([]int{0, 9, 15, 1}).Draw(t, "sig")
		return model.Op{Kind: model.Kill, Task: actor, Pid: num("pid"), Sig: sig}
	case k == 9:
		return model.Op{Kind: model.Unshare, Task: actor}
	case k == 10:
		return model.Op{Kind: model.SetNs, Task: actor, Target: model.Handle(rapid.IntRange(0, next).Draw(t, "target"))}
	case k == 11:
		return model.Op{Kind: rapid.SampledFrom([]model.Kind{model.GetPid, model.GetPPid}).Draw(t, "get"), Task: actor}
	case k == 12:
		return model.Op{Kind: model.Translate, Task: actor, Target: model.Handle(rapid.IntRange(0, next).Draw(t, "target"))}
	case k == 13:
		return model.Op{Kind: model.Lookup, Task: actor, Pid: num("pid")}
	case k == 14:
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
			if op.Kind.Creates() {
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
