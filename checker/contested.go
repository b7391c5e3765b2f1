package checker

import "github.com/pidcheck/pidcheck/checker/sched"

// contested wraps a chooser so that it sees only the decisions where more
// than one thread can run, numbered from 0. PCT places its priority change
// points uniformly over the steps it is told about; a scenario's init part,
// drain and post part run on main alone and can be hundreds of steps long,
// so counting them would put most change points where they change nothing.
type contested struct {
	inner sched.Chooser
	n     int // contested decisions so far in this run
}

func (c *contested) Begin() { c.n = 0; c.inner.Begin() }

func (c *contested) End(o *sched.Outcome) { c.inner.End(o) }

func (c *contested) Choose(p *sched.Point) (int, error) {
	if len(p.Runnable) == 1 {
		return 0, nil
	}
	// The inner chooser sees the contested index as the step: p's own
	// is put back after (a copy of p escaped to the heap, one
	// allocation per contested decision).
	step := p.Step
	p.Step = c.n
	c.n++
	i, err := c.inner.Choose(p)
	p.Step = step
	return i, err
}

// newPCT returns a PCT chooser of the given depth over contested decisions,
// expecting about steps of them (at least 8).
func newPCT(seed uint64, depth, steps int) *contested {
	p := sched.NewPCT(seed, depth)
	p.SetSteps(max(steps, 8))
	return &contested{inner: p}
}
