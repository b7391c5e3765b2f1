package main

import (
	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// opSpans reruns a trace with its decisions and returns, for each op of
// its history, the decisions [from, to) made while that op was in flight,
// so that each decision can be shown beside the op (and ticks) it served.
// It returns nil when the rerun does not follow the trace.
//
// (checker.Result keeps these spans unexported; until it exports them,
// the CLI measures them itself by wrapping the implementation and the
// chooser.)
func opSpans(e alloc.Entry, t *traces.Trace, ro checker.RunOptions) [][2]int {
	decisions := make([]sched.Decision, len(t.Decisions))
	for i, d := range t.Decisions {
		decisions[i] = sched.Decision{Runnable: d.Runnable, Thread: d.Thread, Action: d.Action}
	}
	c := &countingChooser{inner: sched.NewReplay(decisions)}
	var spans [][2]int
	inner := e.New
	e.New = func(env sched.Env, p model.Params) model.Impl {
		return &spanImpl{inner: inner(env, p), c: c, spans: &spans}
	}
	ro.Drain = false
	r := checker.Run(e, t.Scenario, c, ro)
	if r.Hash != t.Hash || len(spans) != len(t.History) || len(r.Decisions) != len(t.Decisions) {
		return nil
	}
	for i := range spans {
		if spans[i][1] < 0 {
			spans[i][1] = len(t.Decisions)
		}
	}
	return spans
}

// countingChooser counts the decisions of the chooser it wraps.
type countingChooser struct {
	inner sched.Chooser
	n     int
}

func (c *countingChooser) Begin() { c.n = 0; c.inner.Begin() }

func (c *countingChooser) Choose(p *sched.Point) (int, error) {
	i, err := c.inner.Choose(p)
	c.n++
	return i, err
}

func (c *countingChooser) End(o *sched.Outcome) { c.inner.End(o) }

// spanImpl notes, around each op it passes on, how many decisions had
// been made. The scheduler runs one thread at a time, so plain fields do.
type spanImpl struct {
	inner model.Impl
	c     *countingChooser
	spans *[][2]int
}

func (s *spanImpl) Apply(op model.Op) model.Result {
	i := len(*s.spans)
	*s.spans = append(*s.spans, [2]int{s.c.n, -1})
	r := s.inner.Apply(op)
	(*s.spans)[i][1] = s.c.n
	return r
}

// Validate passes the implementation's own invariant check on.
func (s *spanImpl) Validate() error {
	if v, ok := s.inner.(model.Validator); ok {
		return v.Validate()
	}
	return nil
}
