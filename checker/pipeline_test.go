package checker

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// TestPropertyToyCorrectIsOk: the spec behind one lock is linearizable by
// construction, so no schedule of any scenario may be judged otherwise.
func TestPropertyToyCorrectIsOk(t *testing.T) {
	for _, sp := range []model.SpecName{model.SpecAlloc, model.SpecLinux} {
		for _, strat := range []Strategy{Random, PCT, POS, Rapid} {
			rep, err := Explore(toyTarget(sp, false), ExploreOptions{Strategy: strat, Schedules: 150, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Verdict != verdictOk {
				r := rep.Found
				if r == nil {
					r = rep.Unknown
				}
				t.Fatalf("%s/%s: %s\n%s", sp, strat, rep.Verdict, Banner(r, Reproduce{}))
			}
			if rep.Schedules != 150 {
				t.Errorf("%s/%s: ran %d schedules, want 150", sp, strat, rep.Schedules)
			}
		}
	}
}

// TestExploreFindsLostUpdate: the racy toy loses updates; every strategy
// finds it, the trace is valid, round-trips through the file format and
// replays exactly.
func TestExploreFindsLostUpdate(t *testing.T) {
	for _, sp := range []model.SpecName{model.SpecAlloc, model.SpecLinux} {
		for _, strat := range []Strategy{Random, PCT, POS, DFS, Rapid} {
			e := toyTarget(sp, true)
			rep, err := Explore(e, ExploreOptions{Strategy: strat, Schedules: 3000, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Found == nil {
				t.Fatalf("%s/%s: not found in %d schedules", sp, strat, rep.Schedules)
			}
			if want := violation(traces.Linearizability); rep.Found.Verdict != want {
				t.Fatalf("%s/%s: verdict %s, want %s: %s", sp, strat, rep.Found.Verdict, want, rep.Found.Reason)
			}
			if !strings.Contains(rep.Found.Reason, "spec gives") && !strings.Contains(rep.Found.Reason, "no op can go next") {
				t.Errorf("%s/%s: the reason does not quote the spec: %q", sp, strat, rep.Found.Reason)
			}
			assertReplays(t, e, rep.Found)
		}
	}
}

// assertReplays holds r to ReplaysAsRecorded.
func assertReplays(t *testing.T, e Target, r *Result) {
	t.Helper()
	if err := ReplaysAsRecorded(e, r); err != nil {
		t.Fatal(err)
	}
}

// TestVerdictsFromTheScheduler: panics, deadlocks and broken invariants
// become violations of their own kind, never Ok.
func TestVerdictsFromTheScheduler(t *testing.T) {
	for mode, want := range map[string]traces.Kind{"panic": traces.Panic, "deadlock": traces.Deadlock, "invariant": traces.Invariant} {
		rep, err := Explore(faultyTarget(mode), ExploreOptions{Schedules: 50, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Found == nil || rep.Found.Verdict != violation(want) {
			t.Fatalf("%s: verdict %s, want violation %s", mode, rep.Verdict, want)
		}
		if rep.Found.Reason == "" {
			t.Errorf("%s: no reason", mode)
		}
		if err := rep.Found.Trace().Validate(); err != nil {
			t.Errorf("%s: trace invalid: %v", mode, err)
		}
	}
}

// TestExploreIsDeterministic: the same options give the same schedules
// and the same failing run, bit for bit.
func TestExploreIsDeterministic(t *testing.T) {
	e := toyTarget("linux", true)
	for _, strat := range []Strategy{Random, PCT, POS, Rapid} {
		a, _ := Explore(e, ExploreOptions{Strategy: strat, Schedules: 2000, Seed: 11})
		b, _ := Explore(e, ExploreOptions{Strategy: strat, Schedules: 2000, Seed: 11})
		if a.Found == nil || b.Found == nil {
			t.Fatalf("%s: not found", strat)
		}
		if a.Schedules != b.Schedules || a.Found.Hash != b.Found.Hash {
			t.Fatalf("%s: runs differ: %d schedules hash %#x vs %d hash %#x", strat, a.Schedules, a.Found.Hash, b.Schedules, b.Found.Hash)
		}
	}
}

// TestShardsAreDisjoint: n shards cover the unsharded exploration's
// scenarios exactly once.
func TestShardsAreDisjoint(t *testing.T) {
	const n, per = 3, 20
	var all []uint64
	for j := 0; j < n*per; j++ {
		all = append(all, ScenarioSeed(5, j))
	}
	var union []uint64
	for i := 0; i < n; i++ {
		var seen []uint64
		_, err := Explore(toyTarget("alloc", false), ExploreOptions{Schedules: per, Seed: 5, Shard: i, Shards: n, Run: RunOptions{}})
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < per; j++ {
			seen = append(seen, ScenarioSeed(5, j*n+i))
		}
		union = append(union, seen...)
	}
	slices.Sort(all)
	slices.Sort(union)
	if !slices.Equal(all, union) || len(slices.Compact(slices.Clone(union))) != len(union) {
		t.Fatal("shards overlap or miss scenarios")
	}
	if _, err := Explore(toyTarget("alloc", false), ExploreOptions{Shard: 3, Shards: 3}); err == nil {
		t.Error("shard 3/3 accepted")
	}
}

// TestShrinkKeepsTheVerdict: the shrunk failure is no bigger, has no more
// preemptions, fails the same way and replays.
func TestShrinkKeepsTheVerdict(t *testing.T) {
	e := toyTarget("linux", true)
	rep, _ := Explore(e, ExploreOptions{Schedules: 3000, Seed: 2, Gen: GenOptions{Threads: 4, Ops: 5}})
	if rep.Found == nil {
		t.Fatal("not found")
	}
	orig := rep.Found
	s := Shrink(e, orig, ShrinkOptions{Seed: 1})
	if s.Verdict != orig.Verdict {
		t.Fatalf("verdict %s, want %s", s.Verdict, orig.Verdict)
	}
	if Undrained(s.Scenario).Ops() > Undrained(orig.Scenario).Ops() {
		t.Errorf("shrunk to %d ops from %d", Undrained(s.Scenario).Ops(), Undrained(orig.Scenario).Ops())
	}
	if len(s.Scenario.Threads) > 2 {
		t.Errorf("a lost update needs 2 threads, shrunk has %d", len(s.Scenario.Threads))
	}
	t.Logf("shrunk %d ops/%d preemptions → %d ops/%d preemptions", orig.Scenario.Ops(), preemptions(orig.Decisions), s.Scenario.Ops(), preemptions(s.Decisions))
	assertReplays(t, e, s)
}

// TestReplayNamesTheDivergence: a trace whose decision was tampered with
// replays to a divergence naming that decision.
func TestReplayNamesTheDivergence(t *testing.T) {
	e := toyTarget("alloc", true)
	rep, _ := Explore(e, ExploreOptions{Schedules: 3000, Seed: 4})
	if rep.Found == nil {
		t.Fatal("not found")
	}
	tr := rep.Found.Trace()
	k := -1
	for i, d := range tr.Decisions {
		if len(d.Runnable) > 1 {
			k = i
			for _, r := range d.Runnable {
				if r != d.Thread {
					tr.Decisions[i].Thread = r
					break
				}
			}
			break
		}
	}
	if k < 0 {
		t.Fatal("no decision with a choice")
	}
	rr, err := Replay(e, tr, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rr.Diverged || !strings.Contains(rr.Divergence, "decision") {
		t.Fatalf("diverged=%v %q, want a divergence at decision %d", rr.Diverged, rr.Divergence, k)
	}
}

// TestDrainReapsEverything: after the drain, the spec itself says no
// task is left to reap: one more round of waits reaps nothing.
func TestDrainReapsEverything(t *testing.T) {
	e := toyTarget("linux", false)
	for seed := uint64(0); seed < 40; seed++ {
		g := Generate(SeedSource(seed), model.ProcessLevel, GenOptions{})
		// Everything on main, so the call order is the linearization.
		sc := model.Scenario{Level: g.Level, Params: g.Params, Init: Sequential(g), Post: nil}
		r := Run(e, sc, sched.NewRandom(seed), RunOptions{Drain: true})
		if r.Verdict != verdictOk {
			t.Fatalf("seed %d: %s: %s", seed, r.Verdict, r.Reason)
		}
		s, _ := SpecFor("linux", sc.Params, model.Cyclic)
		st := s.Init()
		for _, h := range r.History {
			_, st = st.Expect(h.Op)
		}
		for _, h := range Handles(sc) {
			var res model.Result
			res, st = st.Expect(model.Op{Kind: model.Wait, Task: h, Pid: -1})
			if res.Err == model.OK && res.N > 0 {
				t.Fatalf("seed %d: after the drain %s still reaps %d", seed, h, res.N)
			}
		}
	}
}

// TestVisualizeWritesHTML: a replayed failure renders as one HTML page
// carrying the scheduler's decisions.
func TestVisualizeWritesHTML(t *testing.T) {
	e := toyTarget("alloc", true)
	rep, _ := Explore(e, ExploreOptions{Schedules: 3000, Seed: 4})
	if rep.Found == nil {
		t.Fatal("not found")
	}
	rr, err := Replay(e, rep.Found.Trace(), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Visualize(&buf, rr.Result); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if !strings.Contains(html, "<html") || !strings.Contains(html, "toy.lock") {
		t.Fatalf("no page or no decisions in it (%d bytes)", len(html))
	}
}

// TestShrinkTraceRefusesAPass: shrinking from a trace (pidcheck shrink)
// refuses a passing trace.
func TestShrinkTraceRefusesAPass(t *testing.T) {
	r := Run(toyTarget("alloc", false), Generate(SeedSource(1), model.AllocLevel, GenOptions{}), sched.NewRandom(1), RunOptions{Drain: true})
	if _, err := ShrinkTrace(toyTarget("alloc", false), r.Trace(), ShrinkOptions{}); err == nil {
		t.Fatal("a passing trace was shrunk")
	}
}

// TestProgressAndTimeBudget: the progress callback sees the schedules go
// by and the last call matches the report; a time budget ends exploration.
func TestProgressAndTimeBudget(t *testing.T) {
	var seen []Progress
	rep, err := Explore(toyTarget("alloc", false), ExploreOptions{Schedules: 50, ProgressEvery: 10, Progress: func(p Progress) { seen = append(seen, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 6 || seen[len(seen)-1].Schedules != rep.Schedules || seen[0].Schedules != 10 {
		t.Fatalf("progress calls %+v for %d schedules", seen, rep.Schedules)
	}
	rep, err = Explore(toyTarget("alloc", false), ExploreOptions{Time: 50 * time.Millisecond})
	if err != nil || rep.Schedules == 0 || rep.Verdict != verdictOk {
		t.Fatalf("time budget: %v %+v", err, rep)
	}
}

// TestPendingOpIsNeverJudged: a history with a call and no return is an
// error for the judge, never a verdict.
func TestPendingOpIsNeverJudged(t *testing.T) {
	h := []traces.Operation{{Thread: "A", Op: model.Op{Kind: model.Alloc}, Call: 0, Return: traces.NoReturn}}
	if _, err := porcupineHistory(h); err == nil {
		t.Fatal("a pending op was accepted")
	}
}

// TestBadOptionsAreErrors: bad input gives an error value, not a panic.
func TestBadOptionsAreErrors(t *testing.T) {
	e := toyTarget("alloc", false)
	for _, o := range []ExploreOptions{
		{Strategy: "bogus"}, {Schedules: -1}, {Gen: GenOptions{Threads: 99}}, {Gen: GenOptions{Params: model.Params{PidMax: 3, Floor: 4}}},
		{Shard: 2, Shards: 2}, {Shard: -1, Shards: 2}, {Gen: GenOptions{Leave: []model.Kind{model.Fork}}}, {Gen: GenOptions{Leave: []model.Kind{99}}},
	} {
		if _, err := Explore(e, o); err == nil {
			t.Errorf("options %+v accepted", o)
		}
	}
	bad := e
	bad.Spec = "nope"
	if _, err := Explore(bad, ExploreOptions{}); err == nil {
		t.Error("an unknown spec was accepted")
	}
}

// TestStoppedDuringDrainTraceIsValid: a run the scheduler stops during the
// drain still records a scenario holding every op of its history.
func TestStoppedDuringDrainTraceIsValid(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(),
		Init: []model.Op{{Kind: model.Alloc}}, Threads: [][]model.Op{{{Kind: model.Alloc}}}}
	r := Run(faultyTarget("panic"), sc, sched.NewRandom(1), RunOptions{Drain: true})
	if r.Verdict != violation(traces.Panic) {
		t.Fatalf("verdict %s, want violation panic", r.Verdict)
	}
	if len(r.Scenario.Post) == 0 {
		t.Fatal("the drain op that panicked is not in the scenario")
	}
	if err := r.Trace().Validate(); err != nil {
		t.Fatalf("trace invalid: %v", err)
	}
	rr, err := Replay(faultyTarget("panic"), r.Trace(), RunOptions{})
	if err != nil || rr.Diverged || rr.Result.Verdict != r.Verdict {
		t.Fatalf("replay: %v %+v", err, rr)
	}
}
