package sched

import (
	"slices"
)

// PCT is the probabilistic concurrency testing chooser of Burckhardt,
// Kothari, Musuvathi and Nagarakatte, "A Randomized Scheduler with
// Probabilistic Guarantees of Finding Bugs", ASPLOS 2010: every thread gets
// a random priority d or more when it starts, the highest-priority runnable
// thread always runs, and at depth−1 random steps k1 … k(d−1) the thread
// about to run has its priority lowered to i (below every initial one). A
// bug of depth d is found with probability at least 1/(n·k^(d−1)).
//
// The step count k is SetSteps' value, else the most steps of any run seen
// so far, else 100. Each run draws fresh priorities and change points from
// the chooser's one PCG source.
type PCT struct {
	rng     rng
	depth   int
	steps   int
	maxSeen int
	prio    []int // by thread id
	changes []int // change point i-1 is at step changes[i-1]
}

// NewPCT returns a PCT chooser of the given depth (at least 1) with its
// own source seeded with seed.
func NewPCT(seed uint64, depth int) *PCT {
	c := &PCT{depth: max(depth, 1)}
	c.rng.init(seed)
	// Priorities for 8 threads and the change points in one array.
	buf := make([]int, 8+c.depth-1)
	c.prio, c.changes = buf[:0:8], buf[8:8]
	return c
}

// SetSteps fixes the estimated number of steps per run (k in the paper).
func (c *PCT) SetSteps(k int) { c.steps = k }

// Begin draws the change points of a new run.
func (c *PCT) Begin() {
	k := c.steps
	if k <= 0 {
		k = c.maxSeen
	}
	if k <= 0 {
		k = 100
	}
	c.prio = c.prio[:0]
	c.changes = c.changes[:0]
	for i := 1; i < c.depth; i++ {
		c.changes = append(c.changes, c.rng.IntN(k)) // step index in [0, k)
	}
}

// Choose runs the highest-priority runnable thread, after lowering it at a
// change point.
func (c *PCT) Choose(p *Point) (int, error) {
	for len(c.prio) <= p.Runnable[len(p.Runnable)-1].Thread {
		c.prio = append(c.prio, c.depth+c.rng.IntN(1<<30))
	}
	best := c.highest(p)
	if i := slices.Index(c.changes, p.Step); i >= 0 {
		c.prio[p.Runnable[best].Thread] = i + 1
		best = c.highest(p)
	}
	return best, nil
}

func (c *PCT) highest(p *Point) int {
	best := 0
	for i, r := range p.Runnable {
		if c.prio[r.Thread] > c.prio[p.Runnable[best].Thread] {
			best = i
		}
	}
	return best
}

// End remembers the run's length for the next estimate.
func (c *PCT) End(o *Outcome) { c.maxSeen = max(c.maxSeen, o.Steps) }
