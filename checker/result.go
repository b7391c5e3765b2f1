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
	Decisions []sched.Decision   // every scheduling decision (but see Runs and Elided)
	Hash      uint64             // the scheduler's hash of every decision

	// Runs, when set, are the long stretches of the schedule one rule
	// explains, as a v2 trace writes them: Decisions then holds only the
	// other decisions, so a livelock of millions of decisions is kept in
	// the memory of a few hundred (see Steps).
	Runs []traces.Run
	// Elided counts the decisions, after the first ones, that the run did
	// not keep at all (RunOptions.MaxRecords: a schedule switching threads
	// at random for millions of decisions). Such a result's trace does not
	// replay; Shrink first reruns it with fewer switches.
	Elided int

	// Schedules is how many schedules exploration ran to get this result
	// (1 for a single run).
	Schedules int

	// Coverage is what the run reached (RunOptions.Coverage), else nil.
	Coverage *Coverage

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
	if r.spans == nil || len(r.Runs) > 0 || r.Elided > 0 {
		return nil // spans index the whole schedule
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

// Steps is the number of decisions the run made: those in Decisions, in
// Runs and elided.
func (r *Result) Steps() int {
	n := len(r.Decisions) + r.Elided
	for _, run := range r.Runs {
		n += run.N
	}
	return n
}

// eachRecorded calls f with every decision in Decisions and its step (its
// index in the whole schedule); afterRun says a run of Runs came just
// before it.
func (r *Result) eachRecorded(f func(step int, d sched.Decision, afterRun bool)) {
	step, run := 0, 0
	for i, d := range r.Decisions {
		after := false
		for run < len(r.Runs) && r.Runs[run].At == i {
			step += r.Runs[run].N
			run++
			after = true
		}
		f(step, d, after)
		step++
	}
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
		t.Decisions[i] = traceDecision(d)
	}
	t.Runs = append([]traces.Run(nil), r.Runs...)
	return t
}

func traceDecision(d sched.Decision) traces.Decision {
	return traces.Decision{Runnable: d.Runnable, Thread: d.Thread, Action: d.Action}
}

// decisionsOf reads a run's decisions for its Result: every one of a
// short run; a long one (a livelock runs to the step bound) with its long
// stretches as Runs (format v2), read one decision at a time, so that a
// thread spinning for millions of decisions costs a few lines, in memory
// and in its trace.
func decisionsOf(out *sched.Outcome) ([]sched.Decision, []traces.Run, int) {
	if out.Steps-out.Elided <= compactAbove {
		return out.Decisions(), nil, out.Elided
	}
	c := traces.Compactor{MinRun: 64, KeepHead: 256, KeepTail: 256}
	out.EachDecision(func(_ int, d sched.Decision) { c.Add(traceDecision(d)) })
	ds, runs := c.Result()
	return schedDecisions(ds), runs, out.Elided
}

// compactAbove is the longest schedule a Result keeps decision by
// decision.
const compactAbove = 4096

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
