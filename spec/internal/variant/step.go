package variant

import (
	"fmt"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// Choice carries what an observation fixes where a spec leaves a choice:
// the number a fork took in the space it allocates from (policies lowest
// and unique) and the child a wait(-1) reaped. Zero values mean "the
// spec's own choice".
type Choice struct {
	N    int
	Reap int
}

// Machine is a design's state: Clone returns a private copy, and Apply
// performs op on that copy, following ch where it is not zero; a non-empty
// string says ch is not a choice the spec allows.
type Machine[S any] interface {
	spec.State
	Clone() S
	Apply(op model.Op, ch Choice) (model.Result, string)
}

// Expect returns the spec's own result for op in s and the next state.
func Expect[S Machine[S]](s S, op model.Op) (model.Result, spec.State) {
	n := s.Clone()
	r, _ := n.Apply(op, Choice{})
	return r, n
}

// Step says whether op may return observed in s, for the spec named name.
func Step[S Machine[S]](name string, s S, op model.Op, observed model.Result) (bool, spec.State, string) {
	var ch Choice
	if observed.Err == model.OK {
		switch {
		case (op.Kind == model.Fork || op.Kind == model.ForkWithTid) && len(observed.NSpid) > 0:
			ch.N = observed.NSpid[0]
		case op.Kind == model.Wait && op.Pid == -1:
			ch.Reap = observed.N
		}
	}
	n := s.Clone()
	r, why := n.Apply(op, ch)
	if why != "" {
		return false, nil, fmt.Sprintf("%s returned %s: %s", op, observed.Format(op.Kind), why)
	}
	if !r.Equal(op.Kind, observed) {
		return false, nil, fmt.Sprintf("%s returned %s; the %s spec gives %s", op, observed.Format(op.Kind), name, r.Format(op.Kind))
	}
	return true, n, ""
}
