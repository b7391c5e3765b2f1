package checker

import (
	"bytes"
	"fmt"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// ReplayReport compares a replayed run with its trace.
type ReplayReport struct {
	Result *Result // the replayed run, judged afresh
	// Diverged is set when the replay did not follow the trace: the
	// scheduler met a different runnable set or thread, or the history or
	// the verdict differ. Divergence says where, in one sentence.
	Diverged   bool
	Divergence string
}

// Replay reruns a trace exactly on target: its scenario as recorded (the
// drain included) and its recorded decisions (sched.NewReplay), judged
// against the trace's spec and policy. Same decisions give the same
// history, the same decision actions, the same decisions hash and the same
// verdict; anything else is reported as a divergence naming the first
// decision or history op that differs. Replaying on an implementation other
// than the one that made the trace (a zoo variant's fixed version) is
// allowed: then divergence is expected and the verdict is what matters.
func Replay(target Target, t *traces.Trace, o RunOptions) (*ReplayReport, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if target.New == nil {
		return nil, fmt.Errorf("implementation %s has no constructor", target.Name)
	}
	if err := SpecFits(t.Spec, t.Scenario.Level); err != nil {
		return nil, fmt.Errorf("trace %s: %v", t.Impl, err)
	}
	if target.Spec != "" && target.Level() != t.Scenario.Level {
		return nil, fmt.Errorf("trace %s is a %s-level scenario but implementation %s is at the %s level", t.Impl, t.Scenario.Level, target.Name, target.Level())
	}
	target.Spec, target.Policy = model.SpecName(t.Spec), t.Policy
	o.Drain = false
	o.Strategy = "replay"
	o.Seed = t.Seed
	r, out := run(target, t.Scenario, newTraceChooser(t), o)
	rep := &ReplayReport{Result: r}
	if out == nil {
		rep.Diverged, rep.Divergence = true, r.Reason
		return rep, nil
	}
	if out.Verdict == sched.Diverged {
		rep.Diverged, rep.Divergence = true, out.Message
		return rep, nil
	}
	if d := historyDiff(t.History, r.History); d != "" {
		rep.Diverged, rep.Divergence = true, d
		return rep, nil
	}
	if d := decisionsDiff(t, r); d != "" {
		rep.Diverged, rep.Divergence = true, d
		return rep, nil
	}
	if r.Hash != t.Hash {
		rep.Diverged = true
		rep.Divergence = fmt.Sprintf("same decisions, but their hash is %016x where the trace says %016x", r.Hash, t.Hash)
		return rep, nil
	}
	if r.Verdict != t.Verdict {
		rep.Diverged = true
		rep.Divergence = fmt.Sprintf("same history, but the verdict is %s where the trace says %s", r.Verdict, t.Verdict)
	}
	return rep, nil
}

// decisionsDiff names the first decision the trace records whose action
// (what the chosen thread did, with the values it saw) differs from what
// the replay did at that step, or returns "". The replay chooser has
// already held every recorded decision's runnable set and thread to the
// trace's; decisions in runs (either side's) are checked by the hash.
func decisionsDiff(t *traces.Trace, r *Result) string {
	if n, m := t.Steps(), r.Steps(); n != m {
		return fmt.Sprintf("the trace has %d decisions, the replay made %d", n, m)
	}
	got := make(map[int]sched.Decision, len(r.Decisions))
	r.eachRecorded(func(step int, d sched.Decision, _ bool) { got[step] = d })
	step, run := 0, 0
	for i, w := range t.Decisions {
		for run < len(t.Runs) && t.Runs[run].At == i {
			step += t.Runs[run].N
			run++
		}
		if g, ok := got[step]; ok && g.Action != w.Action {
			return fmt.Sprintf("decision %d (%s): the trace says %q, the replay did %q", step, g.Thread, w.Action, g.Action)
		}
		step++
	}
	return ""
}

// historyDiff names the first history op that differs, or returns "".
func historyDiff(want, got []traces.Operation) string {
	for i := 0; i < len(want) && i < len(got); i++ {
		w, g := want[i], got[i]
		switch {
		case w.Thread != g.Thread || !w.Op.Equal(g.Op):
			return fmt.Sprintf("history op %d: the trace has %s %q, the replay ran %s %q", i, w.Thread, w.Op, g.Thread, g.Op)
		case w.Call != g.Call || w.Return != g.Return:
			return fmt.Sprintf("history op %d (%s %q): ticks %d–%d in the trace, %d–%d in the replay", i, w.Thread, w.Op, w.Call, w.Return, g.Call, g.Return)
		case !w.Pending() && !w.Result.Equal(w.Op.Kind, g.Result):
			return fmt.Sprintf("history op %d (%s %q): the trace says %s, the replay returned %s", i, w.Thread, w.Op, w.Result.Format(w.Op.Kind), g.Result.Format(g.Op.Kind))
		}
	}
	if len(want) != len(got) {
		return fmt.Sprintf("the trace has %d history ops, the replay %d", len(want), len(got))
	}
	return ""
}

// ReplaysAsRecorded writes r's trace as text, parses it back and replays it
// on target, and says what differs, if anything: an error unless the trace
// can be written and the replay follows it exactly, to the same decisions
// hash and verdict. A test of one's own implementation can hold any result
// to it: a run that does not replay means something in the code under test
// escapes the scheduler.
func ReplaysAsRecorded(target Target, r *Result) error {
	data, err := traces.Marshal(r.Trace())
	if err != nil {
		return fmt.Errorf("the trace cannot be written: %v", err)
	}
	back, err := traces.Parse("result.trace", bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("the trace does not parse back: %v", err)
	}
	rr, err := Replay(target, back, RunOptions{})
	switch {
	case err != nil:
		return err
	case rr.Diverged:
		return fmt.Errorf("the replay diverged: %s", rr.Divergence)
	case rr.Result.Hash != r.Hash || rr.Result.Verdict != r.Verdict:
		return fmt.Errorf("the replay gave hash %016x and verdict %s, the run %016x and %s", rr.Result.Hash, rr.Result.Verdict, r.Hash, r.Verdict)
	}
	return nil
}
