package checker

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// ShrinkOptions tune Shrink.
type ShrinkOptions struct {
	Run RunOptions
	// Seeds is how many fresh random and PCT schedules a candidate scenario
	// gets when the failing schedule no longer fails on it (default 24).
	Seeds int
	Seed  uint64        // base seed of those schedules
	Time  time.Duration // budget (default 20 s); the best result so far is returned when it runs out
	// Keep, when set, must also hold of every accepted candidate: for a
	// zoo variant, "the fixed implementation passes it", so that shrinking
	// cannot wander from the variant's bug to another one.
	Keep func(*Result) bool
	// Context, when set, stops shrinking early when it is done, like Time
	// running out: the best result so far is returned.
	Context context.Context
}

// Shrink minimizes a failing result: fewer threads, fewer ops, fewer
// preemptions, compact handles, while the verdict stays the same (outcome
// and violation kind). A candidate scenario is first run with the current
// schedule's context switches (see guided) and, when that no longer fails,
// with a few fresh random and PCT schedules. Shrink is deterministic given
// its inputs, except that a time budget may stop it early.
//
// A watchdog verdict is not shrunk: its run left a thread stuck outside the
// scheduler (a goroutine that cannot be stopped), and every candidate
// would cost the watchdog's wait and leave another one. Nor is a foreign
// one: a goroutine of the implementation's own ran outside the scheduler,
// so its runs do not repeat.
func Shrink(t Target, r *Result, o ShrinkOptions) *Result {
	if !r.Failed() || r.Verdict.Kind == traces.Watchdog || r.Verdict.Kind == traces.Foreign {
		return r
	}
	if o.Seeds <= 0 {
		o.Seeds = 24
	}
	if o.Time <= 0 {
		o.Time = 20 * time.Second
	}
	s := &shrinker{t: t, o: o, best: r, deadline: time.Now().Add(o.Time)}
	s.o.Run.Drain = true
	s.o.Run.Strategy = r.Strategy
	s.sc = Undrained(r.Scenario)
	s.sw = switchesOf(r)
	if r.Verdict.Kind == traces.StepBound {
		s.quiet()
	}

	for changed := true; changed && !s.late(); {
		changed = s.dropPost() || s.dropThreads() || s.dropOps() || s.dropSwitches()
	}
	s.try(compact(s.sc))
	s.best.Strategy, s.best.Seed = r.Strategy, r.Seed
	return s.best
}

// ResultFromTrace rebuilds a Result from a trace file's contents (what
// Shrink and Visualize need beyond it comes from rerunning it: see Replay).
// Its Decisions and Runs are the trace's.
func ResultFromTrace(t *traces.Trace) *Result {
	return &Result{
		Impl: t.Impl, Spec: model.SpecName(t.Spec), Policy: t.Policy, Strategy: t.Strategy, Seed: t.Seed,
		Scenario: t.Scenario.Clone(), Verdict: t.Verdict, Reason: t.Reason,
		History: append([]traces.Operation(nil), t.History...), Decisions: schedDecisions(t.Decisions),
		Runs: append([]traces.Run(nil), t.Runs...), Hash: t.Hash, Schedules: 1,
	}
}

// ShrinkTrace shrinks a failing trace of target (for pidcheck shrink): the
// result fails with the trace's verdict and is no bigger. A trace that
// does not fail is an error.
func ShrinkTrace(target Target, t *traces.Trace, o ShrinkOptions) (*Result, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if t.Verdict.Outcome != traces.Violation {
		return nil, fmt.Errorf("trace of %s has verdict %s: only a violation can be shrunk", t.Impl, t.Verdict)
	}
	if err := SpecFits(t.Spec, t.Scenario.Level); err != nil {
		return nil, fmt.Errorf("trace %s: %v", t.Impl, err)
	}
	target.Spec, target.Policy = model.SpecName(t.Spec), t.Policy
	return Shrink(target, ResultFromTrace(t), o), nil
}

type shrinker struct {
	t        Target
	o        ShrinkOptions
	best     *Result
	sc       model.Scenario // best's scenario, undrained
	sw       []switchPoint  // best's context switches
	deadline time.Time
	tries    int
}

func (s *shrinker) late() bool {
	return time.Now().After(s.deadline) || (s.o.Context != nil && s.o.Context.Err() != nil)
}

// same reports whether r fails like the original.
func (s *shrinker) same(r *Result) bool {
	return r.Verdict == s.best.Verdict && (s.o.Keep == nil || s.o.Keep(r))
}

// try runs candidate sc; when it fails the same way it becomes the best and
// try returns true.
func (s *shrinker) try(sc model.Scenario) bool {
	if s.late() {
		return false
	}
	s.tries++
	accept := func(r *Result) bool {
		if !s.same(r) {
			return false
		}
		s.best, s.sc, s.sw = r, sc, switchesOf(r)
		return true
	}
	if accept(Run(s.t, sc, newGuided(s.sw), s.o.Run)) {
		return true
	}
	for k := 0; k < s.o.Seeds; k++ {
		seed := mix(s.o.Seed^uint64(s.tries), uint64(k))
		var ch sched.Chooser = sched.NewRandom(seed)
		if k%2 == 1 {
			ch = newPCT(seed, 3, 3*parallelOps(sc))
		}
		if accept(Run(s.t, sc, ch, s.o.Run)) {
			return true
		}
	}
	return false
}

func (s *shrinker) dropPost() bool {
	if len(s.sc.Post) == 0 {
		return false
	}
	c := s.sc.Clone()
	c.Post = nil
	return s.try(c)
}

func (s *shrinker) dropThreads() bool {
	for i := len(s.sc.Threads) - 1; i >= 0 && len(s.sc.Threads) > 1; i-- {
		c := s.sc.Clone()
		c.Threads = slices.Delete(c.Threads, i, i+1)
		if s.try(c) {
			return true
		}
	}
	return false
}

// dropOps removes single ops (with every later op that uses a handle the
// removed op forked), from the threads first, then the init part.
func (s *shrinker) dropOps() bool {
	for i := len(s.sc.Threads) - 1; i >= 0; i-- {
		for j := len(s.sc.Threads[i]) - 1; j >= 0; j-- {
			if i >= len(s.sc.Threads) || j >= len(s.sc.Threads[i]) {
				continue
			}
			c := s.sc.Clone()
			op := c.Threads[i][j]
			c.Threads[i] = slices.Delete(c.Threads[i], j, j+1)
			if len(c.Threads[i]) == 0 {
				c.Threads = slices.Delete(c.Threads, i, i+1)
			}
			if s.try(withoutHandleOf(c, op)) {
				return true
			}
		}
	}
	for j := len(s.sc.Init) - 1; j >= 0; j-- {
		if j >= len(s.sc.Init) {
			continue
		}
		c := s.sc.Clone()
		op := c.Init[j]
		c.Init = slices.Delete(c.Init, j, j+1)
		if s.try(withoutHandleOf(c, op)) {
			return true
		}
	}
	return false
}

// quiet tries a step-bound run with the context switches of its first
// steps only, then with none. A livelock found by a random schedule
// switches threads at almost every one of its million steps, so its trace
// records them all (too big to write) and each shrinking step reruns them
// all; left to spin alone, the thread keeps the verdict, the trace writes
// the spin as one run, and shrinking has few switches left to try.
func (s *shrinker) quiet() {
	var head []switchPoint
	for _, sw := range s.sw {
		if sw.Step < quietSteps {
			head = append(head, sw)
		}
	}
	for _, sw := range [][]switchPoint{head, nil} {
		if s.late() || len(sw) >= len(s.sw) {
			continue
		}
		if r := Run(s.t, s.sc, newGuided(sw), s.o.Run); s.same(r) {
			s.best, s.sw = r, switchesOf(r)
			return
		}
	}
}

// quietSteps is how many first steps of a step-bound run quiet keeps the
// switches of.
const quietSteps = 256

// dropSwitches removes context switches one at a time: fewer preemptions.
func (s *shrinker) dropSwitches() bool {
	changed := false
	for k := len(s.sw) - 1; k >= 0 && !s.late(); k-- {
		if k >= len(s.sw) {
			continue
		}
		sw := slices.Delete(slices.Clone(s.sw), k, k+1)
		r := Run(s.t, s.sc, newGuided(sw), s.o.Run)
		if s.same(r) && preemptions(r.Decisions) <= preemptions(s.best.Decisions) {
			s.best, s.sw = r, switchesOf(r)
			changed = changed || len(s.sw) < k+1
		}
	}
	return changed
}

// withoutHandleOf removes, when op is a fork or thread creation, every op that uses the
// handle it forked (as actor or target), and so on for forks among them.
func withoutHandleOf(sc model.Scenario, op model.Op) model.Scenario {
	if !op.Kind.Creates() {
		return sc
	}
	gone := []model.Handle{op.Child}
	uses := func(o model.Op) bool {
		return slices.Contains(gone, o.Task) || ((o.Kind == model.SetNs || o.Kind == model.Translate) && slices.Contains(gone, o.Target))
	}
	filter := func(ops []model.Op) []model.Op {
		out := ops[:0]
		for _, o := range ops {
			if uses(o) {
				if o.Kind.Creates() {
					gone = append(gone, o.Child)
				}
				continue
			}
			out = append(out, o)
		}
		return out
	}
	sc.Init = filter(sc.Init)
	for i := range sc.Threads {
		sc.Threads[i] = filter(sc.Threads[i])
	}
	sc.Threads = slices.DeleteFunc(sc.Threads, func(t []model.Op) bool { return len(t) == 0 })
	sc.Post = filter(sc.Post)
	return sc
}

// compact renames handles so that they are t0, t1, … in order of first
// appearance.
func compact(sc model.Scenario) model.Scenario {
	c := sc.Clone()
	names := map[model.Handle]model.Handle{model.Root: model.Root}
	next := model.Handle(1)
	name := func(h model.Handle) model.Handle {
		if h < 0 {
			return h
		}
		if n, ok := names[h]; ok {
			return n
		}
		names[h] = next
		next++
		return names[h]
	}
	ren := func(ops []model.Op) {
		for i := range ops {
			op := &ops[i]
			if op.Kind.Level() != model.ProcessLevel {
				continue
			}
			op.Task = name(op.Task)
			switch op.Kind {
			case model.Fork, model.ForkWithTid, model.Thread:
				op.Child = name(op.Child)
			case model.SetNs, model.Translate:
				op.Target = name(op.Target)
			}
		}
	}
	ren(c.Init)
	for _, t := range c.Threads {
		ren(t)
	}
	ren(c.Post)
	return c
}
