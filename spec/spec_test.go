package spec

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
)

func TestInitIsDeterministic(t *testing.T) {
	for _, s := range []Spec{Linux(model.SmallParams(), model.Cyclic), Allocator(model.SmallParams(), model.Unique)} {
		if a, b := s.Init().Key(), s.Init().Key(); a != b {
			t.Errorf("%s: Init keys differ: %q vs %q", s.Name, a, b)
		}
	}
}

func TestRunMatchesExpect(t *testing.T) {
	s := Linux(model.SmallParams(), model.Cyclic)
	ops := []model.Op{
		{Kind: model.Fork, Task: 0, Child: 1},
		{Kind: model.Unshare, Task: 1},
		{Kind: model.Fork, Task: 1, Child: 2},
		{Kind: model.GetPid, Task: 2},
	}
	got := Run(s, ops)
	want := []string{"[2]", "ok", "[3 1]", "1"}
	for i := range ops {
		if f := got[i].Format(ops[i].Kind); f != want[i] {
			t.Errorf("%s -> %s, want %s", ops[i], f, want[i])
		}
	}
}

// TestPropertyStepIsPure: Step and Expect never change the receiver, and a
// rejected Step returns the receiver with a reason.
func TestPropertyStepIsPure(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		runLinux(t, false, func(before *linuxState, op model.Op, r model.Result, after *linuxState) {
			k := before.buildKey()
			before.Step(op, r)
			bogus := model.Fail(model.Errno(200)) // no op answers it (EPERM and EACCES are real answers now)
			before.Step(op, bogus)
			before.Expect(op)
			if before.buildKey() != k {
				t.Fatalf("%s changed the state it was applied to", op)
			}
			ok, next, why := before.Step(op, bogus)
			if ok || next != State(before) || why == "" {
				t.Fatalf("%s -> errno(200): ok=%v, same state=%v, reason %q", op, ok, next == State(before), why)
			}
		})
	})
}

// TestPropertyRunIsCyclicUnderCyclicAlone: Run's ops run one after
// another, each alone, so under CyclicAlone it answers exactly as under
// Cyclic, at both levels (the generator's oracle relies on it to predict
// the numbers of a scenario's init part).
func TestPropertyRunIsCyclicUnderCyclicAlone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genParams(t)
		var ops []model.Op
		if rapid.Bool().Draw(t, "alloc level") {
			for i, n := 0, rapid.IntRange(1, 60).Draw(t, "steps"); i < n; i++ {
				op := model.Op{Kind: rapid.SampledFrom([]model.Kind{model.Alloc, model.Alloc, model.Free, model.AllocAt, model.SetCursor, model.SetMax, model.Disable}).Draw(t, "kind")}
				if op.Kind != model.Alloc && op.Kind != model.Disable {
					op.N = rapid.IntRange(0, p.PidMax).Draw(t, "n")
				}
				ops = append(ops, op)
			}
			compareRuns(t, Allocator(p, model.Cyclic), Allocator(p, model.CyclicAlone), ops)
			return
		}
		st, next := newLinux(p, model.Cyclic), model.Handle(1)
		for i, n := 0, rapid.IntRange(1, 80).Draw(t, "steps"); i < n; i++ {
			op := genLinuxOp(t, st, &next, false)
			_, s := st.Expect(op)
			st = s.(*linuxState)
			ops = append(ops, op)
		}
		compareRuns(t, Linux(p, model.Cyclic), Linux(p, model.CyclicAlone), ops)
	})
}

// compareRuns fails t where Run answers ops differently under a and b.
func compareRuns(t *rapid.T, a, b Spec, ops []model.Op) {
	ra, rb := Run(a, ops), Run(b, ops)
	for i, op := range ops {
		if !ra[i].Equal(op.Kind, rb[i]) {
			t.Fatalf("op %d %s: %s answers %s, %s answers %s", i, op, a.Policy, ra[i].Format(op.Kind), b.Policy, rb[i].Format(op.Kind))
		}
	}
}
