package alloctest

import (
	"reflect"
	"testing"

	"github.com/pidcheck/pidcheck/alloc/idr"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// TestDFSVisitsEveryRunButThePruned: DFS hands visit every run the sleep
// sets did not prune, and only those (a pruned run is Unknown, which a
// correct implementation must never be reported for), numbered as the DFS
// counts them.
func TestDFSVisitsEveryRunButThePruned(t *testing.T) {
	target := Correct("idr", model.SpecAlloc, model.Cyclic, idr.New)
	visited, last := 0, 0
	d := DFS(target, MixedScenario(t), checker.RunOptions{}, 2, 0, func(run int, r *checker.Result) bool {
		if r.Verdict.Outcome != traces.Ok || run <= last {
			t.Fatalf("run %d (after %d): %s", run, last, Report(r))
		}
		visited, last = visited+1, run
		return false
	})
	if !d.Exhausted() || d.Pruned() == 0 || visited != d.Count()-d.Pruned() {
		t.Fatalf("%d runs, %d pruned, %d visited, exhausted %v", d.Count(), d.Pruned(), visited, d.Exhausted())
	}
}

// TestEditsAreDeterministic: the same source gives the same edited
// scenario, and Busy changes what the engine generated.
func TestEditsAreDeterministic(t *testing.T) {
	gen := func(seed uint64) model.Scenario {
		sc := checker.Generate(checker.SeedSource(seed), model.AllocLevel, checker.GenOptions{})
		return Chain(Busy, AllocOnly)(checker.SeedSource(seed+1), sc)
	}
	for seed := uint64(1); seed <= 20; seed++ {
		a, b := gen(seed), gen(seed)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("seed %d: %v, then %v", seed, a, b)
		}
		if a.Post[len(a.Post)-1].Kind != model.Alloc {
			t.Fatalf("seed %d: Tail did not end the post part with an alloc: %v", seed, a.Post)
		}
		for _, th := range a.Threads {
			for _, op := range th {
				if op.Kind != model.Alloc {
					t.Fatalf("seed %d: AllocOnly left %s", seed, op)
				}
			}
		}
	}
}
