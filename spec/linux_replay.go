package spec

import "github.com/pidcheck/pidcheck/model"

// linuxReplay steps a Linux state in place (InPlace) the persistent way:
// each step makes the next state, as Step does. What it saves is the
// storage of the state a step leaves behind, which nothing else holds (a
// replay's states are its own: Replay and Own start it on a clone): the
// next step's first clone reuses that state and its space and task
// arrays, instead of three new allocations. The spec's witness check and
// the generator's oracle replay a history op by op, one clone or more per
// op; with the persistent wrapper that clone was two fifths of a Linux
// exploration's allocated bytes.
type linuxReplay struct {
	cur  *linuxState
	pool statePool
}

// statePool holds a state no one refers to, for clone to reuse.
type statePool struct{ free *linuxState }

// take returns the pooled state, or nil; p may be nil (a state outside a
// replay's step).
func (p *statePool) take() *linuxState {
	if p == nil {
		return nil
	}
	c := p.free
	p.free = nil
	return c
}

// replay implements replayer: Replay's InPlace for a Linux state, on a
// copy of each of its worlds.
func (s *linuxState) replay() InPlace {
	r := &linuxReplay{}
	at := &r.cur
	for w := s; w != nil; w = w.alt {
		*at = w.cloneInto(nil, &r.pool) // with a replay's room for tasks
		(*at).pool = nil
		at = &(*at).alt
	}
	return r
}

func (r *linuxReplay) Own() InPlace { return r.cur.replay() }

func (r *linuxReplay) StepInPlace(op model.Op, obs model.Result) bool {
	old := r.cur
	old.pool = &r.pool
	ok, next, _ := old.Step(op, obs)
	old.pool = nil
	if ok {
		r.advance(old, next.(*linuxState))
	}
	return ok
}

func (r *linuxReplay) ExpectInPlace(op model.Op) model.Result {
	old := r.cur
	old.pool = &r.pool
	res, next := old.Expect(op)
	old.pool = nil
	r.advance(old, next.(*linuxState))
	return res
}

// advance makes next the current state and pools old, unless next is old
// or one of its worlds. States outside a step carry no pool: a state the
// replay hands out (Step, Expect on it) is an ordinary persistent one.
func (r *linuxReplay) advance(old, next *linuxState) {
	for w := next; w != nil; w = w.alt {
		w.pool = nil
		if w == old {
			r.cur = next
			return
		}
	}
	r.cur = next
	r.pool.free = old
}

func (r *linuxReplay) Step(op model.Op, obs model.Result) (bool, State, string) {
	return r.cur.Step(op, obs)
}
func (r *linuxReplay) Expect(op model.Op) (model.Result, State) { return r.cur.Expect(op) }
func (r *linuxReplay) Key() string                              { return r.cur.Key() }
func (r *linuxReplay) String() string                           { return r.cur.String() }
