package spectest

import (
	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
)

// GenProcessOp draws a process-level op over handles t0…t(n-1); forks,
// clones and thread creations create tn.
func GenProcessOp(t *rapid.T, n int) model.Op {
	h := func(label string) model.Handle { return model.Handle(rapid.IntRange(0, n-1).Draw(t, label)) }
	num := rapid.IntRange(-4, 20)
	kinds := []model.Kind{model.Fork, model.Fork, model.Fork, model.Exit, model.Wait, model.Kill,
		model.Unshare, model.SetNs, model.GetPid, model.GetPPid, model.Translate, model.Lookup,
		model.SetPidMax, model.SetLastPid, model.ForkWithTid,
		model.Thread, model.Thread, model.GetTid, model.ExitThread, model.Exec,
		model.SetPgid, model.GetPgid, model.SetSid, model.GetSid, model.SigChld, model.Subreaper,
		model.Clone, model.SetNsChildren, model.GetLastPid, model.GetNSpid}
	op := model.Op{Kind: rapid.SampledFrom(kinds).Draw(t, "kind"), Task: h("task")}
	switch op.Kind {
	case model.Fork, model.Thread:
		op.Child = model.Handle(n)
	case model.Clone:
		op.Child = model.Handle(n)
		op.N = rapid.IntRange(0, 7).Draw(t, "flags")
	case model.SetPgid:
		op.Pid = num.Draw(t, "pid")
		op.N = num.Draw(t, "pgid")
	case model.GetPgid, model.GetSid:
		op.Pid = num.Draw(t, "pid")
	case model.SigChld:
		op.N = rapid.IntRange(0, 2).Draw(t, "disposition")
	case model.Subreaper:
		op.N = rapid.IntRange(0, 1).Draw(t, "subreaper")
	case model.SetNsChildren:
		op.Target = h("target")
	case model.ForkWithTid:
		op.Child = model.Handle(n)
		op.Tids = rapid.SliceOfN(num, 1, 3).Draw(t, "tids")
	case model.Exit, model.ExitThread:
		op.Code = rapid.IntRange(0, 3).Draw(t, "code")
	case model.Wait, model.Lookup:
		op.Pid = num.Draw(t, "pid")
	case model.Kill:
		op.Pid = num.Draw(t, "pid")
		op.Sig = rapid.SampledFrom([]int{0, 9, 15}).Draw(t, "sig")
	case model.SetNs, model.Translate:
		op.Target = h("target")
	case model.SetPidMax, model.SetLastPid:
		op.N = num.Draw(t, "n")
	}
	return op
}

// CheckExpectPassesStep draws parameters, a policy and up to 50 ops, and
// fails unless, for the spec newSpec builds, the spec's own answer passes
// its Step and both reach the same state, stepping does not change the
// receiver's Key (states are immutable), an EINVAL or ESRCH answer leaves
// the state as it was, and Init is deterministic.
func CheckExpectPassesStep(t *rapid.T, newSpec NewSpec) {
	pm := rapid.IntRange(4, 20).Draw(t, "pid_max")
	p := model.Params{PidMax: pm, Floor: rapid.IntRange(1, pm-1).Draw(t, "floor"), MaxLevel: rapid.IntRange(0, 3).Draw(t, "max_level")}
	pol := rapid.SampledFrom([]model.Policy{model.Cyclic, model.Lowest, model.Unique}).Draw(t, "policy")
	s := newSpec(p, pol)
	if a, b := s.Init(), s.Init(); a.Key() != b.Key() {
		t.Fatalf("Init is not deterministic")
	}
	st := s.Init()
	n := 1
	for i := rapid.IntRange(1, 50).Draw(t, "ops"); i > 0; i-- {
		op := GenProcessOp(t, n)
		if op.Kind.Creates() {
			n++
		}
		before := st.Key()
		r, next := st.Expect(op)
		ok, stepped, why := st.Step(op, r)
		if !ok {
			t.Fatalf("%s -> %s fails Step: %s\n%s", op, r.Format(op.Kind), why, st)
		}
		if stepped.Key() != next.Key() {
			t.Fatalf("%s: Step and Expect disagree:\n%s\n%s", op, stepped, next)
		}
		if st.Key() != before {
			t.Fatalf("%s mutated its receiver", op)
		}
		if (r.Err == model.EINVAL || r.Err == model.ESRCH) && next.Key() != before {
			// A refusal changes nothing: an op a design lacks (model/doc.go)
			// as much as a bad argument.
			t.Fatalf("%s -> %s changed the state", op, r.Format(op.Kind))
		}
		st = next
	}
}
