package checker

import (
	"github.com/pidcheck/pidcheck/checker/sched"
)

// switchPoint is one context switch of a schedule: at decision Step, run
// Thread.
type switchPoint struct {
	Step   int
	Thread string
}

// guided is a Chooser that runs a schedule given as its context switches:
// at a listed step it picks the listed thread when that thread is runnable;
// everywhere else it keeps running the thread that ran last, or, when that
// one cannot run, the first runnable thread. A schedule with no switches is
// the non-preemptive one. Removing switches is how the shrinker removes
// preemptions: a guided schedule never diverges, it only drifts.
type guided struct {
	switches []switchPoint
	next     int
}

func newGuided(sw []switchPoint) *guided { return &guided{switches: sw} }

func (g *guided) Begin() { g.next = 0 }

func (g *guided) End(*sched.Outcome) {}

func (g *guided) Choose(p *sched.Point) (int, error) {
	for g.next < len(g.switches) && g.switches[g.next].Step < p.Step {
		g.next++
	}
	if g.next < len(g.switches) && g.switches[g.next].Step == p.Step {
		want := g.switches[g.next].Thread
		g.next++
		for i := range p.Runnable {
			if p.Name(i) == want {
				return i, nil
			}
		}
	}
	return defaultChoice(p), nil
}

// defaultChoice is what guided picks with no switch: the last thread, else
// the first runnable one.
func defaultChoice(p *sched.Point) int {
	for i, r := range p.Runnable {
		if r.Thread == p.Last {
			return i
		}
	}
	return 0
}

// switchesOf returns the context switches of a result's decisions: the
// decisions guided's default would not have made. Running guided with
// them reproduces the decisions exactly. A run of decisions written by
// the continue rule (Result.Runs) is guided's default itself; the decision
// after one is taken as a switch, since the thread the run ended on is
// not known (a switch to the thread the default picks anyway changes
// nothing). Decisions the run did not keep (Result.Elided) give none.
func switchesOf(r *Result) []switchPoint {
	var out []switchPoint
	last := ""
	r.eachRecorded(func(k int, d sched.Decision, afterRun bool) {
		def := d.Runnable[0]
		for _, th := range d.Runnable {
			if th == last {
				def = th
			}
		}
		if d.Thread != def || afterRun {
			out = append(out, switchPoint{Step: k, Thread: d.Thread})
		}
		last = d.Thread
	})
	return out
}

// preemptions counts the decisions that took the processor from a thread
// that could have continued.
func preemptions(ds []sched.Decision) int {
	n := 0
	last := ""
	for _, d := range ds {
		if last != "" && d.Thread != last {
			for _, r := range d.Runnable {
				if r == last {
					n++
					break
				}
			}
		}
		last = d.Thread
	}
	return n
}
