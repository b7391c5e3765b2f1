package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

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
	seed      uint64
	out       string
	only      []string
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
exit 1 with "the exploration died" and a NAME.crashed.trace.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.schedules < 1 {
				return usageErrorf("--schedules %d: give at least 1", f.schedules)
			}
			if _, err := checker.ParseStrategy(f.strategy); err != nil {
				return usageErrorf("--strategy %q: want one of %s", f.strategy, strategyList())
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
	fl.Uint64Var(&f.seed, "seed", 1, "base seed")
	fl.StringVar(&f.out, "out", "pidcheck-failures", "directory the traces are written to")
	fl.StringSliceVar(&f.only, "variant", nil, "run only these variants (comma-separated)")
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
		fd, err := explore(context.Background(), e, o, keep, f.out, "", report, k)
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
	p.rerun = func(k int, s checker.ScheduleStart) string {
		per := 1
		if checker.Strategy(f.strategy) == checker.DFS {
			per = 200 // ExploreOptions.PerScenario's default for dfs
		}
		cmd := fmt.Sprintf("%s zoo --variant %s --strategy %s --seed %d --schedules %d", selfCommand(), entries[k].Name, f.strategy, f.seed, s.Scenario*per+s.Schedule+1)
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
