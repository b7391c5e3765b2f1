package checker

import (
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// TestCompareShowsTheDesignsDiffer: the three designs agree on a plain
// fork in the root space and disagree on the numbers inside a container.
func TestCompareShowsTheDesignsDiffer(t *testing.T) {
	ops := []model.Op{
		{Kind: model.Fork, Task: 0, Child: 1},
		{Kind: model.Unshare, Task: 1},
		{Kind: model.Fork, Task: 1, Child: 2},
		{Kind: model.Fork, Task: 2, Child: 3},
		{Kind: model.GetPid, Task: 3},
		{Kind: model.Translate, Task: 0, Target: 3},
	}
	c, err := Compare(ops, model.SmallParams(), model.Cyclic)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Specs) != 3 || len(c.Rows) != len(ops) {
		t.Fatalf("got %d specs, %d rows", len(c.Specs), len(c.Rows))
	}
	if c.Rows[0].Differ {
		t.Errorf("a fork in the root space differs: %v", c.Rows[0].Results)
	}
	if c.Differences() == 0 {
		t.Errorf("no differences between %v", c.Specs)
	}
	tab := c.Table()
	if !strings.Contains(tab, "≠") || !strings.Contains(tab, "pspace2006") {
		t.Errorf("table lacks the marks or the columns:\n%s", tab)
	}
	t.Logf("\n%s", tab)
	if _, err := Compare([]model.Op{{Kind: model.Alloc}}, model.SmallParams(), model.Cyclic); err == nil {
		t.Error("an allocator op was compared")
	}
	if _, err := Compare(ops, model.SmallParams(), model.Cyclic, "bogus"); err == nil {
		t.Error("an unknown spec was accepted")
	}
}

// TestRandomSequentialIsDeterministic: compare --random N shows the same
// op lists for the same seeds.
func TestRandomSequentialIsDeterministic(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		a, b := RandomSequential(seed, model.SmallParams()), RandomSequential(seed, model.SmallParams())
		if len(a) != len(b) || len(a) == 0 {
			t.Fatalf("seed %d: %d vs %d ops", seed, len(a), len(b))
		}
		for i := range a {
			if !a[i].Equal(b[i]) {
				t.Fatalf("seed %d op %d: %s vs %s", seed, i, a[i], b[i])
			}
		}
		if _, err := Compare(a, model.SmallParams(), model.Cyclic); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

// TestCompareImplsAgreesWithSpecs: each design's implementation, run
// sequentially by CompareImpls, gives answers its own spec (with the
// policy it claims) accepts, and the table differs from the specs' table
// only where the policy leaves a choice.
func TestCompareImplsAgreesWithSpecs(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		ops := RandomSequential(seed, model.SmallParams())
		impls, err := CompareImpls(ops, model.SmallParams(), lookup(t, "linux"), lookup(t, "openvz"), lookup(t, "pspace2006"))
		if err != nil {
			t.Fatal(err)
		}
		for j, name := range impls.Specs {
			e := lookup(t, name)
			s, err := SpecFor(e.Spec, model.SmallParams(), e.Policy)
			if err != nil {
				t.Fatal(err)
			}
			st := s.Init()
			for i, row := range impls.Rows {
				ok, next, why := st.Step(row.Op, row.Results[j])
				if !ok {
					t.Fatalf("seed %d: %s answers op %d %q with %s: %s", seed, name, i, row.Op, row.Results[j].Format(row.Op.Kind), why)
				}
				st = next
			}
		}
	}
}
