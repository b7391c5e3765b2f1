package spec

import "github.com/pidcheck/pidcheck/model"

// State is an immutable spec state: no method mutates its receiver, so any
// state may be kept, shared between goroutines and compared later.
type State interface {
	// Step says whether op, in this state, may return observed. It returns
	// ok, the next state (when ok; the receiver otherwise) and, when !ok, a
	// sentence a person reads: "fork by t3 returned [1 7]; cyclic allocation
	// in s1 from cursor 5 gives 6".
	Step(op model.Op, observed model.Result) (ok bool, next State, reason string)
	// Expect returns the result the spec itself gives for op, and the next
	// state. Where the spec allows several results (the Unique policy; which
	// exited child a wait(-1) reaps) it returns the kernel's choice: the
	// lowest free number, the first child in the parent's children list.
	Expect(op model.Op) (model.Result, State)
	// Key is a canonical encoding: two states are equal iff their Keys
	// are, where equal means Step accepts exactly the same futures from
	// both. (Linux: the order of a parent's children list is left out of
	// the Key; it only decides which exited child Expect's wait(-1)
	// reports, never what Step accepts. So is which thread of a group is a
	// child's parent or a space's child reaper: only the group shows.)
	Key() string
	// String is a readable multi-line description.
	String() string
}

// InPlace is a State that can also be stepped in place, for a replay of
// one linearization that keeps no earlier state (the judge's witness
// check: most runs end there, and a new state at every step was a fifth of
// an allocator exploration's allocations; Run, the generator's oracle).
// Own returns a copy that shares no memory with the receiver; StepInPlace
// is Step done to such a copy itself: it accepts exactly what Step
// accepts, and leaves the state Step's next state would be (after a
// rejection the state is undefined). ExpectInPlace is Expect done to it.
// Only a state Own returned may be stepped in place, and once it is, it is
// nobody else's: nothing may have kept it.
type InPlace interface {
	State
	Own() InPlace
	StepInPlace(op model.Op, observed model.Result) bool
	ExpectInPlace(op model.Op) model.Result
}

// Spec is a sequential specification with its parameters.
type Spec struct {
	Name   string // "alloc", "linux" (variants: "openvz", "pspace2006")
	Level  model.Level
	Policy model.Policy
	Params model.Params
	// Init returns the initial state; every call returns an equal state.
	Init func() State
	// Rules are the rules its states hit (see Coverer and ContractOf); nil
	// for a spec that names none.
	Rules []Rule
}

// Run applies ops in order, from s.Init(), with Expect, and returns the
// results. The ops run one after another, so each runs alone (Op.Alone):
// under CyclicAlone, Run answers as Cyclic does.
func Run(s Spec, ops []model.Op) []model.Result {
	out := make([]model.Result, len(ops))
	own := Replay(s.Init())
	for i, op := range ops {
		op.Alone = true
		out[i] = own.ExpectInPlace(op)
	}
	return out
}

// Replay returns a state to step in place, starting at st: a copy of st
// when it is InPlace, else st wrapped, so that each step replaces the
// wrapped state by its next one (a persistent state is shared freely, so
// the wrapper's Own copies only the wrapper).
func Replay(st State) InPlace {
	if r, ok := st.(replayer); ok {
		return r.replay()
	}
	if ip, ok := st.(InPlace); ok {
		return ip.Own()
	}
	return &persistent{st}
}

// replayer is a persistent State with its own way to be replayed in place.
type replayer interface{ replay() InPlace }

// persistent steps a persistent State in place by replacing it.
type persistent struct{ State }

func (p *persistent) Own() InPlace { c := *p; return &c }

func (p *persistent) StepInPlace(op model.Op, obs model.Result) bool {
	ok, next, _ := p.Step(op, obs)
	if ok {
		p.State = next
	}
	return ok
}

func (p *persistent) ExpectInPlace(op model.Op) model.Result {
	r, next := p.Expect(op)
	p.State = next
	return r
}

// Deferrer is a State whose ops may free numbers after their other effects
// (Linux since 6.15: release_task detaches a task under tasklist_lock and
// frees its numbers only after dropping it, still inside the system call).
// A judge that cannot linearize a history with atomic ops asks again with
// each such op split in two: the op itself, stepped by StepDeferred, whose
// frees it keeps pending (the numbers stay taken although their task is
// gone), and a release event with the op's interval, Release, which frees
// them. Porcupine may order the release anywhere inside the interval after
// the op; right after it is the atomic op.
type Deferrer interface {
	// MayDefer reports whether ops of kind k may free numbers.
	MayDefer(k model.Kind) bool
	// StepDeferred is Step for the op with id, its frees left pending;
	// with stages, also the later stages of the deaths it causes (a dying
	// space's disable and its members' deaths: the spec's own notion).
	StepDeferred(op model.Op, observed model.Result, id int, stages bool) (ok bool, next State, reason string)
	// Release frees what the op with id left pending (nothing, if it
	// has not run or freed nothing).
	Release(id int) State
}
