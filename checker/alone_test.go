package checker

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// TestPropertyMarkAlone: markAlone marks exactly the ops that no op but a
// read-only one overlaps (shared ticks overlap), as the quadratic
// definition says, on random histories in any order, ticks repeated
// (a kernel history's clock may give two events one time).
func TestPropertyMarkAlone(t *testing.T) {
	s := spec.Linux(model.SmallParams(), model.CyclicAlone)
	kinds := []model.Kind{model.Fork, model.Wait, model.GetPid, model.Lookup, model.SetLastPid, model.GetLastPid, model.Exit}
	var alone, not int
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(t, "ops")
		h := make([]traces.Operation, n)
		for i := range h {
			c := rapid.IntRange(0, 30).Draw(t, "call")
			h[i] = traces.Operation{Op: model.Op{Kind: rapid.SampledFrom(kinds).Draw(t, "kind"), Alone: rapid.Bool().Draw(t, "stale")},
				Call: c, Return: c + rapid.IntRange(0, 8).Draw(t, "len")}
		}
		markAlone(s, h)
		for i := range h {
			want := true
			for j := range h {
				if j != i && !h[j].Op.Kind.ReadOnly() && h[j].Call <= h[i].Return && h[i].Call <= h[j].Return {
					want = false
				}
			}
			if h[i].Op.Alone != want {
				t.Fatalf("op %d (%s [%d,%d]): alone %v, want %v", i, h[i].Op.Kind, h[i].Call, h[i].Return, h[i].Op.Alone, want)
			}
			if want {
				alone++
			} else {
				not++
			}
		}
	})
	if alone == 0 || not == 0 {
		t.Fatalf("alone %d, not alone %d: the histories test one case only", alone, not)
	}
	// Other policies are left alone.
	h := []traces.Operation{{Op: model.Op{Kind: model.Fork}, Call: 0, Return: 1}}
	markAlone(spec.Linux(model.SmallParams(), model.Unique), h)
	if h[0].Op.Alone {
		t.Fatal("markAlone marked an op for policy unique")
	}
}
