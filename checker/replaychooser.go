package checker

import (
	"fmt"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/traces"
)

// traceChooser replays a trace's whole schedule through its Cursor: the
// recorded decisions are followed and held to their runnable sets, the
// decisions in runs (format v2) are made by their rule. Where the run
// meets another runnable set or thread, or ends earlier or later, it stops
// with the verdict Diverged and "diverged at decision k: …".
type traceChooser struct {
	t     *traces.Trace
	cur   *traces.Cursor
	names []string
}

func newTraceChooser(t *traces.Trace) *traceChooser { return &traceChooser{t: t} }

func (c *traceChooser) Begin() { c.cur = c.t.Cursor() }

func (c *traceChooser) Choose(p *sched.Point) (int, error) {
	c.names = c.names[:0]
	for i := range p.Runnable {
		c.names = append(c.names, p.Name(i))
	}
	return c.cur.Next(c.names)
}

func (c *traceChooser) End(o *sched.Outcome) {
	if o.Verdict == sched.Diverged || c.cur.Done() {
		return
	}
	o.Message = fmt.Sprintf("diverged at decision %d: expected %d decisions, found the run ended (%s: %s)",
		c.cur.Step(), c.t.Steps(), o.Verdict, firstLine(o.Message))
	o.Verdict = sched.Diverged
}

func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
