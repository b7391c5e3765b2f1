package checker

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestDFSExhaustsEachScenario: DFS with no per-scenario cap (PerScenario
// negative) runs every
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
		o := ExploreOptions{Strategy: DFS, Schedules: 400, Seed: 7, DFSBound: c.bound, DFSBoundSet: true, DFSNoSleepSets: !c.sleep, PerScenario: -1,
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
	o := ExploreOptions{Strategy: DFS, Schedules: 2000, Seed: 3, PerScenario: -1, Gen: GenOptions{Threads: 3, Ops: 3}}
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

var flagDFSTable = flag.Bool("dfstable", false, "pidcheck: print the DFS exhaustion table of BENCHMARKS.md (2×2 and 3×3 idr scenarios; minutes)")

// shaped returns the first generated idr scenario (seeds 1, 2, …) whose
// parallel part is threads threads of ops ops each, and its seed.
func shaped(t *testing.T, threads, ops int) (model.Scenario, uint64) {
	t.Helper()
	s, _ := SpecFor("alloc", model.SmallParams(), model.Cyclic)
	g, _ := withOracle(GenOptions{Threads: threads, Ops: ops}, s).withDefaults()
	for seed := uint64(1); seed < 10000; seed++ {
		sc := Generate(SeedSource(seed), model.AllocLevel, g)
		if len(sc.Threads) != threads {
			continue
		}
		if !slices.ContainsFunc(sc.Threads, func(ops_ []model.Op) bool { return len(ops_) != ops }) {
			return sc, seed
		}
	}
	t.Fatalf("no %d×%d scenario", threads, ops)
	return model.Scenario{}, 0
}

// TestDFSExhaustionTable: runs to exhaust idr scenarios of 2 threads × 2
// ops (and, with -dfstable, 3 × 3) at preemption bounds 0 to 3 and
// unbounded, with and without sleep sets. Runs without sleep sets grow
// with the bound; sleep sets never need more runs than none; every search
// is exhausted; and with -dfstable the table is
// printed for BENCHMARKS.md (a search stopped at its cap shows as ≥).
func TestDFSExhaustionTable(t *testing.T) {
	e := lookup(t, "idr")
	shapes := [][2]int{{2, 2}}
	const limit = 2000000
	if *flagDFSTable {
		shapes = append(shapes, [2]int{3, 3})
	}
	for _, sh := range shapes {
		sc, seed := shaped(t, sh[0], sh[1])
		if *flagDFSTable {
			fmt.Printf("\n%d×%d: seed %d, %s\n| bound | sleep sets: runs | pruned | schedules | no sleep sets: runs | seconds (on, off) |\n| --- | --- | --- | --- | --- | --- |\n", sh[0], sh[1], seed, describeScenario(sc))
		}
		prev := 0
		for _, bound := range []int{0, 1, 2, 3, -1} {
			var runs [2]int
			var pruned [2]int
			var secs [2]float64
			for k, sleep := range []bool{true, false} {
				d := sched.NewDFS(bound)
				if !sleep {
					d.WithoutSleepSets()
				}
				start := time.Now()
				for d.Count() < limit && d.Next() {
					run(e, sc, d, RunOptions{Drain: true, Lean: true})
				}
				secs[k] = time.Since(start).Seconds()
				runs[k], pruned[k] = d.Count(), d.Pruned()
				if !d.Exhausted() && runs[k] < limit {
					t.Errorf("%d×%d bound %d sleep %v: not exhausted after %d runs", sh[0], sh[1], bound, sleep, runs[k])
				}
			}
			// Without sleep sets, runs grow with the bound. With them
			// they need not: under a bound, a thread sleeps only after a
			// subtree the bound did not cut (see sched.DFS), and a
			// bigger bound cuts fewer.
			if runs[0] > runs[1] || pruned[1] != 0 || runs[1] < prev {
				t.Errorf("%d×%d bound %d: %d runs (%d pruned) with sleep sets, %d (%d pruned) without, %d at the bound before", sh[0], sh[1], bound, runs[0], pruned[0], runs[1], pruned[1], prev)
			}
			prev = runs[1]
			if *flagDFSTable {
				b := strconv.Itoa(bound)
				if bound < 0 {
					b = "unbounded"
				}
				off := strconv.Itoa(runs[1])
				if runs[1] >= limit {
					off = "≥ " + off
				}
				fmt.Printf("| %s | %d | %d | %d | %s | %.2f, %.2f |\n", b, runs[0], pruned[0], runs[0]-pruned[0], off, secs[0], secs[1])
			}
		}
	}
}

// describeScenario is "init: alloc, alloc; A: alloc, free 2; B: …".
func describeScenario(sc model.Scenario) string {
	part := func(name string, ops []model.Op) string {
		var xs []string
		for _, op := range ops {
			xs = append(xs, op.String())
		}
		return name + ": " + strings.Join(xs, ", ")
	}
	out := []string{part("init", sc.Init)}
	for i, ops := range sc.Threads {
		out = append(out, part(model.ThreadName(i), ops))
	}
	return strings.Join(out, "; ")
}

// TestDFSStopsAtTheBudget: with no cap per scenario, a DFS search of a
// scenario with far more interleavings than the budget stops once it
// is spent (it used to run them all, then count the budget's worth), and
// says the scenario was not exhausted.
func TestDFSStopsAtTheBudget(t *testing.T) {
	e := lookup(t, "idr")
	var runs int
	counting := e
	counting.New = func(env sched.Env, p model.Params) model.Impl {
		runs++
		return e.New(env, p)
	}
	rep, err := Explore(counting, ExploreOptions{Strategy: DFS, Schedules: 50, Seed: 3, DFSBound: -1, DFSNoSleepSets: true, PerScenario: -1,
		Gen: GenOptions{Threads: 3, Ops: 3}})
	if err != nil {
		t.Fatal(err)
	}
	last := rep.DFS[len(rep.DFS)-1]
	// Unbounded and without sleep sets a 3×3 search has about a million
	// runs (BENCHMARKS.md); workers may run a few scenarios ahead of the
	// count before they hear it is over.
	if rep.Schedules != 50 || last.Exhausted || last.Runs != 50 || runs > 1000 {
		t.Fatalf("%d schedules, %d runs made, last scenario %+v: want 50 counted, not a thousand made, not exhausted", rep.Schedules, runs, last)
	}
}
