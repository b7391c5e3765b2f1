package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/oracle"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

func newKernelCmd() *cobra.Command {
	var (
		scenarios, length int
		seed              uint64
		asJSON            bool
		cf                concFlags
	)
	cmd := &cobra.Command{
		Use:   "kernel",
		Short: "Check the spec against the running Linux kernel",
		Long: `kernel runs random sequential scenarios twice — for real, in fresh PID
namespaces of the running kernel, and in the Linux spec — and compares every
answer. Each difference is printed as the scenario, the op, the kernel's
answer and the spec's, with the spec's reason.

It needs Linux (≥ 6.14 for per-namespace pid_max), root, and PID namespaces.

Some answers are the oracle's own, not the kernel's: an op no process can
perform (its actor never forked, failed to fork, exited or was reaped:
ESRCH), a handle that never existed (ESRCH), a fork or thread into a handle
in use (EINVAL), more set_tid entries than the child has levels (EINVAL: the
kernel would apply them to the host's levels above the scenario), a signal
other than 0, 9, 15 (EINVAL), a SIGCHLD disposition or clone flags the model
does not name (EINVAL), and a lookup of a number <= 0 (ESRCH). They are still
checked against the spec, and the summary counts them ("answered by the
oracle itself", and per kind of op: "sent to kernel" and "oracle's own"):
every other op was sent to the kernel. Threads are real threads (clone3
CLONE_THREAD) and exec is a real execveat, of an agent image that starts no
Go runtime (see the oracle package doc).

With --concurrent it runs each scenario's parallel part for real instead:
every thread is its own task, all released at once (pinned one per CPU),
every op timed by CLOCK_MONOTONIC around its system call, and judges each
history with porcupine against the Linux spec at policy cyclic-alone (what
the kernel promises under concurrency: the cyclic number for a fork nothing
overlapped, any free one otherwise); it also reports how many histories
were cyclic as a whole, and how many spaces were cyclic on their own; the
first 20 histories that were not cyclic are named (seed, reason, the spaces
not cyclic even on their own) and saved as NAME.cyclic.trace, judged at
policy cyclic.
Shapes (--shape): ` + strings.Join(oracle.ConcShapes(), ", ") + `.
A violation is saved as a trace (source kernel: replay shows it, it cannot
be re-executed). --hunt KIND runs one of the targeted scenarios (` + strings.Join(oracle.HuntKinds(), ", ") + `)
--scenarios times and reports how often the kernel showed the predicted
non-linearizable outcome, per 10^5 iterations.

Exit status: 0 no difference (no violation), 1 some difference (violation),
2 the oracle cannot run here (or bad usage), 3 the oracle failed midway or
was interrupted, or a history could not be decided: inconclusive.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if scenarios < 1 || length < 1 {
				return usageErrorf("--scenarios %d, --ops %d: give at least 1 of each", scenarios, length)
			}
			conc := cf.concurrent || cf.hunt != ""
			if !conc && (cmd.Flags().Changed("threads") || cmd.Flags().Changed("shape") || cmd.Flags().Changed("time") || cmd.Flags().Changed("depth")) {
				return usageErrorf("--threads, --shape, --depth and --time go with --concurrent or --hunt")
			}
			if conc {
				cf.scenarios, cf.seed, cf.json = scenarios, seed, asJSON
				cf.ops = 4
				if cmd.Flags().Changed("ops") {
					cf.ops = length
				}
				if err := cf.validate(); err != nil {
					return err
				}
			}
			if err := oracle.Available(); err != nil {
				return usageErrorf("kernel oracle unavailable: %v", err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			context.AfterFunc(ctx, stop) // a second signal is not caught: it ends the process, as check's does
			if cf.hunt != "" {
				return runKernelHunt(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), cf)
			}
			if conc {
				return runKernelConcurrent(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), cf)
			}
			return runKernel(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), scenarios, length, seed, asJSON)
		},
	}
	addConcFlags(cmd, &cf)
	cmd.Flags().IntVar(&scenarios, "scenarios", 100, "random scenarios to run")
	cmd.Flags().IntVar(&length, "ops", 40, "ops per scenario")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the first scenario (then seed+1, …)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the outcome as JSON")
	return cmd
}

// kernelJSON is kernel's --json output.
type kernelJSON struct {
	jsonHeader
	Seed        uint64           `json:"seed"`
	Scenarios   int              `json:"scenarios"`
	Ops         int              `json:"ops"`
	Self        int              `json:"self_answered"`
	Elapsed     float64          `json:"elapsed_seconds"`
	ByKind      []kernelKindJSON `json:"by_kind"`
	Differences []kernelDiffJSON `json:"differences"`
	Error       string           `json:"error,omitempty"`
}

// kernelKindJSON counts the compared ops of one kind: sent to the kernel,
// or answered by the oracle itself.
type kernelKindJSON struct {
	Kind   string `json:"kind"`
	Kernel int    `json:"kernel"`
	Self   int    `json:"self_answered"`
}

// kernelDiffJSON is one scenario where the kernel and the spec disagree.
type kernelDiffJSON struct {
	Seed     uint64   `json:"seed"`
	Index    int      `json:"index"`
	Op       string   `json:"op"`
	Kernel   string   `json:"kernel"`
	Spec     string   `json:"spec"`
	Reason   string   `json:"reason"`
	Scenario []string `json:"scenario"` // the ops run, up to the difference
}

func runKernel(ctx context.Context, stdout, stderr io.Writer, n, length int, seed uint64, asJSON bool) error {
	pr := newProgress(stderr)
	p := oracle.Params()
	out := kernelJSON{jsonHeader: header("kernel"), Seed: seed, Differences: []kernelDiffJSON{}}
	start := time.Now()
	var failure error
	var counts oracle.Counts
	for i := 0; i < n; i++ {
		s := seed + uint64(i)
		pr.show("kernel: scenario %d/%d (seed %d), %d ops compared, %d difference(s)", i+1, n, s, out.Ops, len(out.Differences))
		rep, err := oracle.Compare(ctx, oracle.RandomScenario(s, length, p), p)
		out.Ops += len(rep.Ops)
		counts.Add(rep)
		for _, o := range rep.Ops {
			if o.Note != "" {
				out.Self++
			}
		}
		if err != nil {
			failure = fmt.Errorf("scenario with seed %d: %w", s, err)
			if !asJSON && len(rep.Ops) > 0 {
				pr.clear()
				fmt.Fprintf(stdout, "scenario seed %d: the oracle failed after %d op(s) (%v); the scenario up to there:\n", s, len(rep.Ops), err)
				for _, line := range strings.Split(strings.TrimRight(rep.String(), "\n"), "\n") {
					fmt.Fprintf(stdout, "    %s\n", line)
				}
				fmt.Fprintln(stdout)
			}
			break
		}
		out.Scenarios++
		if !rep.Differs() {
			continue
		}
		d := rep.Ops[rep.Diff]
		dj := kernelDiffJSON{Seed: s, Index: rep.Diff, Op: d.Op.String(), Kernel: d.Kernel.Format(d.Op.Kind),
			Spec: d.Spec.Format(d.Op.Kind), Reason: rep.Reason}
		for _, o := range rep.Ops {
			dj.Scenario = append(dj.Scenario, o.Op.String())
		}
		out.Differences = append(out.Differences, dj)
		if !asJSON {
			pr.clear()
			fmt.Fprintf(stdout, "scenario seed %d differs at op %d: %s\n  kernel: %s\n  spec:   %s\n  reason: %s\n  the scenario up to there:\n",
				s, rep.Diff, dj.Op, dj.Kernel, dj.Spec, dj.Reason)
			for _, line := range strings.Split(strings.TrimRight(rep.String(), "\n"), "\n") {
				fmt.Fprintf(stdout, "    %s\n", line)
			}
			fmt.Fprintln(stdout)
		}
	}
	pr.clear()
	if failure != nil {
		out.Error = failure.Error()
	}
	out.Elapsed = time.Since(start).Seconds()
	out.ByKind = []kernelKindJSON{}
	for _, k := range counts.Kinds() {
		out.ByKind = append(out.ByKind, kernelKindJSON{Kind: k.Kind, Kernel: k.Kernel, Self: k.Self})
	}
	if asJSON {
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%d scenario(s), %d ops compared (%d answered by the oracle itself), %d scenario(s) differ, %.1fs\n",
			out.Scenarios, out.Ops, out.Self, len(out.Differences), out.Elapsed)
		fmt.Fprintf(stdout, "ops by kind:\n  %-16s %14s %14s\n", "kind", "sent to kernel", "oracle's own")
		for _, k := range out.ByKind {
			fmt.Fprintf(stdout, "  %-16s %14d %14d\n", k.Kind, k.Kernel, k.Self)
		}
	}
	switch {
	case len(out.Differences) > 0:
		if failure != nil {
			fmt.Fprintf(stderr, "pidcheck: kernel oracle failed: %v\n", failure)
		}
		return withStatus(exitViolation)
	case failure != nil:
		return &exitError{code: exitUnknown, err: fmt.Errorf("kernel oracle failed, inconclusive: %w", failure)}
	}
	return nil
}

// judgeKernelHistory is the one place where a kernel history meets the
// engine's judge (checker.JudgeHistory: the one every controlled run gets).
func judgeKernelHistory(s spec.Spec, h []traces.Operation, timeout time.Duration) (traces.Verdict, string) {
	return checker.JudgeHistory(s, h, checker.RunOptions{CheckTimeout: timeout})
}
