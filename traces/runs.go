package traces

import (
	"fmt"
	"slices"
	"strings"
)

// Compact returns ds with its long stretches written as runs, as a
// Compactor with those settings would record them.
func Compact(ds []Decision, minRun, keepHead, keepTail int) ([]Decision, []Run) {
	c := Compactor{MinRun: minRun, KeepHead: keepHead, KeepTail: keepTail}
	for _, d := range ds {
		c.Add(d)
	}
	return c.Result()
}

// A Compactor records a run's decisions as they are made, writing every
// stretch of at least MinRun consecutive decisions that one Rule explains
// as a Run instead of one by one — except the first KeepHead and the last
// KeepTail decisions, which stay recorded, so that a reader sees how the
// run began and what it was doing when it stopped. Its memory is that of
// the decisions it records, plus KeepTail and MinRun decisions: a
// livelock of millions of decisions by one spinning thread costs a few
// lines. A stretch compacts only when the rule explains it decision for
// decision, from the runnable sets: a schedule that switches threads at
// random stays recorded (check Recorded against MaxDecisions).
//
// The zero Compactor records every decision (MinRun 0 means never
// compact). The hash is not the Compactor's business: it stays the
// scheduler's hash of every decision.
type Compactor struct {
	MinRun   int // the shortest stretch written as a run; 0: none is
	KeepHead int // the first decisions, always recorded
	KeepTail int // the last decisions, always recorded

	out   []Decision // recorded
	runs  []Run
	steps int
	last  string     // the thread chosen at the step before
	buf   []Decision // a stretch shorter than MinRun that cand explains
	cand  [numRules]bool
	open  bool // runs[len(runs)-1] is still growing; its rule explains each new decision
	tail  []Decision
	tailN int // decisions pushed into tail, as a ring
}

// Add records the next decision. Its Runnable slice is kept, not copied.
func (c *Compactor) Add(d Decision) {
	c.push(d)
	c.steps++
	c.add(d)
	c.last = d.Thread
}

func (c *Compactor) add(d Decision) {
	if c.MinRun <= 0 || c.steps <= c.KeepHead {
		c.out = append(c.out, d)
		return
	}
	if c.open {
		r := &c.runs[len(c.runs)-1]
		if explains(r.Rule, c.last, d) {
			r.N++
			return
		}
		c.open = false
		c.start(d)
		return
	}
	if len(c.buf) > 0 {
		some := false
		for r := RuleContinue; r < numRules; r++ {
			c.cand[r] = c.cand[r] && explains(r, c.last, d)
			some = some || c.cand[r]
		}
		if !some {
			c.out = append(c.out, c.buf...)
			c.buf = c.buf[:0]
			c.start(d)
			return
		}
		c.buf = append(c.buf, d)
		c.promote()
		return
	}
	c.start(d)
}

// start begins a stretch at d when some rule explains it, else records it.
func (c *Compactor) start(d Decision) {
	some := false
	for r := RuleContinue; r < numRules; r++ {
		c.cand[r] = explains(r, c.last, d)
		some = some || c.cand[r]
	}
	if !some {
		c.out = append(c.out, d)
		return
	}
	c.buf = append(c.buf[:0], d)
	c.promote()
}

// promote turns the buffered stretch into an open run once it is long
// enough.
func (c *Compactor) promote() {
	if len(c.buf) < max(c.MinRun, 1) {
		return
	}
	rule := RuleContinue
	for r := RuleContinue; r < numRules; r++ {
		if c.cand[r] {
			rule = r
			break
		}
	}
	c.runs = append(c.runs, Run{At: len(c.out), N: len(c.buf), Rule: rule})
	c.buf = c.buf[:0]
	c.open = true
}

func explains(r Rule, last string, d Decision) bool {
	return len(d.Runnable) > 0 && d.Runnable[r.Choose(last, d.Runnable)] == d.Thread
}

func (c *Compactor) push(d Decision) {
	if c.KeepTail <= 0 {
		return
	}
	if len(c.tail) < c.KeepTail {
		c.tail = append(c.tail, d)
	} else {
		c.tail[c.tailN%c.KeepTail] = d
	}
	c.tailN++
}

// Steps is how many decisions have been added.
func (c *Compactor) Steps() int { return c.steps }

// Recorded is how many decisions Result would record one by one (at most
// KeepTail more than now): the trace can be written only while this stays
// within MaxDecisions.
func (c *Compactor) Recorded() int { return len(c.out) + len(c.buf) + min(c.KeepTail, c.steps) }

// Result returns the recorded decisions and the runs, for Trace.Decisions
// and Trace.Runs (Runs is nil when nothing compacted). The Compactor can
// go on adding after it.
func (c *Compactor) Result() ([]Decision, []Run) {
	out := append(slices.Clip(c.out), c.buf...)
	k := min(c.KeepTail, c.steps, len(c.tail))
	if k == 0 || len(c.runs) == 0 {
		return out, slices.Clone(c.runs)
	}
	// The last k decisions are recorded: cut everything from step
	// steps-k on and append them from the ring, in order.
	cut := c.steps - k
	var keep []Decision
	var runs []Run
	step, j := 0, 0
	for i := 0; i <= len(out) && step < cut; i++ {
		for ; j < len(c.runs) && c.runs[j].At == i && step < cut; j++ {
			r := c.runs[j]
			r.At, r.N = len(keep), min(r.N, cut-step)
			runs = append(runs, r)
			step += r.N
		}
		if i < len(out) && step < cut {
			keep = append(keep, out[i])
			step++
		}
	}
	for i := range k {
		keep = append(keep, c.tail[(c.tailN-k+i)%len(c.tail)])
	}
	return keep, runs
}

// Cursor walks a trace's whole schedule, one decision at a time, for a
// chooser that replays it: recorded decisions are followed and checked,
// decisions in runs are made by their rule. A replay has followed the
// trace when every Next succeeded, Done holds at the end of the run, each
// recorded decision's action matches what the run did (Recorded), and the
// scheduler's hash equals Trace.Hash — the hash is the only check on the
// decisions in runs.
type Cursor struct {
	t    *Trace
	step int    // decisions made so far
	dec  int    // recorded decisions followed so far
	run  int    // the run being followed, or the next one
	left int    // decisions left in Runs[run] once entered
	last string // the thread chosen at the step before
	rec  *Decision
}

// Cursor returns a cursor at the first decision of t.
func (t *Trace) Cursor() *Cursor { return &Cursor{t: t} }

// Step is the number of decisions made so far: the index of the next one.
func (c *Cursor) Step() int { return c.step }

// Done reports whether every decision of the trace has been made.
func (c *Cursor) Done() bool { return c.step == c.t.Steps() }

// Recorded returns the recorded decision that the last Next followed, or
// nil when that decision was in a run (or Next has not succeeded yet).
func (c *Cursor) Recorded() *Decision { return c.rec }

// Next makes the next decision, given the threads runnable there in the
// scheduler's order, and returns the index in runnable of the thread to
// run. A recorded decision must have the same runnable threads, in the
// same order; a decision past the trace's last is an error. Errors read
// "diverged at decision k: …", k counting every decision from 0.
func (c *Cursor) Next(runnable []string) (int, error) {
	c.rec = nil
	if len(runnable) == 0 {
		return 0, fmt.Errorf("diverged at decision %d: no thread is runnable", c.step)
	}
	runs := c.t.Runs
	for c.left == 0 && c.run < len(runs) && runs[c.run].At == c.dec {
		c.left = runs[c.run].N
		c.run++
	}
	if c.left > 0 {
		i := runs[c.run-1].Rule.Choose(c.last, runnable)
		c.left--
		c.step++
		c.last = runnable[i]
		return i, nil
	}
	if c.dec >= len(c.t.Decisions) {
		return 0, fmt.Errorf("diverged at decision %d: expected the run to end, found runnable [%s]", c.step, strings.Join(runnable, " "))
	}
	d := &c.t.Decisions[c.dec]
	same := len(d.Runnable) == len(runnable)
	for i := 0; same && i < len(runnable); i++ {
		same = d.Runnable[i] == runnable[i]
	}
	if !same {
		return 0, fmt.Errorf("diverged at decision %d: expected runnable [%s], found [%s]", c.step, strings.Join(d.Runnable, " "), strings.Join(runnable, " "))
	}
	for i, name := range runnable {
		if name == d.Thread {
			c.dec++
			c.step++
			c.last = name
			c.rec = d
			return i, nil
		}
	}
	return 0, fmt.Errorf("diverged at decision %d: expected thread %s, found runnable [%s]", c.step, d.Thread, strings.Join(runnable, " "))
}
