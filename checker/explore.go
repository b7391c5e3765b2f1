package checker

import (
	"context"
	"fmt"
	"time"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// ExploreOptions configure an exploration (Explore).
type ExploreOptions struct {
	Strategy  Strategy      // default DefaultStrategy (PCT)
	Schedules int           // schedules to run; 0 (and no Time): 1000
	Time      time.Duration // wall-clock budget (at least one schedule runs); when set, Schedules 0 means no count limit
	Seed      uint64        // the base seed; every schedule's seed derives from it

	Gen GenOptions // the scenarios: threads, ops, parameters, kinds left out

	PCTDepth int // PCT's bug depth (default DefaultPCTDepth)

	// DFSBound is DFS's preemption bound: 0 means DefaultDFSBound unless
	// DFSBoundSet (then it means no preemptions); negative, unbounded.
	DFSBound    int
	DFSBoundSet bool
	// DFSNoSleepSets turns DFS's sleep-set reduction off (it is on by
	// default); the search then runs every interleaving, equivalent ones
	// too.
	DFSNoSleepSets bool

	// PerScenario caps the runs per generated scenario: 0 is the default,
	// 1 (DFS: 200, which finds bugs sooner than exhausting few
	// scenarios); negative is no cap: DFS then runs every interleaving of
	// a scenario within the bound before the next (Report.DFS says which
	// scenarios were exhausted), as pidcheck check --strategy dfs does.
	// DFS counts pruned runs toward a cap.
	PerScenario int

	// Shard and Shards split the seed space: shard i of n (0 ≤ i < n) runs
	// the schedules whose global index is i modulo n, so n machines with
	// the same Seed cover disjoint slices of one search.
	Shard, Shards int

	// Workers is how many explorers run one search at once (default 1).
	// Each runs whole scenarios; their runs are counted in scenario
	// order, so with a Schedules budget the report is the one a single
	// worker gives, whatever the number of workers (with a Time budget
	// it covers more). Accept is then called from several goroutines.
	// A run's goroutines take turns, so a process whose GOMAXPROCS is
	// above its workers pays for waking idle Ps at each hand-off (1.6–1.8×
	// the CPU at one worker on two cores, BENCHMARKS.md); pidcheck sets
	// GOMAXPROCS to the schedules it runs at once, and go test -cpu 1 or
	// GOMAXPROCS=1 does the same for one worker.
	Workers int

	Shrink bool // shrink a violation before returning it

	Run RunOptions // step bound, watchdog, porcupine timeout

	// Accept, when set, screens violations: one it rejects is counted in
	// Report.Rejected and exploration goes on (pidcheck zoo uses it to
	// skip findings a variant's fixed implementation shares).
	Accept func(*Result) bool

	// Progress, when set, is called every ProgressEvery schedules (default
	// 200) and once at the end, on the goroutine that called Explore.
	Progress      func(Progress)
	ProgressEvery int

	// OnSchedule, when set, is called before every schedule runs, on the
	// goroutine that runs it (several at once with Workers > 1), with
	// what identifies the schedule. It must be cheap and must not block:
	// pidcheck check's supervisor uses it to know what was running when
	// the process died (ScenarioAt rebuilds the scenario).
	OnSchedule func(ScheduleStart)
}

// ScheduleStart identifies a schedule about to run: exploration worker
// Worker runs schedule Schedule of the scenario with global index Scenario
// (its seed is ScenarioSeed(base, Scenario)), with chooser seed Seed
// (rapid: the seed rapid draws the whole run from).
type ScheduleStart struct {
	Worker, Scenario, Schedule int
	Seed                       uint64
}

// MaxWorkers bounds ExploreOptions.Workers: each worker runs a scenario at once.
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
	Found     *Result        // the violation (shrunk when ExploreOptions.Shrink), or nil
	Original  *Result        // the violation as found, before shrinking
	Unknown   *Result        // the first undecided run, if any
	Schedules int            // schedules run (up to and including the violation)
	Scenarios int            // scenarios that ran at least one schedule
	Unknowns  int
	Rejected  int // violations ExploreOptions.Accept rejected
	Elapsed   time.Duration

	// DFS has one entry per scenario a DFS exploration counted, in
	// scenario order: how many runs it took and whether they exhausted
	// its interleavings within the bound. Exhausted counts those that
	// did.
	DFS       []DFSScenario
	Exhausted int

	// Coverage sums the coverage of every run counted (Run.Coverage set),
	// else nil.
	Coverage *Coverage

	// Canceled is set when ExploreContext's context ended the exploration
	// before its budget was spent; Verdict is then Unknown unless a
	// violation was found.
	Canceled bool
}

// DFSScenario is what DFS did with one scenario.
type DFSScenario struct {
	Index     int  // the scenario's global index: its seed is ScenarioSeed(Seed, Index)
	Runs      int  // runs started, the ones sleep sets cut short (Pruned) included
	Pruned    int  // runs cut short because every runnable thread slept: not counted as schedules
	Schedules int  // runs counted (Runs − Pruned, unless the report's budget ended inside the scenario)
	Exhausted bool // every interleaving within the bound ran (or was pruned as equivalent to one that ran)
}

// DefaultDFSBound is the preemption bound of DFS when none is given.
const DefaultDFSBound = 2

// DefaultPCTDepth is PCT's bug depth when ExploreOptions.PCTDepth is 0:
// two priority change points per run.
const DefaultPCTDepth = 3

// DefaultDFSPerScenario is DFS's cap of runs per scenario when
// ExploreOptions.PerScenario is 0.
const DefaultDFSPerScenario = 200

func (o ExploreOptions) withDefaults() (ExploreOptions, error) {
	if o.Strategy == "" {
		o.Strategy = DefaultStrategy
	}
	if _, err := ParseStrategy(string(o.Strategy)); err != nil {
		return o, err
	}
	if o.Schedules < 0 {
		return o, fmt.Errorf("schedules %d: must not be negative", o.Schedules)
	}
	if o.Schedules == 0 && o.Time <= 0 {
		o.Schedules = 1000
	}
	g, err := o.Gen.withDefaults()
	if err != nil {
		return o, err
	}
	o.Gen = g
	if o.PCTDepth <= 0 {
		o.PCTDepth = DefaultPCTDepth
	}
	if o.DFSBound == 0 && !o.DFSBoundSet {
		o.DFSBound = DefaultDFSBound
	}
	if o.DFSBound < 0 {
		o.DFSBound = -1
	}
	if o.PerScenario == 0 {
		o.PerScenario = 1
		if o.Strategy == DFS {
			o.PerScenario = DefaultDFSPerScenario
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
func (o ExploreOptions) strategyName() string {
	switch o.Strategy {
	case PCT:
		return fmt.Sprintf("pct depth=%d", o.PCTDepth)
	case DFS:
		name := fmt.Sprintf("dfs bound=%d", o.DFSBound)
		if o.DFSBound < 0 {
			name = "dfs unbounded"
		}
		if o.DFSNoSleepSets {
			name += " no-sleep-sets"
		}
		return name
	}
	return string(o.Strategy)
}

// ScenarioSeed is the seed of the scenario with global index j of an
// exploration with base seed: the scenario comes from SeedSource of it.
func ScenarioSeed(base uint64, j int) uint64 { return mix(base, uint64(j)) }

// ScheduleSeed is the seed of the k-th schedule of a scenario.
func ScheduleSeed(scenarioSeed uint64, k int) uint64 { return mix(scenarioSeed^0x5bd1e995, uint64(k)) }

// withOracle is g with the spec as its oracle, so that generated arguments
// lean toward the numbers the spec says are taken and next.
func withOracle(g GenOptions, s spec.Spec) GenOptions {
	g.Oracle = func(ops []model.Op) []model.Result { return spec.Run(s, ops) }
	g.refusals = &refusals{threads: refusesThreads(g), groups: refusesGroups(g)}
	return g
}

// Explore runs scenarios and schedules on t with the chosen strategy until
// it finds a violation or the budget runs out. The j-th scenario of shard
// i/n has global index j·n+i; its seed is ScenarioSeed(Seed, j·n+i), so a
// run is reproducible from (Seed, strategy, options) alone, and the trace
// of a violation reproduces it without them.
func Explore(t Target, o ExploreOptions) (*Report, error) {
	return ExploreContext(context.Background(), t, o)
}

// ExploreContext is Explore that stops early when ctx is done: between
// schedules (a run in progress finishes first, and is counted) and, with
// ExploreOptions.Shrink, between shrinking steps. The report then says how
// many schedules and scenarios ran, has Canceled set and, unless a
// violation was found, the verdict Unknown: a search cut short is not a
// pass.
func ExploreContext(ctx context.Context, t Target, o ExploreOptions) (*Report, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	t, err = t.valid()
	if err != nil {
		return nil, err
	}
	s, err := SpecFor(t.Spec, o.Gen.Params, t.Policy)
	if err != nil {
		return nil, err
	}
	ro := o.Run
	ro.Drain = true
	ro.Lean = true
	ro.Strategy = o.strategyName()
	start := time.Now()
	rep := explore(ctx, t, o, withOracle(o.Gen, s), ro)
	if rep.Found != nil && o.Shrink {
		rep.Found = Shrink(t, rep.Found, ShrinkOptions{Run: o.Run, Seed: o.Seed, Context: ctx})
		rep.Found.Schedules = rep.Original.Schedules
		rep.Elapsed = time.Since(start)
	}
	if rep.Found == nil && (rep.Unknowns > 0 || rep.Canceled) {
		rep.Verdict = verdictUnknown
	}
	return rep, nil
}

// runScenario runs the schedules of local scenario j (global index
// j·Shards+Shard): one for rapid, else up to o.PerScenario (with no cap,
// DFS until its interleavings are exhausted), asking more()
// before every schedule but the first. add judges each run and returns
// true to stop; runScenario reports whether add stopped it and, for DFS,
// what the search did (Schedules left 0 for the merge to count), and
// appends to *runsAt the runs DFS had started when each added run ended.
// OnSchedule, when set, hears of each schedule before it runs (worker w).
// Every worker runs scenarios through here, so a scenario's schedules are
// the same whoever runs them.
func runScenario(t Target, g GenOptions, o ExploreOptions, ro RunOptions, w, j int, more func() bool, add func(*Result) bool, runsAt *[]int) (bool, *DFSScenario) {
	global := j*o.Shards + o.Shard
	seed := ScenarioSeed(o.Seed, global)
	starts := func(k int, s uint64) {
		if o.OnSchedule != nil {
			o.OnSchedule(ScheduleStart{Worker: w, Scenario: global, Schedule: k, Seed: s})
		}
	}
	if o.Strategy == Rapid {
		starts(0, seed)
		return add(rapidRun(t, g, seed, ro)), nil
	}
	sc := Generate(SeedSource(seed), t.Level(), g)
	switch o.Strategy {
	case DFS:
		d := sched.NewDFS(o.DFSBound)
		if o.DFSNoSleepSets {
			d.WithoutSleepSets()
		}
		st := &DFSScenario{Index: global}
		stopped := false
		// Next before more: a search whose last run just ended is
		// exhausted, whatever the budget says.
		for k := 0; d.Next(); k++ {
			if (o.PerScenario >= 0 && k >= o.PerScenario) || (k > 0 && !more()) {
				break
			}
			ro.Seed = seed
			starts(k, seed)
			r, out := run(t, sc, d, ro)
			if out != nil && out.Verdict == sched.Pruned {
				continue
			}
			*runsAt = append(*runsAt, d.Count())
			if add(r) {
				stopped = true
				break
			}
		}
		st.Runs, st.Pruned, st.Exhausted = d.Count(), d.Pruned(), d.Exhausted()
		return stopped, st
	case Stress:
		for k := 0; (o.PerScenario < 0 || k < o.PerScenario) && (k == 0 || more()); k++ {
			ro.Seed = ScheduleSeed(seed, k) // recorded only: nothing seeds a real schedule
			starts(k, ro.Seed)
			if add(stressRun(t, sc, ro)) {
				return true, nil
			}
		}
	default:
		for k := 0; (o.PerScenario < 0 || k < o.PerScenario) && (k == 0 || more()); k++ {
			ss := ScheduleSeed(seed, k)
			ro.Seed = ss
			var ch sched.Chooser = sched.NewRandom(ss)
			if o.Strategy == POS {
				ch = sched.NewPOS(ss)
			}
			if o.Strategy == PCT {
				// PCT's k, from the scenario alone (so that a schedule's
				// seed and its scenario decide it): about 3 contested
				// decisions per op of the parallel part (measured on the
				// zoo: fewer schedules to a bug than 6 per op or than
				// learning k from earlier runs).
				ch = newPCT(ss, o.PCTDepth, 3*parallelOps(sc))
			}
			starts(k, ss)
			if add(Run(t, sc, ch, ro)) {
				return true, nil
			}
		}
	}
	return false, nil
}

// ScenarioAt is the scenario with global index j of an exploration of t
// with options o: the one ExploreContext generates and runs. Rapid draws
// its scenarios and decisions together, so under rapid there is none to
// rebuild: ScenarioAt returns an error.
func ScenarioAt(t Target, o ExploreOptions, j int) (model.Scenario, error) {
	o, err := o.withDefaults()
	if err != nil {
		return model.Scenario{}, err
	}
	if o.Strategy == Rapid {
		return model.Scenario{}, fmt.Errorf("strategy rapid draws each scenario with its decisions: there is no scenario %d to rebuild", j)
	}
	if t, err = t.valid(); err != nil {
		return model.Scenario{}, err
	}
	s, err := SpecFor(t.Spec, o.Gen.Params, t.Policy)
	if err != nil {
		return model.Scenario{}, err
	}
	return Generate(SeedSource(ScenarioSeed(o.Seed, j)), t.Level(), withOracle(o.Gen, s)), nil
}

// rapidRun generates a scenario and runs it with every choice — ops,
// arguments and scheduling decisions — drawn from one rapid.T made from
// seed, outside any test (rapid's Example machinery). Inside a test, use
// Property, where rapid also shrinks.
func rapidRun(t Target, g GenOptions, seed uint64, ro RunOptions) *Result {
	ro.Seed = seed
	ro.Strategy = string(Rapid)
	gen := rapid.Custom(func(rt *rapid.T) *Result {
		sc := Generate(RapidSource(rt), t.Level(), g)
		return Run(t, sc, NewRapidChooser(rt), ro)
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
