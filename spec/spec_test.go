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
