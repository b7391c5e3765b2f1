package sched

// NewDrawing returns a chooser that asks draw for every decision with more
// than one runnable thread: draw(n) returns an index in [0, n) into the
// runnable threads ordered with the previous step's thread first, so a
// source that shrinks toward 0 (rapid's draws: see checker.NewRapidChooser)
// shrinks an interleaving toward fewer preemptions.
func NewDrawing(draw func(n int) int) Chooser { return &drawing{draw: draw} }

type drawing struct {
	draw  func(n int) int
	order []int
}

func (c *drawing) Begin()       {}
func (c *drawing) End(*Outcome) {}

func (c *drawing) Choose(p *Point) (int, error) {
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
	return c.order[c.draw(n)], nil
}
