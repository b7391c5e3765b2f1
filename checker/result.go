package checker

import (
	"fmt"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// Result is one judged run: what ran, how it was scheduled, what was
// observed and the verdict.
type Result struct {
	Impl     string         // the implementation's name
	Spec     model.SpecName // the spec it was judged against
	Policy   model.Policy   // the policy the spec held it to
	Strategy string         // "random", "pct depth=3", "dfs bound=2", "rapid", "replay"
	Seed     uint64         // the seed of the schedule (and scenario) that gave this run

	// Scenario is what ran, the drain included: replaying it with the same
	// decisions gives the same history.
	Scenario model.Scenario

	Verdict traces.Verdict
	Reason  string // the spec's or the scheduler's sentence; empty when Ok

	History   []traces.Operation // every op called, in call-tick order
	Decisions []sched.Decision   // every scheduling decision
	Hash      uint64             // the scheduler's hash of Decisions

	// Schedules is how many schedules exploration ran to get this result
	// (1 for a single run).
	Schedules int

	// spans[i] are the decisions, [from, to), made while History[i] was in
	// flight (to is -1 when it never returned); nil for a result rebuilt
	// from a trace.
	spans [][2]int

	// post is Scenario.Post when the run's drain wrote it and the result
	// shares it with no one (a lean passing run), so that exploration may
	// reuse it; else nil.
	post []model.Op
}

// Spans returns, for each op of History, the decisions [from, to) made
// while it was in flight — from its call to its return; an op that never
// returned runs to len(Decisions) — so that each decision can be shown
// beside the op (and ticks) it served. It returns nil for a result rebuilt
// from a trace (ResultFromTrace): rerun it (Replay) to measure them.
func (r *Result) Spans() [][2]int {
	if r.spans == nil {
		return nil
	}
	out := make([][2]int, len(r.spans))
	for i, sp := range r.spans {
		if sp[1] < 0 || sp[1] > len(r.Decisions) {
			sp[1] = len(r.Decisions)
		}
		out[i] = sp
	}
	return out
}

// Failed reports whether the run showed a violation.
func (r *Result) Failed() bool { return r.Verdict.Outcome == traces.Violation }

// Trace turns the result into a trace file's contents.
func (r *Result) Trace() *traces.Trace {
	t := &traces.Trace{
		Impl: r.Impl, Spec: string(r.Spec), Policy: r.Policy,
		Strategy: r.Strategy, Seed: r.Seed,
		Scenario: r.Scenario.Clone(),
		Hash:     r.Hash,
		History:  append([]traces.Operation(nil), r.History...),
		Verdict:  r.Verdict, Reason: r.Reason,
	}
	t.Decisions = make([]traces.Decision, len(r.Decisions))
	for i, d := range r.Decisions {
		t.Decisions[i] = traces.Decision{Runnable: d.Runnable, Thread: d.Thread, Action: d.Action}
	}
	return t
}

// Summary is one line: "idr-stale-cursor: violation linearizability after
// 37 schedules (seed 0x1234)".
func (r *Result) Summary() string {
	s := fmt.Sprintf("%s: %s", r.Impl, r.Verdict)
	if r.Schedules > 0 {
		s += fmt.Sprintf(" after %d schedule(s)", r.Schedules)
	}
	if r.Strategy != "" {
		s += fmt.Sprintf(" (%s, seed %#x)", r.Strategy, r.Seed)
	}
	return s
}

func schedDecisions(ds []traces.Decision) []sched.Decision {
	out := make([]sched.Decision, len(ds))
	for i, d := range ds {
		out[i] = sched.Decision{Runnable: d.Runnable, Thread: d.Thread, Action: d.Action}
	}
	return out
}

var (
	verdictOk      = traces.Verdict{Outcome: traces.Ok}
	verdictUnknown = traces.Verdict{Outcome: traces.Unknown}
)

func violation(k traces.Kind) traces.Verdict {
	return traces.Verdict{Outcome: traces.Violation, Kind: k}
}
