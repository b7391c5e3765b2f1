package checker

import (
	"slices"
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// TestContractHoldsTheSpec: run generated scenarios' ops one after another
// through each process-level spec (its own results): every result is one
// the spec's contract lists for the kind, every failure hits a rule that
// declares that kind and errno, and every rule hit is one the spec lists.
// So the result kinds the coverage report expects are the spec's own.
func TestContractHoldsTheSpec(t *testing.T) {
	p := model.SmallParams()
	n := 600
	if testing.Short() {
		n = 150
	}
	for _, name := range []model.SpecName{model.SpecLinux, model.SpecOpenVZ, model.SpecPspace2006} {
		s, err := SpecFor(name, p, model.Unique)
		if err != nil {
			t.Fatal(err)
		}
		ct := spec.ContractOf(s)
		o := withOracle(GenOptions{Params: p}, s)
		seen := map[spec.Rule]bool{}
		for seed := range uint64(n) {
			sc := Generate(SeedSource(seed), model.ProcessLevel, o)
			ss, _ := SpecFor(name, sc.Params, model.Unique)
			ops := slices.Clone(sc.Init)
			for _, th := range sc.Threads {
				ops = append(ops, th...)
			}
			ops = append(ops, sc.Post...)
			st := ss.Init()
			var cov spec.Cover
			for _, op := range ops {
				want, _ := st.Expect(op)
				mark := cov.Len()
				ok, next, why := st.(spec.Coverer).StepCover(op, want, &cov)
				if !ok {
					t.Fatalf("%s seed %d: %s: the spec rejects its own result: %s", name, seed, op, why)
				}
				hits := cov.Hits()[mark:]
				if !slices.Contains(ct.Results[op.Kind], want.Err) && !slices.ContainsFunc(hits, func(r spec.Rule) bool { return r.Info().Input }) {
					t.Errorf("%s seed %d: %s answered %s, not in the contract's %v", name, seed, op, want.Err, ct.Results[op.Kind])
				}
				if want.Err != model.OK && !slices.ContainsFunc(hits, func(r spec.Rule) bool {
					return r.Info().Err == want.Err && slices.Contains(r.Info().Kinds, op.Kind)
				}) {
					t.Errorf("%s seed %d: %s answered %s; no rule it hit (%v) declares that", name, seed, op, want.Err, hits)
				}
				for _, r := range hits {
					if !slices.Contains(s.Rules, r) {
						t.Errorf("%s seed %d: %s hit %s, which the spec does not list", name, seed, op, r)
					}
					seen[r] = true
				}
				st = next
			}
		}
		if len(seen) < len(ct.Rules)/2 {
			t.Errorf("%s: only %d of %d rules hit by %d sequential scenarios", name, len(seen), len(ct.Rules), n)
		}
	}
}

// TestCoverageCounts: a run's coverage counts its history's ops and
// results and the rules of its witnessed linearization, and sums.
func TestCoverageCounts(t *testing.T) {
	s, err := SpecFor(model.SpecLinux, model.SmallParams(), model.Unique)
	if err != nil {
		t.Fatal(err)
	}
	h := []traces.Operation{
		{Thread: "main", Op: model.Op{Kind: model.Fork, Task: model.Root, Child: 1}, Result: model.Result{NSpid: []int{2}}, Call: 1, Return: 2},
		// A returns after B was called: the call order (A, B) has the
		// wait before the exit and answers 0; the spec accepts it.
		{Thread: "A", Op: model.Op{Kind: model.Wait, Task: model.Root, Pid: -1}, Result: model.Result{}, Call: 3, Return: 6},
		{Thread: "B", Op: model.Op{Kind: model.Exit, Task: 1}, Result: model.Result{}, Call: 4, Return: 5},
		{Thread: "main", Op: model.Op{Kind: model.Wait, Task: model.Root, Pid: -1}, Result: model.Fail(model.ECHILD), Call: 7, Return: 8},
	}
	c := measureCoverage(s, h, verdictOk)
	// The last wait answered ECHILD, but the zombie was never reaped: no
	// order linearizes this history, so no rule counts.
	if c.Witnessed != 0 || c.Rules[spec.WaitECHILD] != 0 || c.Ops[model.Wait] != 2 || c.Results[model.Wait][model.ECHILD] != 1 {
		t.Fatalf("unlinearizable: %+v", c)
	}
	h[3].Result = model.Result{N: 2, Status: model.Status{Code: 0}}
	c = measureCoverage(s, h, verdictOk)
	if c.Witnessed != 1 || c.Rules[spec.ForkFirst] != 0 || c.Rules[spec.WaitNone] != 1 || c.Rules[spec.WaitReap] != 1 || c.Rules[spec.ReparentInit] != 0 {
		t.Fatalf("witnessed: %+v", c.Rules)
	}
	if c.Ops[model.Fork] != 1 || c.Results[model.Wait][model.OK] != 2 {
		t.Fatalf("ops %v", c.Ops)
	}
	var sum Coverage
	sum.Add(c)
	sum.Add(c)
	if sum.Runs != 2 || sum.Rules[spec.WaitReap] != 2 || sum.Results[model.Fork][model.OK] != 2 {
		t.Fatalf("sum %+v", sum)
	}
	if v := measureCoverage(s, h, violation(traces.Linearizability)); v.Witnessed != 0 || v.Ops[model.Fork] != 1 {
		t.Fatalf("a violation counts no rules: %+v", v)
	}
	missing := sum.Missing(Expected(spec.ContractOf(s), nil))
	if !slices.Contains(missing, CoverageItem{Rule: spec.ForkWrap}) || slices.Contains(missing, CoverageItem{Rule: spec.WaitReap}) ||
		slices.Contains(missing, CoverageItem{Kind: model.Wait, Result: model.OK, IsResult: true}) {
		t.Fatalf("missing %v", missing)
	}
}
