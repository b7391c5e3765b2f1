package checker

import (
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// dfsCount runs sched.NewDFS(bound) over scenario sc of t to the end, the
// way a user would by hand, and returns its runs, pruned runs and whether
// it was exhausted.
func dfsCount(t Target, sc model.Scenario, bound int, sleep bool) (runs, pruned int, exhausted bool) {
	d := sched.NewDFS(bound)
	if !sleep {
		d.WithoutSleepSets()
	}
	for d.Next() {
		run(t, sc, d, RunOptions{Drain: true, Lean: true})
	}
	return d.Count(), d.Pruned(), d.Exhausted()
}

// TestDFSExhaustsEachScenario: DFS with no per-scenario cap runs every
// interleaving of a scenario within the bound before the next; the report
// says, per scenario, how many runs that took (the count DFS gives when
// driven by hand over the same scenario), that they exhausted it, and how
// many schedules it counted; the budget's last scenario, cut, is reported
// not exhausted. For bound 0, 1 and unbounded, sleep sets on and off.
func TestDFSExhaustsEachScenario(t *testing.T) {
	e := lookup(t, "idr")
	for _, c := range []struct {
		bound int
		sleep bool
	}{{0, true}, {1, true}, {1, false}, {-1, true}} {
		o := ExploreOptions{Strategy: DFS, Schedules: 400, Seed: 7, DFSBound: c.bound, DFSBoundSet: true, DFSNoSleepSets: !c.sleep,
			Gen: GenOptions{Threads: 2, Ops: 2}}
		rep, err := Explore(e, o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Found != nil || len(rep.DFS) != rep.Scenarios || len(rep.DFS) < 2 {
			t.Fatalf("bound %d sleep %v: %s, %d scenarios, %d DFS entries", c.bound, c.sleep, rep.Verdict, rep.Scenarios, len(rep.DFS))
		}
		g, _ := o.withDefaults()
		s, _ := SpecFor(e.Spec, g.Gen.Params, e.Policy)
		g.Gen = withOracle(g.Gen, s)
		sum, exhausted := 0, 0
		for i, d := range rep.DFS {
			sum += d.Schedules
			sc := Generate(SeedSource(ScenarioSeed(o.Seed, d.Index)), e.Level(), g.Gen)
			runs, pruned, done := dfsCount(e, sc, c.bound, c.sleep)
			last := i == len(rep.DFS)-1
			if !last && (!d.Exhausted || d.Runs != runs || d.Pruned != pruned || d.Schedules != runs-pruned || !done) {
				t.Errorf("bound %d sleep %v, scenario %d: %+v; by hand %d runs, %d pruned, exhausted %v", c.bound, c.sleep, d.Index, d, runs, pruned, done)
			}
			if last && d.Exhausted != (d.Runs == runs && d.Schedules == runs-pruned) {
				t.Errorf("bound %d sleep %v, last scenario %d: %+v; by hand %d runs, %d pruned", c.bound, c.sleep, d.Index, d, runs, pruned)
			}
			if !c.sleep && d.Pruned != 0 {
				t.Errorf("sleep sets off, scenario %d: %d runs pruned", d.Index, d.Pruned)
			}
			if d.Exhausted {
				exhausted++
			}
		}
		if sum != rep.Schedules || exhausted != rep.Exhausted {
			t.Errorf("bound %d sleep %v: %d schedules and %d exhausted in the entries, the report says %d and %d", c.bound, c.sleep, sum, exhausted, rep.Schedules, rep.Exhausted)
		}
	}
}

// TestDFSBoundZeroIsNoPreemptions: DFSBound 0 is the default bound (2)
// unless DFSBoundSet, when it allows no preemption: fewer runs, and a
// strategy name that says so.
func TestDFSBoundZeroIsNoPreemptions(t *testing.T) {
	e := lookup(t, "idr")
	o := ExploreOptions{Strategy: DFS, Schedules: 200, Seed: 3, Gen: GenOptions{Threads: 3, Ops: 3}}
	def, err := Explore(e, o)
	if err != nil {
		t.Fatal(err)
	}
	o.DFSBoundSet = true
	zero, err := Explore(e, o)
	if err != nil {
		t.Fatal(err)
	}
	if def.Strategy != "dfs bound=2" || zero.Strategy != "dfs bound=0" {
		t.Fatalf("strategies %q and %q", def.Strategy, zero.Strategy)
	}
	if zero.DFS[0].Runs >= def.DFS[0].Runs || !zero.DFS[0].Exhausted {
		t.Fatalf("scenario 0: bound 0 %+v, bound 2 %+v: want fewer runs, exhausted", zero.DFS[0], def.DFS[0])
	}
}

// TestDFSPerScenarioCap: with PerScenario, each scenario's search stops
// after that many runs (pruned ones included) and is not exhausted unless
// it ended within them; the exploration goes on to the next scenario.
func TestDFSPerScenarioCap(t *testing.T) {
	e := lookup(t, "idr")
	rep, err := Explore(e, ExploreOptions{Strategy: DFS, Schedules: 100, Seed: 3, PerScenario: 5, Gen: GenOptions{Threads: 3, Ops: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Scenarios < 20 {
		t.Fatalf("%d scenarios for 100 schedules at 5 a scenario", rep.Scenarios)
	}
	for _, d := range rep.DFS {
		if d.Runs > 5 {
			t.Fatalf("scenario %d: %+v", d.Index, d)
		}
	}
	if rep.Exhausted == len(rep.DFS) {
		t.Fatalf("every one of %d scenarios exhausted within 5 runs", len(rep.DFS))
	}
}
