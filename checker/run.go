package checker

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// RunOptions tune one run.
type RunOptions struct {
	MaxSteps     int           // the scheduler's step bound; 0: 100000 + 4·pid_max
	Watchdog     time.Duration // the scheduler's watchdog; 0: its default
	CheckTimeout time.Duration // porcupine's budget; 0: 10 s. Running out gives Unknown.
	// SkipSearch judges without porcupine's search: a history that neither
	// its call order nor its return order linearizes is Unknown, as if
	// porcupine's budget ran out at once, but deterministically (a 1ns
	// CheckTimeout races porcupine against a timer). Tests use it to reach
	// Unknown; it never turns a violation into Ok.
	SkipSearch bool
	// Drain, when set, runs the adaptive drain before the scenario's post
	// part (see Run) and records the ops it ran in Result.Scenario.Post.
	Drain bool
	// Strategy and Seed are copied into the Result.
	Strategy string
	Seed     uint64

	// Lean skips formatting the decisions of runs that pass (exploration
	// throws those away), and copying their scenario: a passing run's
	// Result.Scenario then shares the scenario's slices, to be read only.
	Lean bool
	// MaxRecords bounds the decisions a run keeps in memory (0: 2^18); a
	// repeated one is kept once. Past it, decisions are hashed and counted
	// (Result.Elided), so a random schedule of a livelock at the kernel's
	// pid_max (17 million decisions) still fits in memory.
	MaxRecords int
	// Coverage, when set, counts what each run reached into
	// Result.Coverage (see Coverage); it costs a second replay of the spec.
	Coverage bool

	// runner, when set, runs the run on coroutines kept from the runs
	// before (an exploration worker's own).
	runner *sched.Runner
}

func (o RunOptions) maxRecords() int {
	if o.MaxRecords > 0 {
		return o.MaxRecords
	}
	return defaultMaxRecords
}

// defaultMaxRecords bounds the decisions a run keeps (48 bytes each): a
// repeated decision is kept once, so only a schedule that switches threads
// at random for long comes near it.
const defaultMaxRecords = 1 << 18

func (o RunOptions) checkTimeout() time.Duration {
	if o.CheckTimeout <= 0 {
		return 10 * time.Second
	}
	return o.CheckTimeout
}

// recorder collects the history of one run. Under the controlled scheduler
// only one thread runs at a time, so a plain counter gives every call and
// every return its own tick.
type recorder struct {
	env       sched.Env // the run's, for sched.Observed
	tick      int
	history   []traces.Operation
	spans     [][2]int  // per history op: the decisions made from its call to its return
	steps     *counting // counts the run's decisions
	invariant string    // the first Validate failure, with where it happened
}

func (r *recorder) do(impl model.Impl, thread string, op model.Op) model.Result {
	i := len(r.history)
	sched.Observed(r.env) // the call's tick is ordered against every other op's
	r.history = append(r.history, traces.Operation{Thread: thread, Op: op, Call: r.tick, Return: traces.NoReturn})
	r.spans = append(r.spans, [2]int{r.steps.n, -1})
	r.tick++
	res := impl.Apply(op)
	sched.Observed(r.env)
	r.history[i].Return = r.tick
	r.history[i].Result = res
	r.spans[i][1] = r.steps.n
	r.tick++
	return res
}

// counting passes every decision to inner and counts them.
type counting struct {
	inner sched.Chooser
	n     int
}

func (c *counting) Begin()               { c.n = 0; c.inner.Begin() }
func (c *counting) End(o *sched.Outcome) { c.inner.End(o) }
func (c *counting) Choose(p *sched.Point) (int, error) {
	c.n++
	return c.inner.Choose(p)
}

func (r *recorder) validate(impl model.Impl, where string) {
	v, ok := impl.(model.Validator)
	if !ok || r.invariant != "" {
		return
	}
	if err := v.Validate(); err != nil {
		r.invariant = fmt.Sprintf("invariant broken after %s: %v", where, err)
	}
}

// Run executes sc on a fresh instance of t under ch and judges it.
//
// The init part runs on the thread "main"; then thread i of the parallel
// part runs as model.ThreadName(i) while main waits for all of them; then
// main runs the post part. With o.Drain, main first drains: at the process
// level every task waits (wait -1) in rounds until a round reaps nothing,
// so that every zombie is reaped and an implementation's background
// threads (one waiting for a space to empty) can finish; at the
// allocator level it allocates until an allocation fails (at most
// pid_max+2 times in a space of up to maxDrainAllocs numbers; in a bigger
// one, which no drain can fill, shortDrainAllocs times). The
// implementation's Validate, if it has one,
// runs after each part.
//
// Every call and every return gets its own tick. A run the scheduler stops
// (deadlock, step bound, panic, watchdog) takes the scheduler's verdict; an
// invariant failure is a violation; otherwise porcupine judges the history
// against the target's spec and policy, and a timeout gives Unknown.
func Run(t Target, sc model.Scenario, ch sched.Chooser, o RunOptions) *Result {
	res, _ := run(t, sc, ch, o)
	return res
}

// maxSteps is the step bound for a run with parameters p: MaxSteps when
// set, else one that grows with pid_max, so that a bitmap implementation
// scanning a big space word by word (a few loads per number it passes) is
// not mistaken for a livelock.
func (o RunOptions) maxSteps(p model.Params) int {
	if o.MaxSteps > 0 {
		return o.MaxSteps
	}
	return max(defaultMaxSteps, defaultMaxSteps+4*p.PidMax)
}

// defaultMaxSteps is the step bound of runs in small spaces.
const defaultMaxSteps = 100000

// run is Run that also returns the scheduler's outcome.
func run(t Target, sc model.Scenario, ch sched.Chooser, o RunOptions) (*Result, *sched.Outcome) {
	res := &Result{Impl: t.Name, Spec: t.Spec, Policy: t.Policy, Strategy: o.Strategy, Seed: o.Seed, Schedules: 1}
	s, err := SpecFor(t.Spec, sc.Params, t.Policy)
	if err != nil {
		res.Scenario = sc.Clone()
		res.Verdict = verdictUnknown
		res.Reason = err.Error()
		return res, nil
	}
	rec := &recorder{steps: &counting{inner: ch}}
	if n := expectedOps(sc, o.Drain); n > 0 {
		rec.history, rec.spans = newHistory(n)
	}
	// ran shares sc's init and parallel parts (nothing here writes them);
	// a result kept past the exploration gets its own copy below.
	ran := sc
	var drained []model.Op // ran.Post when the drain wrote it (not sc's)
	schedRun := sched.Run
	if o.runner != nil {
		schedRun = o.runner.Run
	}
	out := schedRun(rec.steps, sched.Options{MaxSteps: o.maxSteps(sc.Params), Watchdog: o.Watchdog, MaxRecords: o.maxRecords()}, func(env sched.Env) {
		rec.env = env
		impl := t.New(env, sc.Params)
		for _, op := range sc.Init {
			rec.do(impl, "main", op)
		}
		rec.validate(impl, "the init part")
		if len(sc.Threads) > 0 {
			done := env.NewInt32("harness.done", 0)
			for i, ops := range sc.Threads {
				name := model.ThreadName(i)
				env.Go(name, func() {
					for _, op := range ops {
						rec.do(impl, name, op)
					}
					done.Add(1)
				})
			}
			env.WaitUntil("harness: every thread done", func() bool { return int(done.Load()) == len(sc.Threads) })
		}
		rec.validate(impl, "the parallel part")
		if o.Drain {
			// ran.Post grows before each drain op runs, so that a run
			// stopped during the drain still records a scenario that
			// holds every op of its history.
			ran.Post = newPost(expectedOps(model.Scenario{Level: sc.Level, Params: sc.Params}, true) + len(sc.Post))
			drain(impl, rec, sc, &ran.Post)
			ran.Post = append(ran.Post, sc.Post...)
			drained = ran.Post
		}
		for _, op := range sc.Post {
			rec.do(impl, "main", op)
		}
		rec.validate(impl, "the post part")
	})
	res.Scenario = ran
	res.History = rec.history
	res.spans = rec.spans
	res.post = drained
	res.Hash = out.Hash
	res.Verdict, res.Reason = judge(s, out, rec, o)
	if o.Coverage {
		res.Coverage = measureCoverage(s, rec.history, res.Verdict)
	}
	if !o.Lean || res.Verdict != verdictOk {
		res.Decisions, res.Runs, res.Elided = decisionsOf(out)
		// Without Drain, ran.Post is sc.Post too.
		res.Scenario = ran.Clone()
		res.post = nil
	} else {
		out.Release() // a passing lean run's decisions are never read
	}
	return res, out
}

// histories and posts hold the history buffers and drained post parts
// of runs exploration has counted and thrown away (passing lean runs; see
// recycle), for the next runs: they were a third of the bytes a schedule
// allocated.
var histories, posts sync.Pool

// recording is one run's history buffers.
type recording struct {
	history []traces.Operation
	spans   [][2]int
}

// newHistory returns empty history and span buffers for about n ops.
func newHistory(n int) ([]traces.Operation, [][2]int) {
	if r, ok := histories.Get().(*recording); ok && cap(r.history) >= n && cap(r.spans) >= n {
		return r.history[:0], r.spans[:0]
	}
	return make([]traces.Operation, 0, n), make([][2]int, 0, n)
}

// newPost returns an empty post part for about n ops.
func newPost(n int) []model.Op {
	if p, ok := posts.Get().(*[]model.Op); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]model.Op, 0, n)
}

// recycle hands r's history buffers (and its drained post part) to the
// next runs. Only the exploration loop calls it, for a passing lean run
// it has counted and drops: nothing else holds r.
func recycle(r *Result) {
	if r.Verdict != verdictOk || r.History == nil || r.spans == nil {
		return
	}
	clear(r.History) // let go of the results' slices
	histories.Put(&recording{history: r.History[:0], spans: r.spans[:0]})
	if r.post != nil {
		clear(r.post)
		p := r.post[:0]
		posts.Put(&p)
	}
	r.History, r.spans, r.post = nil, nil, nil
}

// expectedOps is about how many ops a run of sc records (its own and,
// with drain, the drain's), so that the history is allocated once.
func expectedOps(sc model.Scenario, drain bool) int {
	n := sc.Ops()
	if drain {
		if sc.Level == model.AllocLevel {
			n += min(drainAllocs(sc.Params), 64) // a longer one grows the history
		} else {
			n += 16 // a wait(-1) by each of a few tasks, in two or three rounds
		}
	}
	return n
}

// maxDrainAllocs bounds the allocator-level drain: it fills a space of
// the default sizes (pid_max 16, or a zoo variant's 66) to EAGAIN, but a
// space of pid_max 100000 is not filled, since a run of that many ops
// would exceed the scheduler's step bound (a false step-bound violation)
// and the largest trace a file may hold.
const maxDrainAllocs = 1024

// shortDrainAllocs is the drain of a space too big to fill (pid_max+2 >
// maxDrainAllocs): as many allocations as fill the default space of 16
// (with the two that find it full). Such a drain can never show a lost
// number by an early EAGAIN, whatever its length, so it stays short and
// a schedule costs what it costs in a small space: it still shows where
// the allocator goes on from (and, after an init part near pid_max, its
// wrap to the floor). A drain of up to 1024 allocations made a schedule
// at pid_max 4194304 cost 70 times one at 16.
const shortDrainAllocs = 18

// drainAllocs is the most allocations the allocator-level drain makes in a
// space of parameters p: enough to fill it (pid_max-1 numbers, and the one
// that fails), or shortDrainAllocs when that is above maxDrainAllocs.
func drainAllocs(p model.Params) int {
	if p.PidMax+2 > maxDrainAllocs {
		return shortDrainAllocs
	}
	return p.PidMax + 2
}

// drain runs the adaptive drain on main, appending each op to *ops before
// it runs.
func drain(impl model.Impl, rec *recorder, sc model.Scenario, ops *[]model.Op) {
	do := func(op model.Op) model.Result {
		*ops = append(*ops, op)
		return rec.do(impl, "main", op)
	}
	if sc.Level == model.AllocLevel {
		for i := 0; i < drainAllocs(sc.Params); i++ {
			if do(model.Op{Kind: model.Alloc}).Err != model.OK {
				break
			}
		}
		return
	}
	handles := Handles(sc)
	active := handles
	for round := 0; round <= len(handles)+1 && len(active) > 0; round++ {
		reaped := false
		var next []model.Handle
		for _, h := range active {
			r := do(model.Op{Kind: model.Wait, Task: h, Pid: -1})
			if r.Err != model.OK {
				continue // ESRCH: not live; ECHILD: nothing to wait for
			}
			next = append(next, h)
			if r.N > 0 {
				reaped = true
			}
		}
		if !reaped {
			break
		}
		active = next
	}
}

// IsDrainOp reports whether op is one the drain adds to a post part (Run
// with Drain): a wait(-1) at the process level, an alloc at the allocator
// level. Generated post parts never hold such ops themselves.
func IsDrainOp(op model.Op) bool {
	return (op.Kind == model.Wait && op.Pid == -1) || op.Kind == model.Alloc
}

// Undrained returns sc without the ops a drain added to its post part: the
// scenario as generated, ready to be run (and drained) again.
func Undrained(sc model.Scenario) model.Scenario {
	c := sc.Clone()
	c.Post = c.Post[:0]
	for _, op := range sc.Post {
		if !IsDrainOp(op) {
			c.Post = append(c.Post, op)
		}
	}
	return c
}

// Handles returns t0 and every handle a fork or thread op of sc creates, in increasing
// order, each once. Only those: a scenario read from a trace may name
// handles far apart (t0 and t1000000000), and the drain waits on each.
func Handles(sc model.Scenario) []model.Handle {
	out := []model.Handle{model.Root}
	see := func(ops []model.Op) {
		for _, op := range ops {
			if op.Kind.Creates() && op.Child >= model.Root {
				out = append(out, op.Child)
			}
		}
	}
	see(sc.Init)
	for _, t := range sc.Threads {
		see(t)
	}
	see(sc.Post)
	slices.Sort(out)
	return slices.Compact(out)
}
