package sched

import (
	"fmt"
	"slices"
	"strings"
)

// NewReplay returns a chooser that follows a recorded decision list. Where
// the run's runnable set or the recorded thread differs from the record, or
// the run ends earlier or later, the run stops with the verdict Diverged and
// "diverged at decision k: expected …, found …" (k counts from 0).
func NewReplay(d []Decision) Chooser { return &replayChooser{d: d} }

type replayChooser struct {
	d []Decision
	k int
}

func (c *replayChooser) Begin() { c.k = 0 }

func (c *replayChooser) Choose(p *Point) (int, error) {
	k := c.k
	if k >= len(c.d) {
		return 0, fmt.Errorf("diverged at decision %d: expected the run to end, found runnable [%s]", k, names(p))
	}
	want := c.d[k]
	same := len(want.Runnable) == len(p.Runnable)
	for i := 0; same && i < len(p.Runnable); i++ {
		same = want.Runnable[i] == p.Name(i)
	}
	if !same {
		return 0, fmt.Errorf("diverged at decision %d: expected runnable [%s], found [%s]", k, strings.Join(want.Runnable, " "), names(p))
	}
	i := slices.Index(want.Runnable, want.Thread)
	if i < 0 {
		return 0, fmt.Errorf("diverged at decision %d: expected thread %s, found runnable [%s]", k, want.Thread, names(p))
	}
	c.k++
	return i, nil
}

func (c *replayChooser) End(o *Outcome) {
	if o.Verdict == Diverged || c.k >= len(c.d) {
		return
	}
	o.Message = fmt.Sprintf("diverged at decision %d: expected %q, found the run ended (%s: %s)", c.k, c.d[c.k].String(), o.Verdict, firstLine(o.Message))
	o.Verdict = Diverged
}

func names(p *Point) string {
	var b strings.Builder
	for i := range p.Runnable {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.Name(i))
	}
	return b.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
