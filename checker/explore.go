package checker

import (
	"context"
	"fmt"
	"time"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// Strategies lists the exploration strategies Explore accepts.
func Strategies() []string { return []string{"random", "pct", "dfs", "rapid"} }

// Options configure an exploration (Explore) or a check from a user's test
// (Check).
type Options struct {
	// Spec and Policy say what a Check holds the implementation to ("alloc",
	// "linux", "openvz", "pspace2006"; model.Cyclic, …). Explore takes them
	// from the registry entry and ignores these.
	Spec   string
	Policy model.Policy

	Strategy  string        // "random" (default), "pct", "dfs" or "rapid"
	Schedules int           // schedules to run; 0 (and no Time): 1000
	Time      time.Duration // wall-clock budget (at least one schedule runs); when set, Schedules 0 means no count limit
	Seed      uint64        // the base seed; every schedule's seed derives from it

	Threads int          // the most threads in a scenario's parallel part (default 3)
	Ops     int          // the most ops per thread (default 4)
	Params  model.Params // default model.SmallParams()

	PCTDepth    int // PCT's bug depth (default 3)
	DFSBound    int // DFS's preemption bound (0: 2; negative: unbounded)
	PerScenario int // schedules per generated scenario (default 1; dfs: 200)

	// Shard and Shards split the seed space: shard i of n (0 ≤ i < n) runs
	// the schedules whose global index is i modulo n, so n machines with
	// the same Seed cover disjoint slices of one search.
	Shard, Shards int

	// Workers is how many explorers run one search at once (default 1).
	// Each runs whole scenarios; their runs are counted in scenario
	// order, so with a Schedules budget the report is the one a single
	// worker gives, whatever the number of workers (with a Time budget
	// it covers more). Accept is then called from several goroutines.
	Workers int

	Shrink bool // shrink a violation before returning it

	// TraceDir is where Check (default testdata/pidcheck) and Property
	// (default: nowhere) write a failing trace. Explore writes nothing.
	TraceDir string

	Run RunOptions // step bound, watchdog, porcupine timeout

	// Accept, when set, screens violations: one it rejects is counted in
	// Report.Rejected and exploration goes on. Zoo runs use it to skip
	// findings the fixed implementation shares (see FixedFails).
	Accept func(*Result) bool

	// Progress, when set, is called every ProgressEvery schedules (default
	// 200) and once at the end.
	Progress      func(Progress)
	ProgressEvery int
}

// MaxWorkers bounds Options.Workers: each worker runs a scenario at once.
const MaxWorkers = 1024

// Progress is a snapshot of an exploration for a progress line.
type Progress struct {
	Schedules int // run so far
	Scenarios int // generated so far
	Found     int // violations found (0 or 1: exploration stops at the first)
	Unknown   int // runs porcupine could not decide
	Elapsed   time.Duration
	PerSecond float64 // schedules per second
}

// Report is what an exploration found.
type Report struct {
	Impl      string
	Strategy  string
	Verdict   traces.Verdict // Violation when found; Unknown when some run was undecided; else Ok
	Found     *Result        // the violation (shrunk when Options.Shrink), or nil
	Original  *Result        // the violation as found, before shrinking
	Unknown   *Result        // the first undecided run, if any
	Schedules int            // schedules run (up to and including the violation)
	Scenarios int            // scenarios that ran at least one schedule
	Unknowns  int
	Rejected  int // violations Options.Accept rejected
	Elapsed   time.Duration

	// Canceled is set when ExploreContext's context ended the exploration
	// before its budget was spent; Verdict is then Unknown unless a
	// violation was found.
	Canceled bool
}

func (o Options) withDefaults() (Options, error) {
	if o.Strategy == "" {
		o.Strategy = "random"
	}
	valid := false
	for _, s := range Strategies() {
		valid = valid || s == o.Strategy
	}
	if !valid {
		return o, fmt.Errorf("strategy %q: want random, pct, dfs or rapid", o.Strategy)
	}
	if o.Schedules < 0 {
		return o, fmt.Errorf("schedules %d: must not be negative", o.Schedules)
	}
	if o.Schedules == 0 && o.Time <= 0 {
		o.Schedules = 1000
	}
	if o.Params == (model.Params{}) {
		o.Params = model.SmallParams()
	}
	if err := o.Params.Validate(); err != nil {
		return o, err
	}
	if o.Threads < 0 || o.Threads > 26 || o.Ops < 0 || o.Ops > 64 {
		return o, fmt.Errorf("threads %d, ops %d: want 1–26 threads and 1–64 ops per thread", o.Threads, o.Ops)
	}
	if o.Threads == 0 {
		o.Threads = 3
	}
	if o.Ops == 0 {
		o.Ops = 4
	}
	if o.PCTDepth <= 0 {
		o.PCTDepth = 3
	}
	if o.DFSBound == 0 {
		o.DFSBound = 2
	}
	if o.PerScenario <= 0 {
		o.PerScenario = 1
		if o.Strategy == "dfs" {
			o.PerScenario = 200
		}
	}
	if o.Shards == 0 {
		o.Shards = 1
	}
	if o.Shards < 1 || o.Shard < 0 || o.Shard >= o.Shards {
		return o, fmt.Errorf("shard %d/%d: want 0 ≤ i < n", o.Shard, o.Shards)
	}
	if o.Workers < 0 || o.Workers > MaxWorkers {
		return o, fmt.Errorf("workers %d: want 0 to %d", o.Workers, MaxWorkers)
	}
	if o.Workers == 0 {
		o.Workers = 1
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 200
	}
	return o, nil
}

// strategyName is the Strategy recorded in results: "pct depth=3".
func (o Options) strategyName() string {
	switch o.Strategy {
	case "pct":
		return fmt.Sprintf("pct depth=%d", o.PCTDepth)
	case "dfs":
		return fmt.Sprintf("dfs bound=%d", o.DFSBound)
	}
	return o.Strategy
}

// ScenarioSeed is the seed of the scenario with global index j of an
// exploration with base seed: the scenario comes from SeedSource of it.
func ScenarioSeed(base uint64, j int) uint64 { return mix(base, uint64(j)) }

// ScheduleSeed is the seed of the k-th schedule of a scenario.
func ScheduleSeed(scenarioSeed uint64, k int) uint64 { return mix(scenarioSeed^0x5bd1e995, uint64(k)) }

func (o Options) genOptions(s spec.Spec) GenOptions {
	return GenOptions{Threads: o.Threads, Ops: o.Ops, Params: o.Params,
		Oracle: func(ops []model.Op) []model.Result { return spec.Run(s, ops) }}
}

// Explore runs scenarios and schedules on e with the chosen strategy until it
// finds a violation or the budget runs out. The j-th scenario of shard i/n
// has global index j·n+i; its seed is ScenarioSeed(Seed, j·n+i), so a run is
// reproducible from (Seed, strategy, options) alone, and the trace of a
// violation reproduces it without them.
func Explore(e alloc.Entry, o Options) (*Report, error) {
	return ExploreContext(context.Background(), e, o)
}

// ExploreContext is Explore that stops early when ctx is done: between
// schedules (a run in progress finishes first, and is counted) and, with
// Options.Shrink, between shrinking steps. The report then says how many
// schedules and scenarios ran, has Canceled set and, unless a violation was
// found, the verdict Unknown: a search cut short is not a pass.
func ExploreContext(ctx context.Context, e alloc.Entry, o Options) (*Report, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := SpecFor(e.Spec, o.Params, e.Policy)
	if err != nil {
		return nil, err
	}
	if e.New == nil {
		return nil, fmt.Errorf("implementation %q has no constructor", e.Name)
	}
	rep := &Report{Impl: e.Name, Strategy: o.strategyName(), Verdict: verdictOk}
	start := time.Now()
	g := o.genOptions(s)
	ro := o.Run
	ro.Drain = true
	ro.lean = true
	ro.Strategy = o.strategyName()
	if o.Workers > 1 {
		return exploreParallel(ctx, e, o, g, ro), nil
	}

	progress := func() {
		if o.Progress == nil {
			return
		}
		el := time.Since(start)
		p := Progress{Schedules: rep.Schedules, Scenarios: rep.Scenarios, Unknown: rep.Unknowns, Elapsed: el}
		if rep.Found != nil {
			p.Found = 1
		}
		if el > 0 {
			p.PerSecond = float64(rep.Schedules) / el.Seconds()
		}
		o.Progress(p)
	}
	budgetLeft := func() bool {
		if o.Schedules > 0 && rep.Schedules >= o.Schedules {
			return false
		}
		// A time budget lets the first schedule run, however short it
		// is: an exploration of nothing would report Ok.
		if o.Time > 0 && rep.Schedules > 0 && time.Since(start) >= o.Time {
			return false
		}
		if ctx.Err() != nil {
			rep.Canceled = true
			return false
		}
		return true
	}
	// record judges one run; it returns true when exploration should stop.
	record := func(r *Result) bool {
		rep.Schedules++
		if rep.Schedules%o.ProgressEvery == 0 {
			progress()
		}
		switch r.Verdict.Outcome {
		case traces.Violation:
			if o.Accept != nil && !o.Accept(r) {
				rep.Rejected++
				return false
			}
			r.Schedules = rep.Schedules
			rep.Original, rep.Found = r, r
			rep.Verdict = r.Verdict
			return true
		case traces.Unknown:
			rep.Unknowns++
			if rep.Unknown == nil {
				rep.Unknown = r
			}
		}
		return false
	}

	// A scenario is counted when its first schedule starts, and the first
	// schedule of a scenario the budget let start always runs: the budget
	// is looked at once per schedule, so a time budget running out while a
	// scenario is generated cannot count a scenario that never ran.
	for j := 0; budgetLeft(); j++ {
		rep.Scenarios++
		if runScenario(e, g, o, ro, j, budgetLeft, record) {
			break
		}
	}
	if rep.Found != nil && o.Shrink {
		rep.Found = Shrink(e, rep.Found, ShrinkOptions{Run: o.Run, Seed: o.Seed, Context: ctx})
		rep.Found.Schedules = rep.Original.Schedules
	}
	if rep.Found == nil && (rep.Unknowns > 0 || rep.Canceled) {
		rep.Verdict = verdictUnknown
	}
	rep.Elapsed = time.Since(start)
	progress()
	return rep, nil
}

// runScenario runs the schedules of local scenario j (global index
// j·Shards+Shard): one for rapid, else up to o.PerScenario, asking more()
// before every schedule but the first. add judges each run and returns
// true to stop; runScenario reports whether add stopped it. Explore and
// its parallel form both run scenarios through here, so a scenario's
// schedules are the same whoever runs them.
func runScenario(e alloc.Entry, g GenOptions, o Options, ro RunOptions, j int, more func() bool, add func(*Result) bool) bool {
	seed := ScenarioSeed(o.Seed, j*o.Shards+o.Shard)
	if o.Strategy == "rapid" {
		return add(rapidRun(e, g, seed, ro))
	}
	sc := Generate(SeedSource(seed), e.Level, g)
	switch o.Strategy {
	case "dfs":
		d := sched.NewDFS(o.DFSBound)
		for k := 0; k < o.PerScenario && (k == 0 || more()) && d.Next(); k++ {
			ro.Seed = seed
			r, out := run(e, sc, d, ro)
			if out != nil && out.Verdict == sched.Pruned {
				continue
			}
			if add(r) {
				return true
			}
		}
	default:
		for k := 0; k < o.PerScenario && (k == 0 || more()); k++ {
			ss := ScheduleSeed(seed, k)
			ro.Seed = ss
			var ch sched.Chooser = sched.NewRandom(ss)
			if o.Strategy == "pct" {
				// PCT's k, from the scenario alone (so that a schedule's
				// seed and its scenario decide it): about 3 contested
				// decisions per op of the parallel part (measured on the
				// zoo: fewer schedules to a bug than 6 per op or than
				// learning k from earlier runs).
				ch = newPCT(ss, o.PCTDepth, 3*parallelOps(sc))
			}
			if add(Run(e, sc, ch, ro)) {
				return true
			}
		}
	}
	return false
}

// rapidRun generates a scenario and runs it with every choice — ops,
// arguments and scheduling decisions — drawn from one rapid.T made from
// seed, outside any test (rapid's Example machinery). Inside a test, use
// Property, where rapid also shrinks.
func rapidRun(e alloc.Entry, g GenOptions, seed uint64, ro RunOptions) *Result {
	ro.Seed = seed
	ro.Strategy = "rapid"
	gen := rapid.Custom(func(t *rapid.T) *Result {
		sc := Generate(RapidSource(t), e.Level, g)
		return Run(e, sc, sched.NewRapid(t), ro)
	})
	return gen.Example(int(seed & 0x7fffffffffffffff))
}

// parallelOps counts the ops of sc's parallel part.
func parallelOps(sc model.Scenario) int {
	n := 0
	for _, t := range sc.Threads {
		n += len(t)
	}
	return n
}
