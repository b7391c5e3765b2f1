package checker

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// historyKey is a history as the judge reads it: every op with its
// thread, call and return ticks and result.
func historyKey(h []traces.Operation) string {
	var b strings.Builder
	for _, o := range h {
		fmt.Fprintf(&b, "%s %s [%d,%d] %s; ", o.Thread, o.Op, o.Call, o.Return, o.Result.Format(o.Op.Kind))
	}
	return b.String()
}

// dfsHistories runs an unbounded DFS over sc (plain or with sleep sets)
// to the end and returns the distinct histories and verdicts of its runs,
// and its runs; nil if it needs more than limit.
func dfsHistories(t *testing.T, e Target, sc model.Scenario, sleep bool, limit int) (map[string]bool, int) {
	t.Helper()
	d := sched.NewDFS(-1)
	if !sleep {
		d.WithoutSleepSets()
	}
	seen := map[string]bool{}
	for d.Next() {
		r, out := run(e, sc, d, RunOptions{Drain: true, Lean: true})
		if out != nil && out.Verdict == sched.Pruned {
			continue
		}
		seen[fmt.Sprint(r.Verdict.Outcome)+": "+historyKey(r.History)] = true
		if d.Count() > limit {
			return nil, d.Count()
		}
	}
	if !d.Exhausted() {
		t.Fatalf("%s: not exhausted", e.Name)
	}
	return seen, d.Count()
}

// TestDFSReductionsKeepEveryHistory: an unbounded DFS with sleep sets
// produces exactly the histories (every call and return in order, with
// results) and verdicts that plain DFS produces, on small scenarios of
// correct and buggy allocators. A reduction may skip a
// run only when it reorders steps that commute for the program and for
// the history: the recorder's ticks are shared by every thread, so steps
// that record a call or a return are dependent (sched.Observed). Without
// that, sleep sets skipped runs whose histories put one op's return before
// another's call, which a linearizability check may need.
func TestDFSReductionsKeepEveryHistory(t *testing.T) {
	names := []string{"idr", "pidmap", "lockfree", "lockfree-lost-free", "pidmap-stale-cursor", "idr-free-check-then-clear"}
	scenarios, limit := 8, 5000
	if testing.Short() {
		// Under -race a plain search of 5,000 runs takes half a minute:
		// only the scenarios with few interleavings.
		names, scenarios, limit = names[:4], 6, 300
	}
	var runs [2]int
	compared := 0
	for _, name := range names {
		e := lookup(t, name)
		s, err := SpecFor(e.Spec, model.SmallParams(), e.Policy)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := withOracle(GenOptions{Threads: 2, Ops: 2}, s).withDefaults()
		for j := range scenarios {
			sc := Generate(SeedSource(ScenarioSeed(7, j)), e.Level(), g)
			plain, n0 := dfsHistories(t, e, sc, false, limit)
			if plain == nil {
				continue // too many interleavings to run them all here
			}
			sleep, n1 := dfsHistories(t, e, sc, true, 1<<30)
			compared++
			runs[0], runs[1] = runs[0]+n0, runs[1]+n1
			if !maps.Equal(sleep, plain) {
				var missed []string
				for k := range plain {
					if !sleep[k] {
						missed = append(missed, k)
					}
				}
				slices.Sort(missed)
				t.Fatalf("%s scenario %d: sleep sets made %d histories, plain dfs %d; missed %q", name, j, len(sleep), len(plain), missed)
			}
		}
	}
	t.Logf("%d scenarios; runs: plain %d, sleep sets %d", compared, runs[0], runs[1])
	if compared < len(names) {
		t.Errorf("only %d scenarios small enough for plain dfs", compared)
	}
	if runs[1] >= runs[0] {
		t.Errorf("runs: plain %d, sleep sets %d: sleep sets saved nothing", runs[0], runs[1])
	}
}
