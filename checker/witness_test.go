package checker

import (
	"slices"
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// witnessedPlain is witnessed without the shared prefix: the call order
// replayed from the start, then the return order from the start.
func witnessedPlain(s spec.Spec, h []traces.Operation) bool {
	try := func(order []int) bool {
		st := s.Init()
		for _, i := range order {
			ok, next, _ := st.Step(h[i].Op, h[i].Result)
			if !ok {
				return false
			}
			st = next
		}
		return true
	}
	order := make([]int, len(h))
	for i := range order {
		order[i] = i
	}
	if try(order) {
		return true
	}
	slices.SortFunc(order, func(a, b int) int { return h[a].Return - h[b].Return })
	return try(order)
}

// TestWitnessSharesThePrefixSoundly: witnessed (one replay of the two
// orders' common prefix) answers what the plain two replays answer, on
// the histories of correct implementations and of zoo variants (whose
// histories often fail both orders), at both levels.
func TestWitnessSharesThePrefixSoundly(t *testing.T) {
	counts := map[bool]int{}
	for _, name := range []string{"idr", "idr-short-wrap", "pidmap-nonatomic-claim", "linux", "linux-inflight-visible"} {
		e := lookup(t, name)
		s, err := SpecFor(e.Spec, model.SmallParams(), e.Policy)
		if err != nil {
			t.Fatal(err)
		}
		g, _ := withOracle(GenOptions{Threads: 3, Ops: 4}, s).withDefaults()
		for i := range 300 {
			seed := ScenarioSeed(1, i)
			sc := Generate(SeedSource(seed), e.Level(), g)
			h := Run(e, sc, newPCT(seed, 3, 3*parallelOps(sc)), RunOptions{Drain: true}).History
			got, want := witnessed(s, h), witnessedPlain(s, h)
			if got != want {
				t.Fatalf("%s seed %#x: witnessed %v, the plain replays %v", name, seed, got, want)
			}
			counts[got]++
		}
		// A history cut short and the empty one.
		if witnessed(s, nil) != witnessedPlain(s, nil) {
			t.Fatalf("%s: the empty history", name)
		}
	}
	if counts[true] == 0 || counts[false] == 0 {
		t.Fatalf("witnessed %d histories, not %d: both kinds are needed", counts[true], counts[false])
	}
}
