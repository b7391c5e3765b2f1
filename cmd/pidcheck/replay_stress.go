package main

import (
	"fmt"
	"io"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/traces"
)

// stressNotice is what replay says of a stress trace.
const stressNotice = "this trace comes from a stress run (strategy stress: real goroutines, not the controlled scheduler): it records the history and the verdict, not a schedule, so it cannot be replayed; its recorded history is judged again instead"

// replayStress is replay of a stress trace (checker.IsStressTrace): there
// is no schedule to follow, so it judges the recorded history again with
// the checker's judge and says so. Exit status: 1 when the history is
// still a violation, 0 when it now passes, 3 when it cannot be decided —
// also when the recorded verdict (a panic, deadlock, watchdog or broken
// invariant) came from the run and the history alone cannot show it.
func replayStress(stdout, stderr io.Writer, path string, t *traces.Trace, html string, asJSON bool, ro checker.RunOptions) error {
	r, err := checker.JudgeTrace(t, ro)
	if err != nil {
		return badInput(fmt.Errorf("%s: %v", path, err))
	}
	fromRun := t.Verdict.Outcome == traces.Violation && t.Verdict.Kind != traces.Linearizability
	status := exitOf(r.Verdict)
	if fromRun && status != exitViolation {
		status = exitUnknown
	}
	out := replayJSON{jsonHeader: header("replay"), File: path, Impl: t.Impl, Spec: t.Spec, Policy: t.Policy.String(), Level: t.Scenario.Level.String(),
		Recorded: t.Verdict.String(), Verdict: r.Verdict.String(), Reason: r.Reason,
		Hash: fmt.Sprintf("%016x", t.Hash), Exit: status, Stress: true, Notice: stressNotice}
	out.History = historyJSON(t.History)
	if html != "" {
		if err := writeHTML(html, r); err != nil {
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
	printHeader(stdout, t)
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, stressNotice+".")
	fmt.Fprintln(stdout)
	printHistory(stdout, t.History)
	fmt.Fprintln(stdout)
	printVerdict(stdout, r.Verdict, r.Reason)
	switch {
	case fromRun && r.Verdict.Outcome != traces.Violation:
		fmt.Fprintf(stdout, "not reproduced: the stress run recorded %s, which came from the run itself; its history alone is %s\n", t.Verdict, r.Verdict)
	case r.Verdict == t.Verdict:
		fmt.Fprintf(stdout, "the recorded history is %s, as recorded (the interleaving itself cannot be rerun: run the scenario under pct or dfs to reproduce it)\n", r.Verdict)
	default:
		fmt.Fprintf(stdout, "the trace recorded %s; its history judged again is %s\n", t.Verdict, r.Verdict)
	}
	if out.HTML != "" {
		fmt.Fprintf(stdout, "html: %s\n", out.HTML)
	}
	return statusErr(status)
}
