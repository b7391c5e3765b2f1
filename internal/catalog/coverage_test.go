package catalog_test

import (
	"slices"
	"testing"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// keyRules are the rules the generator must reach even in a -short run:
// the shapes that are hardest to generate (an allocator wrapped, full
// above its floor, pid_max lowered under a taken number; first forks,
// wraps and full spaces, the depth limit, dead spaces, set_tid, joined spaces, dying
// inits and their members, reparenting, autoreap, groups kept alive,
// threads and exec).
var keyRules = []spec.Rule{
	spec.AllocWrap, spec.AllocEAGAINFloor, spec.AllocAnyHigh, spec.SetMaxBelowTaken,
	spec.ForkFirst, spec.ForkWrap, spec.ForkEAGAIN, spec.UnshareDepth, spec.ForkDead,
	spec.TidOne, spec.TidSeveral, spec.TidEEXIST, spec.SetNsBelow, spec.ForkJoined,
	spec.WaitInitMembers, spec.InitDies, spec.ReparentInit, spec.ReparentSubreaper, spec.Autoreap,
	spec.HeldPid, spec.SetSidLeader, spec.SetSidGroup, spec.ThreadLeaderFirst, spec.ExecNonLeader, spec.ThreadedInit,
}

// TestCoverageReachesContract: a PCT exploration of every correct
// implementation (3000 schedules; -short 1000) reaches every op kind,
// result kind and rule its spec's contract expects (-short: every key rule
// the spec has, and 95% of the rest). The default pidcheck check spends
// several times this budget on each.
func TestCoverageReachesContract(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 1000
	}
	for _, e := range entries(t, false) {
		t.Run(e.Name, func(t *testing.T) {
			o := catalog.Options(e)
			o.Schedules, o.Seed = n, 1
			o.Run.Coverage = true
			rep, err := checker.Explore(catalog.Target(e), o)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Found != nil {
				t.Fatalf("%s: %s", rep.Verdict, rep.Found.Reason)
			}
			s, err := checker.SpecFor(e.Spec, o.Gen.Params, e.Policy)
			if err != nil {
				t.Fatal(err)
			}
			ct := spec.ContractOf(s)
			want := checker.Expected(ct, o.Gen.Leave)
			if least := map[model.Level]int{model.ProcessLevel: 50, model.AllocLevel: 30}[e.Level]; len(want) < least {
				t.Fatalf("%s's contract expects only %d items", s.Name, len(want))
			}
			c := rep.Coverage
			if c == nil || c.Runs != rep.Schedules || c.Witnessed < rep.Schedules*9/10 {
				t.Fatalf("coverage %+v of %d schedules", c, rep.Schedules)
			}
			missing := c.Missing(want)
			if !testing.Short() {
				for _, it := range missing {
					t.Errorf("not reached in %d schedules: %s", n, it)
				}
				return
			}
			for _, it := range missing {
				if it.Rule != 0 && slices.Contains(keyRules, it.Rule) {
					t.Errorf("key rule not reached in %d schedules: %s", n, it)
				}
			}
			if len(missing) > len(want)/20 {
				t.Errorf("%d of %d items not reached in %d schedules: %v", len(missing), len(want), n, missing)
			}
		})
	}
}
