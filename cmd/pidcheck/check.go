package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// defaultCheckTime is the whole wall-clock budget of a check given neither
// --schedules nor --time, shared evenly by the rounds of --jobs
// implementations explored at once.
const defaultCheckTime = 40 * time.Second

// maxJobs bounds --jobs: every job runs a scenario at once, so a huge
// --jobs with one implementation (100000 explorers) held gigabytes.
const maxJobs = 1024

// checkFlags are check's flags as given.
type checkFlags struct {
	impl, strategy   string
	schedules        int
	budget           time.Duration
	seed             uint64
	threads, ops     int
	pidMax, floor    int
	out              string
	json             bool
	shard            string
	shards           int
	jobs             int // implementations explored at once
	workers          int // explorers per implementation: the jobs left over when fewer implementations than jobs
	checkTimeout     time.Duration
	bound            int           // --bound: DFS's preemption bound, -1 unbounded
	depth            int           // --depth: PCT's bug depth
	noSleepSets      bool          // --no-sleep-sets
	perScenario      int           // --per-scenario: runs per scenario, 0 the strategy's default
	skipSearch       bool          // hidden --skip-search: see addSkipSearch
	coverage         bool          // --coverage
	shardI, shardN   int           // resolved from shard, shards and JOB_COMPLETION_INDEX
	perImpl          time.Duration // the time budget of each implementation
	defaultBudgetSet bool          // a time budget (--time, or no --schedules): perImpl is a share of total
	total            time.Duration // the whole check's wall-clock budget: --time, or defaultCheckTime
}

func newCheckCmd(cfg *config) *cobra.Command { return checkCmd(cfg, new(checkFlags)) }

// checkCmd is the check command, its flags parsed into f.
func checkCmd(cfg *config, f *checkFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Explore implementations for violations",
		Long: `check explores implementations under the controlled scheduler: it generates
scenarios, runs them under the chosen strategy and judges every history
against the implementation's spec.

With no flags it checks every correct implementation, within ` + defaultCheckTime.String() + ` in all.
--time D is the same kind of budget: the whole check's wall-clock time,
shared between the implementations (an implementation that ends early
leaves its time to those after it). --schedules N is per implementation.

It prints a line per implementation: its verdict, SCHEDULES (runs, each
one scenario under one interleaving) and SCENARIOS (the op sequences
generated; random and pct run each under one schedule, dfs under up to
200), its time and schedules per second.

On a violation it shrinks it, writes the trace into --out, prints what broke
and the command that replays it, and exits 1. A run porcupine could not
decide is written as NAME.unknown.trace and gives exit status 3.

Interrupted (SIGINT, Ctrl-C, or SIGTERM), every running exploration stops
after its schedule in progress; check prints what ran (the JSON too, with
--json) and exits 3: inconclusive, the budget was not spent (1 if a
violation was already found).
A second signal kills it at once.

The exploration runs in a child process (this executable again) that
check supervises, so that code under test cannot end it with a false pass:
a child that ends without reporting its result — the code under test
called os.Exit (even os.Exit(0)), a Go fatal error (stack overflow, out of
memory), a panic in a goroutine of its own, a signal or the OOM
killer — makes check exit 1 with "the exploration died: ...", write
NAME.crashed.trace (the scenario that was running and its seed, verdict
unknown: no decisions are recorded, so it does not replay) and print the
command that reruns the exploration up to it. A death while a violation
is shrunk leaves the violation saved as found (NAME.trace, which replays).
Limits: a death outside a schedule (while judging a run, or in a goroutine
an earlier schedule left behind) has no trace, or one of the wrong scenario;
with --jobs above 1, every schedule running at once gets a trace; the
rerun of a dfs check with no --per-scenario cap whose implementation was
explored by several workers (--impl X with --jobs above 1) may stop short
of the scenario (its budget is the runs started, and an earlier scenario
may have had runs left); if check
itself is killed (SIGKILL), nothing is reported, but the exit status is
the signal's (137), never 0, and on Linux the child is killed with it;
replay and shrink are not supervised, nor is anything on Windows. The --json output
of a check that died has one result per death, verdict "crashed". Set
PIDCHECK_UNSUPERVISED=1 to explore in the process itself (to debug it).

--shard i/n runs a disjoint slice of the seed space: n machines with the same
--seed cover one search between them. With --shard /n or --shards n, i is read
from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). --json prints one JSON
object, its search included; pidcheck merge joins the shards' objects.

--jobs N explores up to N implementations at once (default: GOMAXPROCS, the
usable cores; at most twice GOMAXPROCS run at once, and no more explorers
of one implementation than --schedules has scenarios: more only cost
memory), each in its own exploration: they share nothing, and with
--schedules every implementation's result (schedules, verdict, trace) is the
one --jobs 1 gives; output stays in the registry's order. The default budget
goes to rounds of N implementations (each gets N times its share of ` + defaultCheckTime.String() + `
or of --time), so a check still takes about ` + defaultCheckTime.String() + ` (or --time). With fewer implementations than jobs (as
--impl X), each implementation's search is split between the jobs left
over: they take whole scenarios in turn and their runs are counted in
scenario order, so with --schedules the result is still the one --jobs 1
gives (the first violation is the one --jobs 1 finds). --shard splits one
search between machines or processes.

--strategy dfs runs every interleaving of each scenario, up to --bound
preemptions (default 2; -1: unbounded), with sleep sets (--no-sleep-sets
turns them off), before the next scenario: no cap per scenario unless
--per-scenario N gives one. It reports how many scenarios it exhausted
(every interleaving within the bound ran) and which it did not (the budget
or a cap ended their search); --json has exhausted_scenarios and, per
scenario, dfs_scenarios. The README says what an exhausted run proves.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			entries, err := f.resolve(cmd, cfg)
			if err != nil {
				return err
			}
			cleanup, err := prepareOut(f.out)
			if err != nil {
				return err
			}
			defer cleanup()
			if cfg.supervised() {
				return supervise(cfg, cmd.OutOrStdout(), cmd.ErrOrStderr(), f.plan(entries))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			context.AfterFunc(ctx, stop) // a second signal is not caught
			return runCheck(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), entries, f, cfg.report)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.impl, "impl", "", "implementations to check, comma-separated; all (the default) is every correct one")
	fl.StringVar(&f.strategy, "strategy", string(checker.DefaultStrategy), "exploration strategy: "+strategyList())
	fl.IntVar(&f.schedules, "schedules", 0, "schedules to run per implementation")
	fl.DurationVar(&f.budget, "time", 0, "wall-clock budget of the whole check, shared by the implementations (instead of --schedules; default "+defaultCheckTime.String()+")")
	fl.Uint64Var(&f.seed, "seed", 1, "base seed; every scenario and schedule derives from it")
	fl.IntVar(&f.threads, "threads", 0, "most threads in a scenario's parallel part (default 3)")
	fl.IntVar(&f.ops, "ops", 0, "most ops per thread (default 4)")
	fl.IntVar(&f.pidMax, "pid-max", 0, "pid_max of every space (default: the implementation's small default)")
	fl.IntVar(&f.floor, "floor", 0, "the number allocation wraps to (RESERVED_PIDS; default 4)")
	fl.StringVar(&f.out, "out", "pidcheck-failures", "directory failing traces are written to")
	fl.BoolVar(&f.json, "json", false, "print a mergeable JSON result on stdout")
	fl.StringVar(&f.shard, "shard", "", "run shard i of n (i/n, or /n with i from JOB_COMPLETION_INDEX)")
	fl.IntVar(&f.shards, "shards", 0, "split into n shards; this one is JOB_COMPLETION_INDEX")
	fl.IntVar(&f.jobs, "jobs", runtime.GOMAXPROCS(0), "implementations explored at once (at most 2×GOMAXPROCS run); fewer implementations split the jobs between them")
	fl.DurationVar(&f.checkTimeout, "check-timeout", 0, "porcupine's budget per history (default 10s); running out is Unknown")
	fl.IntVar(&f.bound, "bound", checker.DefaultDFSBound, "dfs: preemptions per run, -1 for unbounded")
	fl.IntVar(&f.depth, "depth", checker.DefaultPCTDepth, "pct: the bug depth d, d-1 priority change points per run")
	fl.BoolVar(&f.noSleepSets, "no-sleep-sets", false, "dfs: run equivalent interleavings too (sleep sets off)")
	fl.IntVar(&f.perScenario, "per-scenario", 0, "runs per scenario (default: 1; dfs: every interleaving within the bound)")
	fl.BoolVar(&f.coverage, "coverage", false, "count what the runs reached: op kinds, result kinds and spec rules, per implementation and in all")
	addSkipSearch(cmd, &f.skipSearch)
	return cmd
}

// resolve validates the flags and picks the implementations to check.
func (f *checkFlags) resolve(cmd *cobra.Command, cfg *config) ([]alloc.Entry, error) {
	fl := cmd.Flags()
	if fl.Changed("schedules") && fl.Changed("time") {
		return nil, usageErrorf("--schedules and --time are exclusive: give one budget")
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"schedules", f.schedules}, {"threads", f.threads}, {"ops", f.ops}, {"pid-max", f.pidMax}, {"floor", f.floor}, {"shards", f.shards}} {
		if v.n < 0 {
			return nil, usageErrorf("--%s %d: must not be negative", v.name, v.n)
		}
	}
	if fl.Changed("schedules") && f.schedules == 0 {
		return nil, usageErrorf("--schedules 0: give at least 1")
	}
	if f.budget < 0 || (fl.Changed("time") && f.budget == 0) {
		return nil, usageErrorf("--time %v: must be positive", f.budget)
	}
	if f.checkTimeout < 0 {
		return nil, usageErrorf("--check-timeout %v: must not be negative", f.checkTimeout)
	}
	if f.jobs < 1 || f.jobs > maxJobs {
		return nil, usageErrorf("--jobs %d: give 1 to %d", f.jobs, maxJobs)
	}
	// 0 would silently mean the default: refuse it, as --schedules 0.
	if fl.Changed("threads") && (f.threads < 1 || f.threads > 26) {
		return nil, usageErrorf("--threads %d: give 1 to 26 (default 3)", f.threads)
	}
	if fl.Changed("ops") && (f.ops < 1 || f.ops > 64) {
		return nil, usageErrorf("--ops %d: give 1 to 64 ops per thread (default 4)", f.ops)
	}
	if _, err := checker.ParseStrategy(f.strategy); err != nil {
		return nil, usageErrorf("--strategy %q: want one of %s", f.strategy, strategyList())
	}
	if checker.Strategy(f.strategy) != checker.DFS {
		for _, name := range []string{"bound", "no-sleep-sets"} {
			if fl.Changed(name) {
				return nil, usageErrorf("--%s: only --strategy dfs has it (the strategy is %s)", name, f.strategy)
			}
		}
	}
	if err := checkDepth(fl.Changed("depth"), f.depth, f.strategy); err != nil {
		return nil, err
	}
	if f.bound < -1 {
		return nil, usageErrorf("--bound %d: give a number of preemptions, or -1 for unbounded", f.bound)
	}
	if f.perScenario < 0 || (fl.Changed("per-scenario") && f.perScenario == 0) {
		return nil, usageErrorf("--per-scenario %d: give at least 1", f.perScenario)
	}
	if err := f.resolveShard(os.Getenv("JOB_COMPLETION_INDEX")); err != nil {
		return nil, err
	}
	var entries []alloc.Entry
	switch f.impl {
	case "", "all":
		for _, e := range alloc.Registry() {
			if !e.Zoo {
				entries = append(entries, e)
			}
		}
	default:
		for _, name := range strings.Split(f.impl, ",") {
			e, err := cfg.lookup(strings.TrimSpace(name))
			if err != nil {
				return nil, usageErrorf("--impl: %v", err)
			}
			entries = append(entries, e)
		}
	}
	for _, e := range entries {
		if err := f.params(e).Validate(); err != nil {
			return nil, usageErrorf("--pid-max/--floor for %s: %v", e.Name, err)
		}
	}
	// More explorers than cores only cost memory and switches: each job
	// and each worker runs a scenario at once. So at most twice the usable
	// cores run, and no more workers than a --schedules budget has
	// scenarios.
	most := 2 * runtime.GOMAXPROCS(0)
	f.workers = max(1, min(f.jobs/len(entries), most))
	if f.schedules > 0 {
		f.workers = min(f.workers, f.schedules)
	}
	f.jobs = min(f.jobs, len(entries), most)
	// One budget rule: a time budget, given or the default, is the whole
	// check's, shared by its rounds of f.jobs implementations.
	if !fl.Changed("schedules") {
		f.total = defaultCheckTime
		if fl.Changed("time") {
			f.total = f.budget
		}
		f.perImpl = max(time.Millisecond, (f.total / time.Duration(rounds(len(entries), f.jobs))).Round(time.Millisecond))
		f.defaultBudgetSet = true
	}
	return entries, nil
}

// rounds is how many rounds n implementations take, jobs at a time.
func rounds(n, jobs int) int { return (n + jobs - 1) / jobs }

// resolveShard sets shardI/shardN from --shard, --shards and the index
// a Kubernetes Indexed Job gives each pod.
func (f *checkFlags) resolveShard(jobIndex string) error {
	f.shardI, f.shardN = 0, 1
	if f.shard == "" && f.shards == 0 {
		return nil
	}
	if f.shard != "" && f.shards != 0 {
		return usageErrorf("--shard and --shards are exclusive")
	}
	is, ns := "", strconv.Itoa(f.shards)
	if f.shard != "" {
		var ok bool
		is, ns, ok = strings.Cut(f.shard, "/")
		if !ok {
			return usageErrorf("--shard %q: want i/n (or /n with JOB_COMPLETION_INDEX set)", f.shard)
		}
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		return usageErrorf("shards %q: n must be a positive number", ns)
	}
	if is == "" {
		if jobIndex == "" {
			return usageErrorf("shard index missing: give --shard i/%d or set JOB_COMPLETION_INDEX", n)
		}
		is = jobIndex
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || i >= n {
		return usageErrorf("shard %q of %d: want 0 ≤ i < %d", is, n, n)
	}
	f.shardI, f.shardN = i, n
	return nil
}

// params are the parameters e is explored with.
func (f *checkFlags) params(e alloc.Entry) model.Params {
	p := catalog.Params(e)
	if f.pidMax > 0 {
		p.PidMax = f.pidMax
	}
	if f.floor > 0 {
		p.Floor = f.floor
	}
	return p
}

// options are the engine's options for e.
func (f *checkFlags) options(e alloc.Entry) checker.ExploreOptions {
	var o checker.ExploreOptions
	o.Strategy, o.Seed = checker.Strategy(f.strategy), f.seed
	o.Schedules, o.Time = f.schedules, f.perImpl
	o.Gen = checker.GenOptions{Threads: f.threads, Ops: f.ops, Params: f.params(e)}
	o.Shard, o.Shards = f.shardI, f.shardN
	o.Workers = f.workers
	o.Run.CheckTimeout = f.checkTimeout
	o.Run.SkipSearch = f.skipSearch
	o.Run.Coverage = f.coverage
	o.DFSBound, o.DFSBoundSet, o.DFSNoSleepSets = f.bound, true, f.noSleepSets
	o.PCTDepth = f.depth
	o.PerScenario = f.perScenario
	if o.PerScenario == 0 && o.Strategy == checker.DFS {
		o.PerScenario = -1 // every interleaving of a scenario before the next
	}
	return o
}

// checkJSON is check's --json output. Results of shards of one search
// (same seed, strategy and options) concatenate: each says which scenario
// indexes it covered.
type checkJSON struct {
	jsonHeader
	Strategy  string            `json:"strategy"`
	Seed      uint64            `json:"seed"`
	Shard     int               `json:"shard"`
	Shards    int               `json:"shards"`
	Verdict   string            `json:"verdict"`
	Schedules int               `json:"schedules"`
	Elapsed   float64           `json:"elapsed_seconds"`
	PerSecond float64           `json:"schedules_per_second"`
	Results   []checkResultJSON `json:"results"`

	// Search is the search this result is a shard of: what merge checks
	// the shards it joins agree on.
	Search *searchJSON `json:"search"`
	// ExhaustedScenarios (dfs only) sums the results' own.
	ExhaustedScenarios *int `json:"exhausted_scenarios,omitempty"`

	// Coverage (--coverage) sums the results' own.
	Coverage *coverageJSON `json:"coverage,omitempty"`

	// Interrupted: a signal stopped the check before its budget was
	// spent; implementations not reached have no result.
	Interrupted bool `json:"interrupted,omitempty"`
}

// checkResultJSON is one implementation's exploration.
type checkResultJSON struct {
	Impl      string  `json:"impl"`
	Strategy  string  `json:"strategy"`
	Seed      uint64  `json:"seed"`
	Shard     int     `json:"shard"`
	Shards    int     `json:"shards"`
	Scenarios seedsJS `json:"scenarios"`
	Schedules int     `json:"schedules"`
	Unknowns  int     `json:"unknowns"`
	Elapsed   float64 `json:"elapsed_seconds"`
	PerSecond float64 `json:"schedules_per_second"`
	Verdict   string  `json:"verdict"`
	Reason    string  `json:"reason,omitempty"`
	Trace     string  `json:"trace,omitempty"`
	// TraceError is why the trace could not be written (Trace is then
	// empty).
	TraceError string `json:"trace_error,omitempty"`
	// Interrupted: this exploration was stopped before its budget was spent.
	Interrupted bool `json:"interrupted,omitempty"`

	// ExhaustedScenarios (dfs only): how many of Scenarios had every
	// interleaving within the bound run; DFSScenarios says, per scenario,
	// what the search did.
	ExhaustedScenarios *int              `json:"exhausted_scenarios,omitempty"`
	DFSScenarios       []dfsScenarioJSON `json:"dfs_scenarios,omitempty"`

	// Coverage (--coverage): what the runs reached, against the spec's
	// contract.
	Coverage *coverageJSON `json:"coverage,omitempty"`
}

// dfsScenarioJSON is one scenario of a DFS exploration.
type dfsScenarioJSON struct {
	Index     int  `json:"index"` // global index: the scenario's seed is checker.ScenarioSeed(seed, index)
	Runs      int  `json:"runs"`  // runs started, pruned ones included
	Pruned    int  `json:"pruned"`
	Schedules int  `json:"schedules"`
	Exhausted bool `json:"exhausted"`
}

// seedsJS is the slice of the seed space a run covered: the scenarios
// with global index First, First+Step, … (Count of them); scenario j's
// seed is checker.ScenarioSeed(seed, j).
type seedsJS struct {
	First int `json:"first"`
	Step  int `json:"step"`
	Count int `json:"count"`
}

// checkRowFormat is a line of check's table, its header too: rows are
// printed as implementations end, so the columns have fixed widths.
const checkRowFormat = "%-28s %-26s %10s %10s %8s %11s\n"

// checkRun is one implementation's exploration in a check: the job that
// ran it fills it in and closes done; the printer reads it after that.
type checkRun struct {
	fd      *finding
	err     error
	started bool // false: the check was interrupted before it began
	done    chan struct{}
}

// complete reports whether the run spent its whole budget (or found a
// violation), uninterrupted.
func (r *checkRun) complete() bool {
	return r.started && r.err == nil && !r.fd.rep.Canceled
}

// checkProgress sums the explorations running at once into one progress
// line (a terminal only).
type checkProgress struct {
	mu      sync.Mutex // guards the fields below and the writes of the check's output
	pr      *progress
	start   time.Time
	entries []alloc.Entry
	running map[int]int // entry index → schedules so far
	settled int         // schedules of the explorations that ended
	ended   int         // explorations that ended
	found   int         // violations they found
}

// update records entry k's schedules so far and redraws the line.
func (c *checkProgress) update(k int, p checker.Progress) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running[k] = p.Schedules
	n := c.settled
	var names []string
	for i, e := range c.entries {
		if s, ok := c.running[i]; ok {
			n += s
			names = append(names, e.Name)
		}
	}
	c.pr.show("check %s [%d/%d]: %d schedules, %.0f/s; violations found so far: %d", strings.Join(names, ","),
		c.ended+len(c.running), len(c.entries), n, perSecond(n, time.Since(c.start)), c.found)
}

// end records that entry k's exploration is over.
func (c *checkProgress) end(k int, r *checkRun) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.running, k)
	c.ended++
	if r.started && r.err == nil {
		c.settled += r.fd.rep.Schedules
		if r.fd.rep.Found != nil {
			c.found++
		}
	}
}

// print writes the check's ordinary output, the progress line cleared
// first.
func (c *checkProgress) print(w io.Writer, format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pr.clear()
	fmt.Fprintf(w, format, args...)
}

// runCheck explores entries, f.jobs at a time, each with its own
// exploration (they share nothing), and prints their results in the
// registry's order as they become ready. When ctx ends, every running
// exploration stops; check reports what ran and gives exit status 3
// (unless a violation was found).
func runCheck(ctx context.Context, stdout, stderr io.Writer, entries []alloc.Entry, f *checkFlags, report *reporter) error {
	start := time.Now()
	cp := &checkProgress{pr: newProgress(stderr), start: start, entries: entries, running: map[int]int{}}
	out := checkJSON{jsonHeader: header("check"), Strategy: f.strategy, Seed: f.seed, Shard: f.shardI, Shards: f.shardN, Search: f.search(entries), Results: []checkResultJSON{}}
	human := stdout
	if f.json {
		human = stderr // what broke still reaches a person
	}
	if !f.json {
		budget := fmt.Sprintf("%d schedules each", f.schedules)
		if f.defaultBudgetSet {
			budget = fmt.Sprintf("%v wall-clock in all, shared by the implementations", f.total)
		}
		shard := ""
		if f.shardN > 1 {
			shard = fmt.Sprintf(", shard %d/%d", f.shardI, f.shardN)
		}
		fmt.Fprintf(stdout, "checking %d implementation(s), strategy %s, seed %d, %s%s\n", len(entries), f.strategy, f.seed, budget, shard)
		fmt.Fprintf(stdout, "(SCHEDULES: runs, one interleaving of one scenario each; SCENARIOS: op sequences generated)\n")
		fmt.Fprintf(stdout, checkRowFormat, "IMPLEMENTATION", "VERDICT", "SCHEDULES", "SCENARIOS", "TIME", "SCHEDULES/S")
	}

	if err := report.setup(len(entries), f.workers); err != nil {
		fmt.Fprintf(stderr, "pidcheck: cannot tell the supervisor what runs (a death would have no trace): %v\n", err)
	}
	jobCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	runs := make([]*checkRun, len(entries))
	for k := range runs {
		runs[k] = &checkRun{done: make(chan struct{})}
	}
	var (
		mu   sync.Mutex
		next int // the next entry a job takes: entries start in order
		wg   sync.WaitGroup
	)
	jobs := max(1, min(f.jobs, len(entries)))
	if checker.Strategy(f.strategy) != checker.Stress {
		defer fitProcs(jobs * f.workers)()
	}
	for range jobs {
		wg.Go(func() {
			for {
				mu.Lock()
				k := next
				next++
				mu.Unlock()
				if k >= len(entries) {
					return
				}
				e, r := entries[k], runs[k]
				if jobCtx.Err() != nil {
					close(r.done) // interrupted: never started
					continue
				}
				o := f.options(e)
				if f.defaultBudgetSet {
					// Time the implementations before left unused (one
					// failed fast) goes to the ones after: the rounds left
					// share what is left of the budget.
					left := f.total - time.Since(start)
					o.Time = max(f.perImpl, left/time.Duration(rounds(len(entries)-k, jobs))).Round(time.Millisecond)
				}
				if cp.pr.on {
					o.ProgressEvery = 100
					o.Progress = func(p checker.Progress) { cp.update(k, p) }
				}
				o.OnSchedule = report.onSchedule(k)
				r.started = true
				r.fd, r.err = explore(jobCtx, e, o, nil, f.out, shardSuffix(f), report, k)
				report.ended(k)
				cp.end(k, r)
				close(r.done)
			}
		})
	}

	status, incomplete := exitOK, -1
	var covNames []string
	var covs []*checker.Coverage
	var goals [][]checker.CoverageItem
	for k, e := range entries {
		r := runs[k]
		<-r.done
		if r.err != nil {
			cancel()
			wg.Wait()
			cp.print(stderr, "")
			return r.err
		}
		if !r.complete() && incomplete < 0 {
			incomplete = k
		}
		if !r.started {
			continue
		}
		fd := r.fd
		rep := fd.rep
		res := checkResultJSON{Impl: e.Name, Strategy: rep.Strategy, Seed: f.seed, Shard: f.shardI, Shards: f.shardN,
			Scenarios: seedsJS{First: f.shardI, Step: f.shardN, Count: rep.Scenarios},
			Schedules: rep.Schedules, Unknowns: rep.Unknowns, Elapsed: rep.Elapsed.Seconds(),
			PerSecond: perSecond(rep.Schedules, rep.Elapsed), Verdict: rep.Verdict.String(), Trace: fd.path,
			Interrupted: rep.Canceled}
		if fd.werr != nil {
			res.TraceError = fd.werr.Error()
		}
		switch {
		case fd.result != nil:
			res.Reason = fd.result.Reason
		case rep.Canceled:
			res.Reason = "interrupted before the budget was spent"
		}
		if checker.Strategy(f.strategy) == checker.DFS {
			n := rep.Exhausted
			res.ExhaustedScenarios = &n
			for _, d := range rep.DFS {
				res.DFSScenarios = append(res.DFSScenarios, dfsScenarioJSON(d))
			}
			if out.ExhaustedScenarios == nil {
				out.ExhaustedScenarios = new(int)
			}
			*out.ExhaustedScenarios += n
		}
		if rep.Coverage != nil {
			goal := coverageGoal(e, f)
			res.Coverage = toCoverageJSON(rep.Coverage, goal)
			covNames, covs, goals = append(covNames, e.Name), append(covs, rep.Coverage), append(goals, goal)
		}
		out.Results = append(out.Results, res)
		out.Schedules += rep.Schedules
		if !f.json {
			cp.print(stdout, checkRowFormat, e.Name, rep.Verdict, strconv.Itoa(rep.Schedules), strconv.Itoa(rep.Scenarios),
				fmt.Sprintf("%.2fs", rep.Elapsed.Seconds()), fmt.Sprintf("%.0f", res.PerSecond))
			if checker.Strategy(f.strategy) == checker.DFS {
				cp.print(stdout, "  %s\n", exhaustionLine(rep))
			}
		}
		switch rep.Verdict.Outcome {
		case traces.Violation:
			status = exitViolation
			cp.print(human, "\n  %s\n%s\n", shrunkLine(fd), checker.Banner(fd.result, fd.reproduce()))
		case traces.Unknown:
			if status == exitOK {
				status = exitUnknown
			}
			if rep.Unknown == nil {
				break // interrupted, and every run so far decided
			}
			where := fd.path
			if fd.werr != nil {
				where = fmt.Sprintf("(not written: %v)", fd.werr)
			}
			cp.print(human, "  %d run(s) undecided, not a pass: %s\n  first undecided run: %s\n", rep.Unknowns, fd.result.Reason, where)
		}
	}
	wg.Wait()
	if incomplete >= 0 {
		out.Interrupted = true
		if status == exitOK {
			status = exitUnknown
		}
		cp.print(human, "%s\n", interruptedLine(entries, runs, incomplete))
	}
	elapsed := time.Since(start)
	out.Elapsed = elapsed.Seconds()
	out.PerSecond = perSecond(out.Schedules, elapsed)
	switch status {
	case exitOK:
		out.Verdict = "ok"
	case exitViolation:
		out.Verdict = "violation"
	default:
		out.Verdict = "unknown"
	}
	if len(covs) > 0 {
		total := &checker.Coverage{}
		for _, c := range covs {
			total.Add(c)
		}
		out.Coverage = toCoverageJSON(total, nil)
		if !f.json {
			cp.print(stdout, "")
			printCoverage(stdout, covNames, covs, goals)
		}
	}
	if f.json {
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		cp.print(stdout, "%s: %d schedules in %.1fs, %.0f schedules/s\n", out.Verdict, out.Schedules, out.Elapsed, out.PerSecond)
	}
	return statusErr(status)
}

// interruptedLine says where an interrupted check stopped: at entry i, the
// first that did not spend its budget, and how many after it did not
// either (never started, or, running at once, cut short too).
func interruptedLine(entries []alloc.Entry, runs []*checkRun, i int) string {
	notStarted, cut := 0, 0
	for _, r := range runs[i+1:] {
		switch {
		case !r.started:
			notStarted++
		case !r.complete():
			cut++
		}
	}
	rest := fmt.Sprintf("%d implementation(s) not checked", notStarted)
	if cut > 0 {
		rest = fmt.Sprintf("%d implementation(s) not checked or cut short", notStarted+cut)
	}
	r := runs[i]
	if !r.started {
		return fmt.Sprintf("interrupted before %s started; %d implementation(s) not checked; inconclusive, not a pass", entries[i].Name, notStarted+cut+1)
	}
	return fmt.Sprintf("interrupted: %s stopped after %d schedule(s) of %d scenario(s); %s; inconclusive, not a pass",
		entries[i].Name, r.fd.rep.Schedules, r.fd.rep.Scenarios, rest)
}

// shardSuffix keeps the traces of shards sharing one --out apart.
func shardSuffix(f *checkFlags) string {
	if f.shardN <= 1 {
		return ""
	}
	return fmt.Sprintf(".shard%dof%d", f.shardI, f.shardN)
}

// plan is how check's supervisor reports an exploration that died.
func (f *checkFlags) plan(entries []alloc.Entry) *plan {
	p := &plan{cmd: "check", out: f.out, suffix: shardSuffix(f)}
	for _, e := range entries {
		p.names = append(p.names, e.Name)
	}
	p.options = func(k int) (checker.Target, checker.ExploreOptions) {
		return catalog.Target(entries[k]), f.options(entries[k])
	}
	p.rerun = func(k int, s checker.ScheduleStart, started int) string {
		return f.rerun(entries[k].Name, s, started)
	}
	if f.json {
		p.deathJSON = func(w io.Writer, deaths []death) error {
			out := checkJSON{jsonHeader: header("check"), Strategy: f.strategy, Seed: f.seed, Shard: f.shardI, Shards: f.shardN, Verdict: "crashed", Results: []checkResultJSON{}, Search: f.search(entries)}
			counted := map[int]bool{}
			for _, d := range deaths {
				res := checkResultJSON{Impl: entries[d.k].Name, Strategy: f.strategy, Seed: f.seed, Shard: f.shardI, Shards: f.shardN,
					Scenarios: seedsJS{First: d.start.Scenario, Step: f.shardN, Count: 1}, Schedules: d.schedules, Elapsed: d.elapsed.Seconds(),
					PerSecond: perSecond(d.schedules, d.elapsed), Verdict: "crashed", Reason: d.reason, Trace: d.path}
				if !counted[d.k] {
					counted[d.k] = true
					out.Schedules += d.schedules
				}
				out.Elapsed, out.PerSecond = d.elapsed.Seconds(), perSecond(out.Schedules, d.elapsed)
				if d.werr != nil {
					res.TraceError = d.werr.Error()
				}
				out.Results = append(out.Results, res)
			}
			return writeJSON(w, out)
		}
	}
	return p
}

// checkDepth validates --depth: PCT's only, at least 1.
func checkDepth(changed bool, depth int, strategy string) error {
	if !changed {
		return nil
	}
	if checker.Strategy(strategy) != checker.PCT {
		return usageErrorf("--depth: only --strategy pct has it (the strategy is %s)", strategy)
	}
	if depth < 1 || depth > 64 {
		return usageErrorf("--depth %d: give 1 to 64 (default %d)", depth, checker.DefaultPCTDepth)
	}
	return nil
}

// strategyArgs are the strategy's own flags that differ from their
// defaults, for a command that reruns an exploration.
func strategyArgs(strategy string, depth, bound int, noSleepSets bool) []string {
	var args []string
	switch checker.Strategy(strategy) {
	case checker.PCT:
		if depth != checker.DefaultPCTDepth {
			args = append(args, "--depth", strconv.Itoa(depth))
		}
	case checker.DFS:
		if bound != checker.DefaultDFSBound {
			args = append(args, "--bound", strconv.Itoa(bound))
		}
		if noSleepSets {
			args = append(args, "--no-sleep-sets")
		}
	}
	return args
}

// rerun is the command that explores impl as this check does, on one
// worker, up to schedule s; started is how many schedules of impl had
// started in all. The budget covers every schedule before s: with a cap
// of runs per scenario (1, or --per-scenario), the cap times the
// scenarios before it; for dfs with no cap, where a scenario takes as
// many runs as its interleavings, the runs started (every earlier
// scenario's, when one worker explored impl, which is check's default;
// more than it needs, never fewer, since pruned runs are started but not
// counted). A budget past s costs nothing when the death recurs there.
func (f *checkFlags) rerun(impl string, s checker.ScheduleStart, started int) string {
	local := (s.Scenario - f.shardI) / f.shardN
	budget := local + s.Schedule + 1
	switch {
	case f.perScenario > 0:
		budget = local*f.perScenario + s.Schedule + 1
	case checker.Strategy(f.strategy) == checker.DFS:
		budget = max(budget, started)
	}
	args := []string{selfCommand(), "check", "--impl", impl, "--strategy", f.strategy, "--seed", strconv.FormatUint(f.seed, 10),
		"--schedules", strconv.Itoa(budget), "--jobs", "1"}
	if f.shardN > 1 {
		args = append(args, "--shard", fmt.Sprintf("%d/%d", f.shardI, f.shardN))
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"threads", f.threads}, {"ops", f.ops}, {"pid-max", f.pidMax}, {"floor", f.floor}} {
		if v.n > 0 {
			args = append(args, "--"+v.name, strconv.Itoa(v.n))
		}
	}
	args = append(args, strategyArgs(f.strategy, f.depth, f.bound, f.noSleepSets)...)
	if f.perScenario > 0 {
		args = append(args, "--per-scenario", strconv.Itoa(f.perScenario))
	}
	if f.checkTimeout > 0 {
		args = append(args, "--check-timeout", f.checkTimeout.String())
	}
	if f.skipSearch {
		args = append(args, "--skip-search")
	}
	if f.out != "pidcheck-failures" {
		args = append(args, "--out", f.out)
	}
	return strings.Join(args, " ")
}

// exhaustionLine says what a DFS exploration exhausted: "dfs bound=2: 12
// of 13 scenarios exhausted (runs to exhaust: min 3, median 20, max 574);
// not exhausted: scenario 12 after 340 runs".
func exhaustionLine(rep *checker.Report) string {
	var runs []int
	var not []string
	for _, d := range rep.DFS {
		if d.Exhausted {
			runs = append(runs, d.Runs)
		} else {
			not = append(not, fmt.Sprintf("scenario %d after %d runs", d.Index, d.Runs))
		}
	}
	line := fmt.Sprintf("%s: %d of %d scenarios exhausted", rep.Strategy, rep.Exhausted, len(rep.DFS))
	if len(runs) > 0 {
		slices.Sort(runs)
		line += fmt.Sprintf(" (runs to exhaust: min %d, median %d, max %d)", runs[0], runs[len(runs)/2], runs[len(runs)-1])
	}
	if len(not) > 0 {
		const most = 5
		if len(not) > most {
			not = append(not[:most], fmt.Sprintf("%d more", len(not)-most))
		}
		line += "; not exhausted: " + strings.Join(not, ", ")
	}
	return line
}
