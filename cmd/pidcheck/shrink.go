package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/traces"
)

func newShrinkCmd() *cobra.Command {
	var (
		out          string
		budget       time.Duration
		checkTimeout time.Duration
		skipSearch   bool
	)
	cmd := &cobra.Command{
		Use:   "shrink FILE",
		Short: "Minimize a saved failing trace",
		Long: `shrink replays a failing trace, then removes threads, ops and preemptions
while the run still fails the same way, and writes the smaller trace (by
default next to FILE, as NAME.min.trace); when it removes nothing it says
so and writes nothing. The result is replayed before it
is written: it reproduces the same kind of violation.

Exit status: 1 the (shrunk) violation reproduces, 0 the trace passes (nothing
to shrink), 3 undecided, 4 the trace no longer replays, 2 a bad file.`,
		Args: exactlyOneFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			if budget < 0 || checkTimeout < 0 {
				return usageErrorf("--time %v, --check-timeout %v: must not be negative", budget, checkTimeout)
			}
			return runShrink(cmd.OutOrStdout(), args[0], out, budget, checker.RunOptions{CheckTimeout: checkTimeout, SkipSearch: skipSearch})
		},
	}
	addSkipSearch(cmd, &skipSearch)
	cmd.Flags().StringVarP(&out, "out", "o", "", "where to write the shrunk trace (default FILE with .min.trace)")
	cmd.Flags().DurationVar(&budget, "time", defaultShrinkTime, "how long to keep shrinking")
	cmd.Flags().DurationVar(&checkTimeout, "check-timeout", 0, "porcupine's budget per history (default 10s); running out is Unknown")
	return cmd
}

func runShrink(stdout io.Writer, path, out string, budget time.Duration, ro checker.RunOptions) error {
	if out != "" {
		// Said before shrinking, which may remove nothing (and then
		// write nothing) or take its whole --time.
		if fi, err := os.Stat(out); err == nil && fi.IsDir() {
			return usageErrorf("-o %s: a directory; give the file to write", out)
		}
	}
	rp, err := replayFile(path, ro)
	if err != nil {
		return err
	}
	t, e, r := rp.t, rp.e, rp.r
	if rp.diverged {
		fmt.Fprintf(stdout, "%s does not replay, so it cannot be shrunk: %s\n", path, rp.rr.Divergence)
		return withStatus(exitDiverged)
	}
	if r.Verdict.Outcome != traces.Violation {
		fmt.Fprintf(stdout, "%s replays to %s: nothing to shrink\n", path, r.Verdict)
		return statusErr(exitOf(r.Verdict))
	}
	r.Strategy, r.Seed = t.Strategy, t.Seed
	s := checker.Shrink(e, r, checker.ShrinkOptions{Run: ro, Seed: t.Seed, Time: budget})
	st := s.Trace()

	// The shrunk trace must replay to the same kind of verdict before it
	// is worth writing.
	check, err := checker.Replay(e, st, ro)
	if err != nil || check.Diverged || check.Result.Verdict != r.Verdict {
		why := fmt.Sprint(err)
		if err == nil {
			why = fmt.Sprintf("diverged %v (%s), verdict %s", check.Diverged, check.Divergence, check.Result.Verdict)
		}
		return &exitError{code: exitDiverged, err: fmt.Errorf("%s: the shrunk trace does not replay to %s (%s): a bug in the shrinker; %s is unchanged", path, r.Verdict, why, path)}
	}
	before, after := t, st
	if removedNothing(before, after) {
		// Nothing to gain from a second file that says the same.
		fmt.Fprintf(stdout, "%s: %s\n", t.Impl, r.Verdict)
		fmt.Fprintf(stdout, "%s is already minimal: shrinking removed no op, thread, preemption or decision (%d ops, %d threads, %d preemptions, %d decisions); no trace written\n",
			path, checker.Undrained(before.Scenario).Ops(), len(before.Scenario.Threads), preemptions(before.Decisions), len(before.Decisions))
		fmt.Fprintf(stdout, "reproduce: %s replay %s\n", selfCommand(), path)
		return withStatus(exitViolation)
	}
	if out == "" {
		out = strings.TrimSuffix(path, ".trace") + ".min.trace"
	}
	if err := traces.WriteFile(out, st); err != nil {
		return badInput(err)
	}
	fmt.Fprintf(stdout, "%s: %s\n", t.Impl, r.Verdict)
	fmt.Fprintf(stdout, "  ops          %3d → %d\n", checker.Undrained(before.Scenario).Ops(), checker.Undrained(after.Scenario).Ops())
	fmt.Fprintf(stdout, "  threads      %3d → %d\n", len(before.Scenario.Threads), len(after.Scenario.Threads))
	fmt.Fprintf(stdout, "  preemptions  %3d → %d\n", preemptions(before.Decisions), preemptions(after.Decisions))
	fmt.Fprintf(stdout, "  decisions    %3d → %d\n", before.Steps(), after.Steps())
	fmt.Fprintf(stdout, "wrote %s; it replays to %s\n", out, check.Result.Verdict)
	fmt.Fprintf(stdout, "reproduce: %s replay %s\n", selfCommand(), out)
	return withStatus(exitViolation)
}

// removedNothing reports whether shrinking before gave a trace no smaller
// in any way shrink reports.
func removedNothing(before, after *traces.Trace) bool {
	return checker.Undrained(after.Scenario).Ops() >= checker.Undrained(before.Scenario).Ops() &&
		len(after.Scenario.Threads) >= len(before.Scenario.Threads) &&
		preemptions(after.Decisions) >= preemptions(before.Decisions) &&
		len(after.Decisions) >= len(before.Decisions)
}
