package spec

import "github.com/pidcheck/pidcheck/model"

// linuxReplay steps a Linux state in place (InPlace) the persistent way:
// each step makes the next state, as Step does. What it saves is storage.
// A replay's states are its own (Replay and Own start it on a copy), so
// once a step is over, the state it left and every state it made on the
// way but did not keep (the spec tries an op several ways: a fork, then
// apply; each world of a kill) are garbage nobody else can reach, and the
// next steps' clones reuse them and their space and task arrays instead
// of allocating three objects each. The spec's witness check and the
// generator's oracle replay a history op by op, a few clones an op; with
// the persistent wrapper those clones were two fifths of a Linux
// exploration's allocated bytes.
type linuxReplay struct {
	cur  *linuxState
	pool statePool
}

// statePool is a replay's storage: states nobody refers to (free), and
// the states clone made during the step in progress (made), which the step's
// end sorts into the one it keeps and the garbage.
type statePool struct {
	free []*linuxState
	made []*linuxState
}

// maxFree bounds what a pool keeps between steps (a step makes a handful).
const maxFree = 16

// take returns a free state, or nil; p may be nil (a state outside a
// replay's step).
func (p *statePool) take() *linuxState {
	if p == nil || len(p.free) == 0 {
		return nil
	}
	c := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	return c
}

// record adds c, a state clone made during a step, to made.
func (p *statePool) record(c *linuxState) {
	if p != nil {
		p.made = append(p.made, c)
	}
}

// release frees x unless it is one of the worlds of keep.
func (p *statePool) release(x, keep *linuxState) {
	for w := keep; w != nil; w = w.alt {
		if w == x {
			return
		}
	}
	if len(p.free) < maxFree {
		p.free = append(p.free, x)
	}
}

// replay implements replayer: Replay's InPlace for a Linux state, on a
// copy of each of its worlds.
func (s *linuxState) replay() InPlace {
	r := &linuxReplay{}
	r.cur = s.copyWorlds(&r.pool)
	return r
}

// copyWorlds returns a copy of s and of each of its other worlds, with
// pool's room for tasks but no pool.
func (s *linuxState) copyWorlds(pool *statePool) *linuxState {
	var head *linuxState
	at := &head
	for w := s; w != nil; w = w.alt {
		*at = w.cloneInto(nil, pool)
		(*at).pool = nil
		at = &(*at).alt
	}
	return head
}

func (r *linuxReplay) Own() InPlace { return r.cur.replay() }

func (r *linuxReplay) StepInPlace(op model.Op, obs model.Result) bool {
	old := r.cur
	old.pool = &r.pool
	ok, next, _ := old.Step(op, obs)
	old.pool = nil
	if ok {
		r.advance(old, next.(*linuxState))
	} else {
		r.advance(old, old) // the state is undefined now; keep it whole anyway
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

// advance ends a step from old to next: next is the current state, and
// old and the states the step made are free, but for next's worlds.
// States outside a step carry no pool: a state the replay hands out (by
// Step or Expect on it) is an ordinary persistent one.
func (r *linuxReplay) advance(old, next *linuxState) {
	p := &r.pool
	for w := next; w != nil; w = w.alt {
		w.pool = nil
	}
	for _, m := range p.made {
		p.release(m, next)
	}
	clear(p.made)
	p.made = p.made[:0]
	p.release(old, next)
	r.cur = next
}

// Step, Expect: the persistent methods, on a state the replay will
// reuse, so a next state that is the current one (a rejection, an op that
// changes nothing) goes out as a copy.
func (r *linuxReplay) Step(op model.Op, obs model.Result) (bool, State, string) {
	ok, next, why := r.cur.Step(op, obs)
	return ok, r.outside(next), why
}

func (r *linuxReplay) Expect(op model.Op) (model.Result, State) {
	res, next := r.cur.Expect(op)
	return res, r.outside(next)
}

func (r *linuxReplay) outside(st State) State {
	if st == State(r.cur) {
		return r.cur.copyWorlds(nil)
	}
	return st
}

func (r *linuxReplay) Key() string    { return r.cur.Key() }
func (r *linuxReplay) String() string { return r.cur.String() }
