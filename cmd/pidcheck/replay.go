package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/traces"
)

func newReplayCmd() *cobra.Command {
	var (
		html         string
		asJSON       bool
		checkTimeout time.Duration
		skipSearch   bool
	)
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Reproduce a saved trace exactly",
		Long: `replay reruns a trace: the implementation it names, its scenario and its
scheduling decisions, judged afresh against its spec. It prints the
interleaving and the verdict with the spec's reason.

Exit status: 1 the violation reproduces, 0 the run passes, 3 porcupine could
not decide, 4 the replay diverged from the trace (it says where), 2 the file
is not a valid trace or the --html page could not be written.

A trace from a stress run (strategy stress, no decisions: real goroutines
record no schedule) cannot be replayed: replay says so and judges its
recorded history again (1 still a violation, 0 it passes, 3 undecided, or a
recorded panic, deadlock or invariant the history alone cannot show).`,
		Args: exactlyOneFile,
		RunE: func(cmd *cobra.Command, args []string) error {
			if checkTimeout < 0 {
				return usageErrorf("--check-timeout %v: must not be negative", checkTimeout)
			}
			return runReplay(cmd.OutOrStdout(), cmd.ErrOrStderr(), args[0], html, asJSON, checker.RunOptions{CheckTimeout: checkTimeout, SkipSearch: skipSearch})
		},
	}
	addSkipSearch(cmd, &skipSearch)
	cmd.Flags().StringVar(&html, "html", "", "write porcupine's visualization, with the scheduler's decisions, to this HTML file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the replay's outcome as JSON")
	cmd.Flags().DurationVar(&checkTimeout, "check-timeout", 0, "porcupine's budget (default 10s); running out is Unknown")
	return cmd
}

// addSkipSearch adds the hidden flag --skip-search
// (checker.RunOptions.SkipSearch): a history the quick witness cannot
// prove linearizable is Unknown without porcupine's search. It makes exit
// status 3 reachable deterministically, for the CLI's own tests; a 1ns
// --check-timeout races porcupine against a timer.
func addSkipSearch(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "skip-search", false, "judge without porcupine's search (undecided histories are Unknown); for tests")
	if err := cmd.Flags().MarkHidden("skip-search"); err != nil {
		panic(err) // the flag was just defined
	}
}

// exactlyOneFile is cobra.ExactArgs(1) with exit status 2.
func exactlyOneFile(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageErrorf("%s takes one trace file, got %d argument(s)", cmd.CommandPath(), len(args))
	}
	return nil
}

// replayJSON is replay's --json output.
type replayJSON struct {
	jsonHeader
	File        string   `json:"file"`
	Impl        string   `json:"impl"`
	Spec        string   `json:"spec"`
	Policy      string   `json:"policy"`
	Level       string   `json:"level"`
	Recorded    string   `json:"recorded_verdict"`
	Verdict     string   `json:"verdict"`
	Reason      string   `json:"reason,omitempty"`
	Diverged    bool     `json:"diverged"`
	Divergence  string   `json:"divergence,omitempty"`
	Decisions   int      `json:"decisions"`
	Preemptions int      `json:"preemptions"`
	Hash        string   `json:"hash"`
	History     []opJSON `json:"history"`
	HTML        string   `json:"html,omitempty"`
	HTMLError   string   `json:"html_error,omitempty"`
	Exit        int      `json:"exit"`
	// Stress is set for a stress trace: nothing was rerun, the recorded
	// history was judged again (Notice says so).
	Stress bool   `json:"stress,omitempty"`
	Notice string `json:"notice,omitempty"`
}

// opJSON is one op of a history.
type opJSON struct {
	Thread string `json:"thread"`
	Op     string `json:"op"`
	Call   int    `json:"call"`
	Return int    `json:"return"` // -1: never returned
	Result string `json:"result,omitempty"`
}

func runReplay(stdout, stderr io.Writer, path, html string, asJSON bool, ro checker.RunOptions) error {
	if t, err := readTrace(path); err == nil && t.Source != "" {
		return replayObserved(stdout, stderr, path, t, html, asJSON, ro.CheckTimeout) // kernel_conc.go: shown, judged, never re-executed
	}
	if t, err := readTrace(path); err == nil && checker.IsStressTrace(t) {
		return replayStress(stdout, stderr, path, t, html, asJSON, ro)
	}
	rp, err := replayFile(path, ro)
	if err != nil {
		return err
	}
	t, rr, r, diverged := rp.t, rp.rr, rp.r, rp.diverged

	status := exitOf(r.Verdict)
	if diverged {
		status = exitDiverged
	}
	out := replayJSON{jsonHeader: header("replay"), File: path, Impl: t.Impl, Spec: t.Spec, Policy: t.Policy.String(), Level: t.Scenario.Level.String(),
		Recorded: t.Verdict.String(), Verdict: r.Verdict.String(), Reason: r.Reason,
		Diverged: diverged, Decisions: r.Steps(), Preemptions: preemptions(r.Trace().Decisions),
		Hash: fmt.Sprintf("%016x", r.Hash), Exit: status, History: []opJSON{}}
	if diverged {
		out.Divergence = rr.Divergence
	}
	out.History = historyJSON(r.History)
	if html != "" {
		if err := writeHTML(html, r); err != nil {
			// The replay is still shown; the status says the page asked
			// for was not written (bad usage: a directory, no such dir).
			out.HTMLError = err.Error()
			fmt.Fprintf(stderr, "pidcheck: --html: %v\n", err)
			status = exitBadInput
			out.Exit = status
		} else {
			out.HTML = html
		}
	}
	if asJSON {
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
		return statusErr(status)
	}

	if diverged {
		printHeader(stdout, t)
		fmt.Fprintln(stdout)
		if m := decisionIndex.FindStringSubmatch(rr.Divergence); m != nil {
			k, _ := strconv.Atoi(m[1])
			fmt.Fprintf(stdout, "the trace's decisions around decision %d, as recorded:\n", k)
			printDecisions(stdout, t, nil, k-6, k+3)
		} else {
			fmt.Fprintln(stdout, "the trace's decisions, as recorded:")
			printDecisions(stdout, t, nil, 0, len(t.Decisions))
		}
		fmt.Fprintln(stdout)
		fmt.Fprintf(stdout, "replay diverged: %s\n", rr.Divergence)
		fmt.Fprintf(stdout, "(the replay made %d decision(s) of the trace's %d; the code under test no longer does what the trace recorded)\n",
			r.Steps(), t.Steps())
		return statusErr(status)
	}
	got := r.Trace()
	got.Strategy = t.Strategy
	printHeader(stdout, got)
	fmt.Fprintln(stdout)
	printInterleaving(stdout, got, r.Spans())
	fmt.Fprintln(stdout)
	printHistory(stdout, got.History)
	fmt.Fprintln(stdout)
	printVerdict(stdout, r.Verdict, r.Reason)
	switch {
	case r.Verdict.Outcome == traces.Violation && r.Verdict == t.Verdict:
		fmt.Fprintf(stdout, "reproduced: %s, as recorded\n", r.Verdict)
	case r.Verdict != t.Verdict:
		fmt.Fprintf(stdout, "the trace recorded %s; this replay, with the same decisions and history, is %s\n", t.Verdict, r.Verdict)
	}
	if out.HTML != "" {
		fmt.Fprintf(stdout, "html: %s\n", out.HTML)
	}
	return statusErr(status)
}

// decisionIndex finds the decision a divergence names.
var decisionIndex = regexp.MustCompile(`decision (\d+)`)

// onlyVerdictDiffers reports whether a replay followed the trace exactly
// and only judged it differently: a trace recorded as Unknown (porcupine
// ran out of time) that is decided now, or the other way round. That is
// no divergence: the run is the same, the verdict is the news.
func onlyVerdictDiffers(t *traces.Trace, r *checker.Result) bool {
	if t.Verdict.Outcome != traces.Unknown && r.Verdict.Outcome != traces.Unknown {
		return false
	}
	got := r.Trace()
	got.Strategy, got.Seed = t.Strategy, t.Seed
	got.Verdict, got.Reason = t.Verdict, t.Reason
	return got.Equal(t)
}

// exitOf maps a verdict to its exit status.
func exitOf(v traces.Verdict) int {
	switch v.Outcome {
	case traces.Violation:
		return exitViolation
	case traces.Unknown:
		return exitUnknown
	}
	return exitOK
}

// statusErr ends a command with status, nil for 0.
func statusErr(status int) error {
	if status == exitOK {
		return nil
	}
	return withStatus(status)
}

// writeHTML writes porcupine's visualization of r to path.
func writeHTML(path string, r *checker.Result) error {
	var b bytes.Buffer
	if err := checker.Visualize(&b, r); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// historyJSON is a history as replay's JSON has it: every op, its ticks and
// (when it returned) its result.
func historyJSON(h []traces.Operation) []opJSON {
	out := make([]opJSON, 0, len(h))
	for _, o := range h {
		oj := opJSON{Thread: o.Thread, Op: o.Op.String(), Call: o.Call, Return: o.Return}
		if !o.Pending() {
			oj.Result = o.Result.Format(o.Op.Kind)
		}
		out = append(out, oj)
	}
	return out
}
