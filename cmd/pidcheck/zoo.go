package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
)

// zooFlags are zoo's flags.
type zooFlags struct {
	json      bool
	schedules int
	strategy  string
	depth     int
	seed      uint64
	out       string
	only      []string

	// --stress: after each variant's exploration, the same scenarios as
	// a stress run (checker.Stress) within stressRuns runs and stressTime.
	stress     bool
	stressRuns int
	stressTime time.Duration
}

func newZooCmd(cfg *config) *cobra.Command {
	var f zooFlags
	cmd := &cobra.Command{
		Use:   "zoo",
		Short: "Show what the checker catches: explore every deliberately broken variant",
		Long: `zoo explores every zoo variant — an implementation with one deliberate,
documented bug — until the checker finds it (a violation counts only when the
variant's fixed implementation passes the same scenario), shrinks the finding
and writes its trace into --out. The table says, for each, how many schedules and how
long it took to find.

Exit status: 0 every bug was found, 1 some variant's bug was not found
within --schedules (the checker missed it), or the exploration died, 2 bad
usage. The exploration runs in a child process zoo supervises, as check's
does (see pidcheck check --help): a variant that ends the process makes zoo
exit 1 with "the exploration died" and a NAME.crashed.trace.

--stress compares the controlled scheduler with plain stress testing: after
each variant's exploration it runs the same generated scenarios (the same
seeds) on real goroutines through the pass-through Env, threads released
together by a start barrier, judged the same way, until the variant's own
bug shows or --stress-runs runs or --stress-time have passed; the table
then gives, per variant, its class, the schedules to the first failure
under the strategy and under stress, and their ratio. Stress runs are not
deterministic: the same seed gives the same scenarios, not the same
interleavings, so its counts vary from run to run, and its finding is
written unshrunk as NAME.stress.trace, which holds the history and verdict
but no schedule (pidcheck replay judges its history again). A variant stress
does not find does not change the exit status.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.schedules < 1 {
				return usageErrorf("--schedules %d: give at least 1", f.schedules)
			}
			if _, err := checker.ParseStrategy(f.strategy); err != nil {
				return usageErrorf("--strategy %q: want one of %s", f.strategy, strategyList())
			}
			if err := checkDepth(cmd.Flags().Changed("depth"), f.depth, f.strategy); err != nil {
				return err
			}
			if f.stress && (f.stressRuns < 1 || f.stressTime <= 0) {
				return usageErrorf("--stress-runs %d, --stress-time %v: give at least 1 run and a positive time", f.stressRuns, f.stressTime)
			}
			var entries []alloc.Entry
			for _, e := range alloc.Registry() {
				if e.Zoo && (len(f.only) == 0 || slices.Contains(f.only, e.Name)) {
					entries = append(entries, e)
				}
			}
			for _, name := range f.only {
				e, err := alloc.Lookup(name)
				if err != nil {
					return usageErrorf("--variant: %v", err)
				}
				if !e.Zoo {
					return usageErrorf("--variant %s: not a zoo variant (pidcheck list shows them)", name)
				}
			}
			cleanup, err := prepareOut(f.out)
			if err != nil {
				return err
			}
			defer cleanup()
			if cfg.supervised() {
				return supervise(cfg, cmd.OutOrStdout(), cmd.ErrOrStderr(), f.plan(entries))
			}
			return runZoo(cmd.OutOrStdout(), cmd.ErrOrStderr(), entries, &f, cfg.report)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.json, "json", false, "print a JSON array, one object per variant")
	fl.IntVar(&f.schedules, "schedules", 50000, "most schedules to spend on each variant")
	fl.StringVar(&f.strategy, "strategy", string(checker.DefaultStrategy), "exploration strategy: "+strategyList())
	fl.IntVar(&f.depth, "depth", checker.DefaultPCTDepth, "pct: the bug depth d, d-1 priority change points per run")
	fl.Uint64Var(&f.seed, "seed", 1, "base seed")
	fl.StringVar(&f.out, "out", "pidcheck-failures", "directory the traces are written to")
	fl.StringSliceVar(&f.only, "variant", nil, "run only these variants (comma-separated)")
	fl.BoolVar(&f.stress, "stress", false, "also run each variant's scenarios as stress runs on real goroutines and compare (not deterministic)")
	fl.IntVar(&f.stressRuns, "stress-runs", 200000, "with --stress: most stress runs per variant")
	fl.DurationVar(&f.stressTime, "stress-time", 60*time.Second, "with --stress: most time per variant for its stress runs")
	return cmd
}

// zooOutJSON is zoo's --json output.
type zooOutJSON struct {
	jsonHeader
	Strategy  string    `json:"strategy"`
	Seed      uint64    `json:"seed"`
	Schedules int       `json:"schedules"` // the budget: at most this many schedules per variant
	Found     int       `json:"found"`     // variants whose bug was found
	Results   []zooJSON `json:"results"`
}

// zooJSON is one variant in zoo --json.
type zooJSON struct {
	Impl        string  `json:"impl"`
	Bug         string  `json:"bug"`
	Fixed       string  `json:"fixed"`
	Spec        string  `json:"spec"`
	Found       bool    `json:"found"`
	Verdict     string  `json:"verdict"`
	Schedules   int     `json:"schedules"`
	Elapsed     float64 `json:"elapsed_seconds"`
	Trace       string  `json:"trace"`
	TraceError  string  `json:"trace_error,omitempty"` // why the trace could not be written
	Reason      string  `json:"reason,omitempty"`
	Ops         int     `json:"ops,omitempty"`
	OriginalOps int     `json:"original_ops,omitempty"`
	Rejected    int     `json:"rejected"` // violations the fixed implementation shared, passed over

	// With --stress: the class and the stress runs' outcome.
	Class           string   `json:"class,omitempty"`
	Stress          bool     `json:"stress,omitempty"`
	StressFound     bool     `json:"stress_found,omitempty"`
	StressSchedules int      `json:"stress_schedules,omitempty"` // runs to the first failure, or all that ran
	StressSeconds   float64  `json:"stress_seconds,omitempty"`
	StressTrace     string   `json:"stress_trace,omitempty"`
	StressRejected  int      `json:"stress_rejected,omitempty"`
	Ratio           *float64 `json:"ratio,omitempty"` // stress_schedules ÷ schedules when both found
}

func runZoo(stdout, stderr io.Writer, entries []alloc.Entry, f *zooFlags, report *reporter) error {
	pr := newProgress(stderr)
	if err := report.setup(len(entries), 1); err != nil {
		fmt.Fprintf(stderr, "pidcheck: cannot tell the supervisor what runs (a death would have no trace): %v\n", err)
	}
	var rows []zooJSON
	missed := 0
	for k, e := range entries {
		o := f.options(e)
		o.OnSchedule = report.onSchedule(k)
		if pr.on {
			o.ProgressEvery = 100
			o.Progress = func(p checker.Progress) {
				pr.show("zoo %s [%d/%d]: %d schedules, %.0f/s", e.Name, k+1, len(entries), p.Schedules, p.PerSecond)
			}
		}
		// A finding counts only when it is the variant's own bug: the
		// fixed implementation passes the same scenario, also while it
		// is shrunk.
		o.Accept = catalog.OwnBug(e, 20)
		keep := func(r *checker.Result) bool {
			bad, err := catalog.FixedFails(e, r, 3)
			return err == nil && bad == nil
		}
		restore := fitProcs(max(1, o.Workers)) // stress, after it, has every core again
		fd, err := explore(context.Background(), e, o, keep, f.out, "", report, k)
		restore()
		report.ended(k)
		pr.clear()
		if err != nil {
			return err
		}
		row := zooJSON{Impl: e.Name, Bug: e.Bug, Fixed: e.Fixed, Spec: string(e.Spec), Verdict: fd.rep.Verdict.String(),
			Schedules: fd.rep.Schedules, Elapsed: fd.rep.Elapsed.Seconds(), Rejected: fd.rep.Rejected}
		if fd.rep.Found != nil {
			row.Found = true
			row.Trace = fd.path
			row.Reason = fd.result.Reason
			row.Ops, row.OriginalOps = ops(fd.result), ops(fd.rep.Original)
			if fd.werr != nil {
				row.TraceError = fd.werr.Error()
				fmt.Fprintf(stderr, "pidcheck: %s: %v\n", e.Name, fd.werr)
			}
		} else {
			missed++
		}
		if f.stress {
			if err := stressZoo(&row, e, f, pr, k, len(entries), stderr); err != nil {
				return err
			}
		}
		rows = append(rows, row)
	}
	if f.json {
		if rows == nil {
			rows = []zooJSON{}
		}
		out := zooOutJSON{jsonHeader: header("zoo"), Strategy: f.strategy, Seed: f.seed, Schedules: f.schedules, Found: len(rows) - missed, Results: rows}
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else if f.stress {
		printStressTable(stdout, rows, f)
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VARIANT\tBUG\tFOUND\tSCHEDULES\tTIME\tTRACE")
		for _, r := range rows {
			found, trace := "yes", r.Trace
			if !r.Found {
				found, trace = "NO", "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.1fms\t%s\n", r.Impl, clip(r.Bug, 60), found, r.Schedules, r.Elapsed*1000, trace)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "\n%d of %d bugs found (strategy %s, seed %d, at most %d schedules each); pidcheck replay TRACE shows one\n",
			len(rows)-missed, len(rows), f.strategy, f.seed, f.schedules)
	}
	if missed > 0 {
		return withStatus(exitViolation)
	}
	return nil
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// options are the engine's options for variant e.
func (f *zooFlags) options(e alloc.Entry) checker.ExploreOptions {
	o := catalog.Options(e)
	o.Strategy, o.Seed, o.Schedules = checker.Strategy(f.strategy), f.seed, f.schedules
	o.PCTDepth = f.depth
	return o
}

// plan is how zoo's supervisor reports an exploration that died.
func (f *zooFlags) plan(entries []alloc.Entry) *plan {
	p := &plan{cmd: "zoo", out: f.out}
	for _, e := range entries {
		p.names = append(p.names, e.Name)
	}
	p.options = func(k int) (checker.Target, checker.ExploreOptions) {
		return catalog.Target(entries[k]), f.options(entries[k])
	}
	p.rerun = func(k int, s checker.ScheduleStart, _ int) string {
		per := 1
		if checker.Strategy(f.strategy) == checker.DFS {
			per = 200 // ExploreOptions.PerScenario's default for dfs
		}
		cmd := fmt.Sprintf("%s zoo --variant %s --strategy %s --seed %d --schedules %d", selfCommand(), entries[k].Name, f.strategy, f.seed, s.Scenario*per+s.Schedule+1)
		for _, a := range strategyArgs(f.strategy, f.depth, checker.DefaultDFSBound, false) {
			cmd += " " + a
		}
		if f.out != "pidcheck-failures" {
			cmd += " --out " + f.out
		}
		return cmd
	}
	if f.json {
		p.deathJSON = func(w io.Writer, deaths []death) error {
			rows := []zooJSON{}
			for _, d := range deaths {
				e := entries[d.k]
				row := zooJSON{Impl: e.Name, Bug: e.Bug, Fixed: e.Fixed, Spec: string(e.Spec), Verdict: "crashed", Trace: d.path, Reason: d.reason}
				if d.werr != nil {
					row.TraceError = d.werr.Error()
				}
				rows = append(rows, row)
			}
			return writeJSON(w, zooOutJSON{jsonHeader: header("zoo"), Strategy: f.strategy, Seed: f.seed, Schedules: f.schedules, Results: rows})
		}
	}
	return p
}
