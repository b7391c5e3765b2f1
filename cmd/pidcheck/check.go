package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// defaultCheckTime is the whole budget of a check given neither
// --schedules nor --time, shared evenly by the implementations checked.
const defaultCheckTime = 40 * time.Second

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
	checkTimeout     time.Duration
	skipSearch       bool          // hidden --skip-search: see addSkipSearch
	shardI, shardN   int           // resolved from shard, shards and JOB_COMPLETION_INDEX
	perImpl          time.Duration // the time budget of each implementation
	defaultBudgetSet bool          // no --schedules nor --time: perImpl is a share of defaultCheckTime
}

func newCheckCmd() *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Explore implementations for violations",
		Long: `check explores implementations under the controlled scheduler: it generates
scenarios, runs them under the chosen strategy and judges every history
against the implementation's spec.

With no flags it checks every correct implementation, within ` + defaultCheckTime.String() + ` in all.
On a violation it shrinks it, writes the trace into --out, prints what broke
and the command that replays it, and exits 1. A run porcupine could not
decide is written as NAME.unknown.trace and gives exit status 3.

Interrupted (SIGINT, Ctrl-C, or SIGTERM), check stops after the schedule in
progress, prints what it ran (the JSON too, with --json) and exits 3:
inconclusive, the budget was not spent (1 if a violation was already found).
A second signal kills it at once.

--shard i/n runs a disjoint slice of the seed space: n machines with the same
--seed cover one search between them. With --shard /n or --shards n, i is read
from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). --json prints one JSON
object whose results arrays can be concatenated across shards.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			entries, err := f.resolve(cmd)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			context.AfterFunc(ctx, stop) // a second signal is not caught
			return runCheck(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), entries, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.impl, "impl", "", "implementations to check, comma-separated; all (the default) is every correct one")
	fl.StringVar(&f.strategy, "strategy", defaultStrategy(), "exploration strategy: "+strings.Join(checker.Strategies(), ", "))
	fl.IntVar(&f.schedules, "schedules", 0, "schedules to run per implementation")
	fl.DurationVar(&f.budget, "time", 0, "wall-clock budget per implementation (instead of --schedules)")
	fl.Uint64Var(&f.seed, "seed", 1, "base seed; every scenario and schedule derives from it")
	fl.IntVar(&f.threads, "threads", 0, "most threads in a scenario's parallel part (default 3)")
	fl.IntVar(&f.ops, "ops", 0, "most ops per thread (default 4)")
	fl.IntVar(&f.pidMax, "pid-max", 0, "pid_max of every space (default: the implementation's small default)")
	fl.IntVar(&f.floor, "floor", 0, "the number allocation wraps to (RESERVED_PIDS; default 4)")
	fl.StringVar(&f.out, "out", "pidcheck-failures", "directory failing traces are written to")
	fl.BoolVar(&f.json, "json", false, "print a mergeable JSON result on stdout")
	fl.StringVar(&f.shard, "shard", "", "run shard i of n (i/n, or /n with i from JOB_COMPLETION_INDEX)")
	fl.IntVar(&f.shards, "shards", 0, "split into n shards; this one is JOB_COMPLETION_INDEX")
	fl.DurationVar(&f.checkTimeout, "check-timeout", 0, "porcupine's budget per history (default 10s); running out is Unknown")
	addSkipSearch(cmd, &f.skipSearch)
	return cmd
}

// resolve validates the flags and picks the implementations to check.
func (f *checkFlags) resolve(cmd *cobra.Command) ([]alloc.Entry, error) {
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
	if f.threads > 26 || f.ops > 64 {
		return nil, usageErrorf("--threads %d, --ops %d: at most 26 threads and 64 ops per thread", f.threads, f.ops)
	}
	if !slices.Contains(checker.Strategies(), f.strategy) {
		return nil, usageErrorf("--strategy %q: want one of %s", f.strategy, strings.Join(checker.Strategies(), ", "))
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
			e, err := alloc.Lookup(strings.TrimSpace(name))
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
	f.perImpl = f.budget
	if !fl.Changed("schedules") && !fl.Changed("time") {
		f.perImpl = (defaultCheckTime / time.Duration(len(entries))).Round(time.Millisecond)
		f.defaultBudgetSet = true
	}
	return entries, nil
}

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
	p := checker.ParamsFor(e)
	if f.pidMax > 0 {
		p.PidMax = f.pidMax
	}
	if f.floor > 0 {
		p.Floor = f.floor
	}
	return p
}

// options are the engine's options for e.
func (f *checkFlags) options(e alloc.Entry) checker.Options {
	o := checker.DefaultOptions(e)
	o.Strategy, o.Seed = f.strategy, f.seed
	o.Schedules, o.Time = f.schedules, f.perImpl
	o.Threads, o.Ops = f.threads, f.ops
	o.Params = f.params(e)
	o.Shard, o.Shards = f.shardI, f.shardN
	o.Run.CheckTimeout = f.checkTimeout
	o.Run.SkipSearch = f.skipSearch
	return o
}

// checkJSON is check's --json output. Results of shards of one search
// (same seed, strategy and options) concatenate: each says which scenario
// indexes it covered.
type checkJSON struct {
	Strategy  string            `json:"strategy"`
	Seed      uint64            `json:"seed"`
	Shard     int               `json:"shard"`
	Shards    int               `json:"shards"`
	Verdict   string            `json:"verdict"`
	Schedules int               `json:"schedules"`
	Elapsed   float64           `json:"elapsed_seconds"`
	PerSecond float64           `json:"schedules_per_second"`
	Results   []checkResultJSON `json:"results"`

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
	// Interrupted: this exploration was stopped before its budget was spent.
	Interrupted bool `json:"interrupted,omitempty"`
}

// seedsJS is the slice of the seed space a run covered: the scenarios
// with global index First, First+Step, … (Count of them); scenario j's
// seed is checker.ScenarioSeed(seed, j).
type seedsJS struct {
	First int `json:"first"`
	Step  int `json:"step"`
	Count int `json:"count"`
}

// runCheck explores entries one after the other; when ctx ends it stops,
// reports what ran and gives exit status 3 (unless a violation was found).
func runCheck(ctx context.Context, stdout, stderr io.Writer, entries []alloc.Entry, f *checkFlags) error {
	pr := newProgress(stderr)
	out := checkJSON{Strategy: f.strategy, Seed: f.seed, Shard: f.shardI, Shards: f.shardN}
	human := stdout
	if f.json {
		human = stderr // what broke still reaches a person
	}
	if !f.json {
		budget := fmt.Sprintf("%d schedules each", f.schedules)
		switch {
		case f.defaultBudgetSet:
			budget = fmt.Sprintf("%v in all", defaultCheckTime)
		case f.perImpl > 0:
			budget = fmt.Sprintf("%v each", f.perImpl)
		}
		shard := ""
		if f.shardN > 1 {
			shard = fmt.Sprintf(", shard %d/%d", f.shardI, f.shardN)
		}
		fmt.Fprintf(stdout, "checking %d implementation(s), strategy %s, seed %d, %s%s\n", len(entries), f.strategy, f.seed, budget, shard)
	}
	var total time.Duration
	status, found := exitOK, 0
	for k, e := range entries {
		o := f.options(e)
		if f.defaultBudgetSet && k > 0 {
			// Time an implementation left unused (it failed fast) goes to
			// the ones after it: the whole check stays within its budget.
			o.Time = max(f.perImpl, (defaultCheckTime-total)/time.Duration(len(entries)-k)).Round(time.Millisecond)
		}
		if pr.on {
			o.ProgressEvery = 100
			o.Progress = func(p checker.Progress) {
				pr.show("check %s [%d/%d]: %d schedules, %.0f/s; violations found so far: %d", e.Name, k+1, len(entries), p.Schedules, p.PerSecond, found+p.Found)
			}
		}
		fd, err := explore(ctx, e, o, nil, f.out, shardSuffix(f))
		pr.clear()
		if err != nil {
			return err
		}
		rep := fd.rep
		total += rep.Elapsed
		res := checkResultJSON{Impl: e.Name, Strategy: rep.Strategy, Seed: f.seed, Shard: f.shardI, Shards: f.shardN,
			Scenarios: seedsJS{First: f.shardI, Step: f.shardN, Count: rep.Scenarios},
			Schedules: rep.Schedules, Unknowns: rep.Unknowns, Elapsed: rep.Elapsed.Seconds(),
			PerSecond: perSecond(rep.Schedules, rep.Elapsed), Verdict: rep.Verdict.String(), Trace: fd.path,
			Interrupted: rep.Canceled}
		switch {
		case fd.result != nil:
			res.Reason = fd.result.Reason
		case rep.Canceled:
			res.Reason = "interrupted before the budget was spent"
		}
		out.Results = append(out.Results, res)
		out.Schedules += rep.Schedules
		if !f.json {
			fmt.Fprintf(stdout, "%-28s %-26s %8d schedules %7d scenarios %7.2fs %8.0f schedules/s\n", e.Name, rep.Verdict,
				rep.Schedules, rep.Scenarios, rep.Elapsed.Seconds(), res.PerSecond)
		}
		switch rep.Verdict.Outcome {
		case traces.Violation:
			status = exitViolation
			found++
			fmt.Fprintln(human)
			fmt.Fprintf(human, "  %s\n", shrunkLine(fd))
			fmt.Fprint(human, checker.Banner(fd.result, fd.path, fd.werr))
			fmt.Fprintln(human)
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
			fmt.Fprintf(human, "  %d run(s) undecided, not a pass: %s\n  first undecided run: %s\n", rep.Unknowns, fd.result.Reason, where)
		}
		if rep.Canceled {
			out.Interrupted = true
			fmt.Fprintf(human, "interrupted: %s stopped after %d schedule(s) of %d scenario(s); %d implementation(s) not checked; inconclusive, not a pass\n",
				e.Name, rep.Schedules, rep.Scenarios, len(entries)-k-1)
			break
		}
	}
	out.Elapsed = total.Seconds()
	out.PerSecond = perSecond(out.Schedules, total)
	switch status {
	case exitOK:
		out.Verdict = "ok"
	case exitViolation:
		out.Verdict = "violation"
	default:
		out.Verdict = "unknown"
	}
	if f.json {
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%s: %d schedules in %.1fs, %.0f schedules/s\n", out.Verdict, out.Schedules, out.Elapsed, out.PerSecond)
	}
	return statusErr(status)
}

// shardSuffix keeps the traces of shards sharing one --out apart.
func shardSuffix(f *checkFlags) string {
	if f.shardN <= 1 {
		return ""
	}
	return fmt.Sprintf(".shard%dof%d", f.shardI, f.shardN)
}
