package traces

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// genSchedule draws a decision list over a few threads, mixing stretches
// each rule explains with random choices, as a scheduler would record it.
func genSchedule(t *rapid.T) []Decision {
	names := []string{"main", "A", "B", "C"}
	var ds []Decision
	last := ""
	for range rapid.IntRange(0, 12).Draw(t, "stretches") {
		mode := rapid.IntRange(0, 2).Draw(t, "mode") // 0 random, else a rule
		for range rapid.IntRange(1, 40).Draw(t, "len") {
			var run []string
			for _, n := range names {
				if rapid.IntRange(0, 3).Draw(t, "runnable") > 0 {
					run = append(run, n)
				}
			}
			if len(run) == 0 {
				run = []string{"main"}
			}
			i := rapid.IntRange(0, len(run)-1).Draw(t, "pick")
			if mode > 0 {
				i = Rule(mode).Choose(last, run)
			}
			ds = append(ds, Decision{Runnable: run, Thread: run[i], Action: run[i] + " step"})
			last = run[i]
		}
	}
	return ds
}

// replayAll walks ds through a cursor on tr, as a replaying scheduler
// would, and fails unless it makes every decision of ds, in order,
// recorded ones checked.
func replayAll(t *rapid.T, tr *Trace, ds []Decision) {
	t.Helper()
	c := tr.Cursor()
	rec := 0
	for k, d := range ds {
		i, err := c.Next(d.Runnable)
		if err != nil {
			t.Fatalf("decision %d: %v", k, err)
		}
		if d.Runnable[i] != d.Thread {
			t.Fatalf("decision %d: cursor picked %s, the schedule %s", k, d.Runnable[i], d.Thread)
		}
		if r := c.Recorded(); r != nil {
			if r.Action != d.Action || r != &tr.Decisions[rec] {
				t.Fatalf("decision %d: recorded %+v, want recorded decision %d %+v", k, *r, rec, d)
			}
			rec++
		}
	}
	if !c.Done() || rec != len(tr.Decisions) || c.Step() != len(ds) {
		t.Fatalf("after %d decisions: done %v, %d of %d recorded followed", len(ds), c.Done(), rec, len(tr.Decisions))
	}
	if _, err := c.Next([]string{"main"}); err == nil || !strings.Contains(err.Error(), "expected the run to end") {
		t.Fatalf("a decision past the end: %v, want a divergence", err)
	}
}

// TestPropertyCompactReplays: whatever the schedule, its compacted form
// (recorded decisions and runs) replays through a Cursor to exactly the
// same decisions, keeps the head and tail recorded, survives Format and
// Parse, and has as many steps as the schedule.
func TestPropertyCompactReplays(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ds := genSchedule(t)
		minRun := rapid.IntRange(0, 10).Draw(t, "minRun")
		head := rapid.IntRange(0, 5).Draw(t, "head")
		tail := rapid.IntRange(0, 5).Draw(t, "tail")
		tr := exampleTrace()
		tr.Decisions, tr.Runs = Compact(ds, minRun, head, tail)
		if tr.Steps() != len(ds) {
			t.Fatalf("%d steps, want %d", tr.Steps(), len(ds))
		}
		// Only the last run may be shorter: the tail cut it.
		for _, r := range tr.Runs[:max(len(tr.Runs)-1, 0)] {
			if r.N < minRun {
				t.Fatalf("run %+v shorter than %d", r, minRun)
			}
		}
		if n := min(head, len(ds)); !slices.EqualFunc(tr.Decisions[:min(n, len(tr.Decisions))], ds[:n], decisionEqual) {
			t.Fatalf("the first %d decisions are not recorded", n)
		}
		if n := min(tail, len(ds)); !slices.EqualFunc(tr.Decisions[len(tr.Decisions)-n:], ds[len(ds)-n:], decisionEqual) {
			t.Fatalf("the last %d decisions are not recorded", n)
		}
		if minRun <= 0 && len(tr.Runs) > 0 {
			t.Fatalf("MinRun 0 compacted: %+v", tr.Runs)
		}
		replayAll(t, tr, ds)
		text, err := Marshal(tr)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("c.trace", bytes.NewReader(text))
		if err != nil || !back.Equal(tr) {
			t.Fatalf("Parse(Marshal): %v\n%s", err, text)
		}
		if v2 := bytes.HasPrefix(text, []byte(HeaderV2+"\n")); v2 != (len(tr.Runs) > 0) {
			t.Fatalf("header v2 = %v with %d runs", v2, len(tr.Runs))
		}
	})
}

func decisionEqual(a, b Decision) bool {
	return a.Thread == b.Thread && a.Action == b.Action && slices.Equal(a.Runnable, b.Runnable)
}

// livelock feeds the decisions of a step-bound run to add, one at a time:
// main starts two threads, then A spins on a flag B would set, for as many
// decisions as the checker's step bound at the kernel's pid_max allows
// (100000 + 4·4194304), then stopped — B, runnable, never chosen.
func livelock(add func(Decision)) int {
	const steps = 100000 + 4*4194304
	add(Decision{Runnable: []string{"main"}, Thread: "main", Action: "main start"})
	add(Decision{Runnable: []string{"main", "A", "B"}, Thread: "A", Action: "A load flag 0"})
	spin := []string{"A", "B"}
	for k := 2; k < steps; k++ {
		act := "A load flag 0"
		if k%2 == 1 {
			act = "A yield"
		}
		add(Decision{Runnable: spin, Thread: "A", Action: act})
	}
	return steps
}

// TestStepBoundLivelockFitsATrace: a livelock at the largest step bound
// (16,877,216 decisions; a trace records at most 1,048,576) is written
// through a Compactor in bounded memory as a small v2 trace, which parses
// back and whose cursor replays every decision, the recorded tail checked.
// (the checker-edges audit)
func TestStepBoundLivelockFitsATrace(t *testing.T) {
	if testing.Short() {
		t.Skip("walks 16.9 million decisions")
	}
	c := Compactor{MinRun: 64, KeepHead: 16, KeepTail: 32}
	steps := livelock(c.Add)
	if c.Recorded() > 64 {
		t.Fatalf("the compactor holds %d decisions, want a bounded few", c.Recorded())
	}
	tr := exampleTrace()
	tr.Verdict = Verdict{Outcome: Violation, Kind: StepBound}
	tr.History = tr.History[:3]
	tr.History[1].Return = NoReturn
	tr.Reason = fmt.Sprintf("step bound %d exceeded (a livelock or an endless loop); runnable: A B", steps)
	tr.Decisions, tr.Runs = c.Result()
	text, err := Marshal(tr)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	t.Logf("%d decisions: %d recorded, %d run(s), %d bytes", steps, len(tr.Decisions), len(tr.Runs), len(text))
	if len(text) > 8<<10 {
		t.Errorf("the trace takes %d bytes, want a few KB", len(text))
	}
	if want := fmt.Sprintf("\n  16..%d  continue\n", steps-33); !bytes.Contains(text, []byte(want)) {
		t.Fatalf("trace lacks the run line %q:\n%s", want, text)
	}
	back, err := Parse("livelock.trace", bytes.NewReader(text))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, text)
	}
	if back.Steps() != steps || len(back.Decisions) != 16+32 {
		t.Fatalf("%d steps, %d recorded; want %d and 48", back.Steps(), len(back.Decisions), steps)
	}
	cur := back.Cursor()
	k := 0
	livelock(func(d Decision) {
		i, err := cur.Next(d.Runnable)
		switch {
		case err != nil:
			t.Fatalf("decision %d: %v", k, err)
		case d.Runnable[i] != d.Thread:
			t.Fatalf("decision %d: cursor picked %s, want %s", k, d.Runnable[i], d.Thread)
		case cur.Recorded() != nil && cur.Recorded().Action != d.Action:
			t.Fatalf("decision %d: recorded action %q, want %q", k, cur.Recorded().Action, d.Action)
		}
		k++
	})
	if !cur.Done() {
		t.Errorf("cursor not done after %d decisions", k)
	}
}

// TestCursorDiverges: a replay that meets another runnable set at a
// recorded decision, or keeps going past the end, is told where, by the
// decision's index among all decisions (runs counted).
func TestCursorDiverges(t *testing.T) {
	tr := exampleTrace()
	tr.Runs = []Run{{At: 2, N: 5, Rule: RuleRoundRobin}}
	c := tr.Cursor()
	for _, run := range [][]string{{"main"}, {"main"}} {
		if _, err := c.Next(run); err != nil {
			t.Fatal(err)
		}
	}
	// In the run: round-robin after main over [main A B] is A, then B, main, A, B.
	for _, want := range []string{"A", "B", "main", "A", "B"} {
		run := []string{"main", "A", "B"}
		i, err := c.Next(run)
		if err != nil || run[i] != want || c.Recorded() != nil {
			t.Fatalf("step %d: %v %v, want %s from the rule", c.Step(), run[i], err, want)
		}
	}
	_, err := c.Next([]string{"main", "B"})
	if want := "diverged at decision 7: expected runnable [main A B], found [main B]"; err == nil || err.Error() != want {
		t.Fatalf("Next = %v, want %s", err, want)
	}
}

// TestRuleChoose pins the two rules.
func TestRuleChoose(t *testing.T) {
	run := []string{"main", "A", "B"}
	for _, tc := range []struct {
		r    Rule
		last string
		want int
	}{
		{RuleContinue, "A", 1}, {RuleContinue, "C", 0}, {RuleContinue, "", 0},
		{RuleRoundRobin, "A", 2}, {RuleRoundRobin, "B", 0}, {RuleRoundRobin, "C", 0},
	} {
		if got := tc.r.Choose(tc.last, run); got != tc.want {
			t.Errorf("%s.Choose(%q, %v) = %d, want %d", tc.r, tc.last, run, got, tc.want)
		}
	}
}
