package sched

// POS is partial-order sampling, after Yuan, Yang and Gu, "Partial Order
// Aware Concurrency Sampling", CAV 2018: every pending operation gets a
// random priority when its thread parks at it, the runnable operation of
// highest priority runs, and when it has run every other runnable
// operation that races with it (Pending.Independent is false: the same
// object, not two Loads) draws a new priority. PCT keeps one priority per
// thread for the whole run, so a thread that gets ahead stays ahead until
// a change point; POS reconsiders the order exactly where it matters, at
// each conflict, and samples partial orders far more evenly.
//
// A thread that is blocked (not runnable) keeps the priority of the
// operation it waits at: the chooser sees only runnable threads, so it
// cannot tell whether an operation run meanwhile raced with it. Each run
// draws from the chooser's one PCG source.
type POS struct {
	rng   rng
	prio  []uint64 // by thread id: the priority of its pending operation
	fresh []bool   // by thread id: its pending operation has no priority yet
}

// NewPOS returns a POS chooser with its own source seeded with seed.
func NewPOS(seed uint64) *POS {
	c := &POS{}
	c.rng.init(seed)
	c.prio, c.fresh = make([]uint64, 0, 8), make([]bool, 0, 8)
	return c
}

// Begin starts a run: no thread has a priority yet.
func (c *POS) Begin() { c.prio, c.fresh = c.prio[:0], c.fresh[:0] }

// End implements Chooser.
func (c *POS) End(*Outcome) {}

// Choose runs the runnable operation of highest priority, then redraws the
// priorities of the runnable operations that race with it.
func (c *POS) Choose(p *Point) (int, error) {
	for len(c.prio) <= p.Runnable[len(p.Runnable)-1].Thread {
		c.prio, c.fresh = append(c.prio, 0), append(c.fresh, true)
	}
	best := 0
	for i, r := range p.Runnable {
		if c.fresh[r.Thread] {
			c.prio[r.Thread], c.fresh[r.Thread] = c.rng.Uint64(), false
		}
		if c.prio[r.Thread] > c.prio[p.Runnable[best].Thread] {
			best = i
		}
	}
	e := p.Runnable[best]
	for _, r := range p.Runnable {
		if r.Thread != e.Thread && !e.Independent(r) {
			c.fresh[r.Thread] = true
		}
	}
	c.fresh[e.Thread] = true // its next operation is a new event
	return best, nil
}
