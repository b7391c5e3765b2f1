package checker

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pidcheck/pidcheck/alloc"
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

// Replay reruns a trace exactly: the implementation named in it (from the
// registry), its scenario as recorded (the drain included), and the
// recorded decisions (sched.NewReplay), judged against the trace's spec
// and policy. Same decisions give the same history and the same verdict;
// anything else is reported as a divergence naming the decision or
// history op where it happened.
func Replay(t *traces.Trace, o RunOptions) (*ReplayReport, error) {
	e, err := alloc.Lookup(t.Impl)
	if err != nil {
		return nil, err
	}
	return ReplayWith(e, t, o)
}

// ReplayWith is Replay on a given implementation (one that is not in the
// registry, or a zoo variant's fixed version: then divergence is expected
// and the verdict is what matters).
func ReplayWith(e alloc.Entry, t *traces.Trace, o RunOptions) (*ReplayReport, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if e.Level != t.Scenario.Level {
		return nil, fmt.Errorf("trace %s is a %s-level scenario but implementation %s is at the %s level", t.Impl, t.Scenario.Level, e.Name, e.Level)
	}
	if err := SpecFits(t.Spec, t.Scenario.Level); err != nil {
		return nil, fmt.Errorf("trace %s: %v", t.Impl, err)
	}
	e.Spec, e.Policy = t.Spec, t.Policy
	o.Drain = false
	o.Strategy = "replay"
	o.Seed = t.Seed
	r, out := run(e, t.Scenario, sched.NewReplay(schedDecisions(t.Decisions)), o)
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
	if len(r.Decisions) != len(t.Decisions) {
		rep.Diverged = true
		rep.Divergence = fmt.Sprintf("the trace has %d decisions, the replay made %d", len(t.Decisions), len(r.Decisions))
		return rep, nil
	}
	if r.Verdict != t.Verdict {
		rep.Diverged = true
		rep.Divergence = fmt.Sprintf("same history, but the verdict is %s where the trace says %s", r.Verdict, t.Verdict)
	}
	return rep, nil
}

// SpecFits reports, as an error, a spec name that is not one of
// SpecNames or whose level is not level (the linux spec cannot judge an
// allocator-level scenario).
func SpecFits(spec string, level model.Level) error {
	if !slices.Contains(SpecNames(), spec) {
		return fmt.Errorf("no spec named %q: want one of %s", spec, strings.Join(SpecNames(), ", "))
	}
	if l := LevelOf(spec); l != level {
		return fmt.Errorf("spec %s judges %s-level scenarios, this one is at the %s level", spec, l, level)
	}
	return nil
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
