package sched

import "pgregory.net/rapid"

// NewRapid returns a chooser that draws every decision with more than one
// runnable thread from t ("thread", an index into the runnable threads with
// the previous step's thread first), so rapid shrinks an interleaving
// together with the operations: toward fewer steps and fewer preemptions.
func NewRapid(t *rapid.T) Chooser { return &rapidChooser{t: t} }

type rapidChooser struct {
	t     *rapid.T
	order []int
}

func (c *rapidChooser) Begin()       {}
func (c *rapidChooser) End(*Outcome) {}

func (c *rapidChooser) Choose(p *Point) (int, error) {
	n := len(p.Runnable)
	if n == 1 {
		return 0, nil
	}
	c.order = c.order[:0]
	for i, q := range p.Runnable {
		if q.Thread == p.Last {
			c.order = append(c.order, i)
		}
	}
	for i, q := range p.Runnable {
		if q.Thread != p.Last {
			c.order = append(c.order, i)
		}
	}
	k := rapid.IntRange(0, n-1).Draw(c.t, "thread")
	return c.order[k], nil
}
