package checker

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// Stress runs are real concurrency: these tests are the ones to run under
// -race (go test -race -short ./checker/...). They assert only what holds
// whatever the interleaving was.

// checkStressTicks checks what the shared atomic clock guarantees of any
// stress history: ticks are taken once each, every op returns after its
// call, the history is in call order, and each thread's ops follow one
// another (its next call comes after its last return).
func checkStressTicks(t *testing.T, r *Result) {
	t.Helper()
	seen := map[int]bool{}
	last := map[string]int{}
	for i, o := range r.History {
		if o.Pending() {
			t.Fatalf("%s: op %d (%s %s) never returned in a run that ended", r.Impl, i, o.Thread, o.Op)
		}
		for _, k := range []int{o.Call, o.Return} {
			if seen[k] {
				t.Fatalf("%s: tick %d taken twice", r.Impl, k)
			}
			seen[k] = true
		}
		if o.Return <= o.Call {
			t.Fatalf("%s: op %d returns at %d, not after its call at %d", r.Impl, i, o.Return, o.Call)
		}
		if i > 0 && r.History[i-1].Call >= o.Call {
			t.Fatalf("%s: history not in call order at op %d", r.Impl, i)
		}
		if p, ok := last[o.Thread]; ok && o.Call < p {
			t.Fatalf("%s: thread %s calls op %d at %d before its previous op returned at %d", r.Impl, o.Thread, i, o.Call, p)
		}
		last[o.Thread] = o.Return
	}
}

// TestStressCorrectImplementationsPass: a linearizable implementation must
// pass every stress run, however the goroutines interleave — a false
// violation here would mean the ticks do not bracket the real execution.
func TestStressCorrectImplementationsPass(t *testing.T) {
	runs := 150
	if testing.Short() {
		runs = 40
	}
	targets := []Target{toyTarget(model.SpecAlloc, false), lookup(t, "idr"), lookup(t, "lockfree"), lookup(t, "linux")}
	for _, tg := range targets {
		t.Run(tg.Name, func(t *testing.T) {
			rep, err := Explore(tg, ExploreOptions{Strategy: Stress, Schedules: runs, Seed: 7, Gen: GenOptions{Threads: 3, Ops: 4}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict.Outcome != traces.Ok || rep.Schedules != runs {
				r := rep.Found
				if r == nil {
					r = rep.Unknown
				}
				t.Fatalf("%s under stress: %s after %d schedules: %+v", tg.Name, rep.Verdict, rep.Schedules, r)
			}
			if rep.Strategy != "stress" {
				t.Errorf("report strategy %q, want stress", rep.Strategy)
			}
		})
	}
}

// TestStressHistoryTicks: the history of a stress run has the shape the
// judge needs (distinct ticks, call before return, call order), and the
// scenario is the one every other strategy generates for that index.
func TestStressHistoryTicks(t *testing.T) {
	tg := lookup(t, "linux")
	o := ExploreOptions{Strategy: Stress, Gen: GenOptions{Threads: 3, Ops: 4}}
	for j := range 20 {
		sc, err := ScenarioAt(tg, o, j)
		if err != nil {
			t.Fatal(err)
		}
		pct := o
		pct.Strategy = PCT
		same, err := ScenarioAt(tg, pct, j)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(same, sc) {
			t.Fatalf("scenario %d differs between stress and pct", j)
		}
		r := stressRun(tg, sc, RunOptions{Drain: true, Seed: uint64(j)})
		if r.Verdict.Outcome != traces.Ok {
			t.Fatalf("scenario %d: %s: %s", j, r.Verdict, r.Reason)
		}
		if r.Strategy != "stress" || len(r.Decisions) != 0 || r.Hash != 0 {
			t.Fatalf("a stress result records strategy %q, %d decisions, hash %x: want stress, none, 0", r.Strategy, len(r.Decisions), r.Hash)
		}
		if got, want := len(r.History), sc.Ops(); got < want {
			t.Fatalf("scenario %d: %d ops recorded, fewer than its %d", j, got, want)
		}
		checkStressTicks(t, r)
	}
}

// TestStressFindsSequentialBug: a zoo variant that fails with one thread
// fails whatever the interleaving, so stress finds it too, and its trace
// is marked as a stress trace: it parses back, has no schedule, and
// JudgeTrace (replay's path for it) gives the recorded verdict again.
func TestStressFindsSequentialBug(t *testing.T) {
	tg := lookup(t, "idr-short-wrap")
	rep, err := Explore(tg, ExploreOptions{Strategy: Stress, Schedules: 5000, Seed: 1, Gen: GenOptions{Threads: 2, Ops: 4, Params: model.Params{PidMax: 8, Floor: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Found == nil {
		t.Fatalf("stress did not find idr-short-wrap's bug in %d runs", rep.Schedules)
	}
	r := rep.Found
	if r.Verdict.Kind != traces.Linearizability {
		t.Fatalf("verdict %s, want a linearizability violation: %s", r.Verdict, r.Reason)
	}
	checkStressTicks(t, r)
	data, err := traces.Marshal(r.Trace())
	if err != nil {
		t.Fatal(err)
	}
	back, err := traces.Parse("stress.trace", bytes.NewReader(data))
	if err != nil {
		t.Fatalf("a stress trace does not parse back: %v\n%s", err, data)
	}
	if !IsStressTrace(back) {
		t.Fatalf("not recognised as a stress trace:\n%s", data)
	}
	j, err := JudgeTrace(back, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if j.Verdict != r.Verdict {
		t.Fatalf("the recorded history judged again: %s, recorded %s", j.Verdict, r.Verdict)
	}
	// Shrunk, the finding is reproduced under the controlled scheduler:
	// it has a schedule, says so, and replays as recorded.
	sh := Shrink(tg, r, ShrinkOptions{Seed: 1})
	if sh == r || IsStressTrace(sh.Trace()) || !strings.HasPrefix(sh.Strategy, "stress, shrunk") {
		t.Fatalf("shrunk stress finding: strategy %q, %d decisions", sh.Strategy, len(sh.Decisions))
	}
	if err := ReplaysAsRecorded(tg, sh); err != nil {
		t.Fatalf("the shrunk stress finding does not replay: %v", err)
	}
	// A controlled run's trace is not a stress trace.
	ok := Run(tg, Undrained(r.Scenario), newPCT(1, 3, 3*parallelOps(r.Scenario)), RunOptions{Drain: true, Strategy: "pct depth=3"})
	if IsStressTrace(ok.Trace()) {
		t.Fatal("a pct trace taken for a stress trace")
	}
}

// TestJudgeTraceNeedsWholeHistory: a passing stress trace judged again
// passes; a history with an op that never returned (a panic's) is not
// judged Ok: porcupine would misjudge it.
func TestJudgeTraceNeedsWholeHistory(t *testing.T) {
	tg := toyTarget(model.SpecAlloc, false)
	sc := Generate(SeedSource(3), model.AllocLevel, GenOptions{Threads: 2, Ops: 3})
	r := stressRun(tg, sc, RunOptions{Drain: true})
	if r.Verdict.Outcome != traces.Ok {
		t.Fatalf("%s: %s", r.Verdict, r.Reason)
	}
	tr := r.Trace()
	j, err := JudgeTrace(tr, RunOptions{})
	if err != nil || j.Verdict.Outcome != traces.Ok {
		t.Fatalf("JudgeTrace of a passing stress trace: %v, %v", j, err)
	}
	tr.History[len(tr.History)-1].Return = traces.NoReturn
	tr.History[len(tr.History)-1].Result = model.Result{}
	tr.Verdict, tr.Reason = traces.Verdict{Outcome: traces.Violation, Kind: traces.Panic}, "a thread panicked"
	j, err = JudgeTrace(tr, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if j.Verdict.Outcome == traces.Ok {
		t.Fatal("a history with an op that never returned judged Ok")
	}
}

// TestStressPanicAndHang: a panic in a thread is a panic violation with
// the thread's unfinished op pending; a run that never ends is given up
// after the watchdog and judged a watchdog violation.
func TestStressPanicAndHang(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.Params{PidMax: 16, Floor: 1},
		Threads: [][]model.Op{{{Kind: model.Alloc}, {Kind: model.Alloc}}, {{Kind: model.Alloc}, {Kind: model.Alloc}}}}
	r := stressRun(faultyTarget("panic"), sc, RunOptions{})
	if r.Verdict.Kind != traces.Panic || !strings.Contains(r.Reason, "faulty: third op") {
		t.Fatalf("panicking target: %s: %s", r.Verdict, r.Reason)
	}
	pending := 0
	for _, o := range r.History {
		if o.Pending() {
			pending++
		}
	}
	if pending != 1 || len(r.History) < 3 {
		t.Fatalf("panicking target: %d ops recorded, %d pending; want at least 3, one pending", len(r.History), pending)
	}
	start := time.Now()
	r = stressRun(faultyTarget("deadlock"), sc, RunOptions{Watchdog: 100 * time.Millisecond})
	if r.Verdict.Kind != traces.Watchdog {
		t.Fatalf("deadlocking target: %s: %s", r.Verdict, r.Reason)
	}
	if el := time.Since(start); el > 30*time.Second {
		t.Fatalf("the watchdog of 100ms let the run hang for %v", el)
	}
}
