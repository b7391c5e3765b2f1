package checker

import (
	"flag"
	"path/filepath"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

var (
	flagBig          = flag.Bool("big", false, "pidcheck: explore with bigger budgets (minutes)")
	flagUpdateCorpus = flag.Bool("update-corpus", false, "pidcheck: rewrite ../traces/zoo/<variant>.trace from fresh, shrunk findings")
	flagZooStats     = flag.Bool("zoostats", false, "pidcheck: measure schedules to first failure per zoo variant and strategy")
)

// budget picks the small or the -big budget.
func budget(small, big int) int {
	if *flagBig {
		return big
	}
	if testing.Short() {
		return max(small/4, 1)
	}
	return small
}

func entries(t testing.TB, zoo bool) []alloc.Entry {
	var out []alloc.Entry
	for _, e := range alloc.Registry() {
		if e.Zoo == zoo {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		t.Skipf("the registry has no %s implementations yet", map[bool]string{false: "correct", true: "zoo"}[zoo])
	}
	return out
}

// TestPropertyCorrect: every correct implementation passes a rapid
// property (scenario and interleaving drawn from rapid), a PCT and a
// random exploration, and (allocators) a PCT exploration of a 130-number
// space. Budgets grow with -big and -rapid.checks.
func TestPropertyCorrect(t *testing.T) {
	for _, e := range entries(t, false) {
		t.Run(e.Name, func(t *testing.T) {
			o := DefaultOptions(e)
			o.TraceDir = filepath.Join("testdata", "pidcheck")
			rapid.Check(t, Property(e, o, nil))
			runs := []Options{
				{Strategy: "pct", Schedules: budget(1000, 50000), Seed: 1},
				{Strategy: "random", Schedules: budget(1000, 50000), Seed: 1},
			}
			if e.Level == model.AllocLevel {
				// A bitmap of three words, sometimes nearly full.
				runs = append(runs, Options{Strategy: "pct", Schedules: budget(300, 10000), Seed: 1,
					Params: model.Params{PidMax: 130, Floor: 4, MaxLevel: model.KernelMaxLevel}})
			}
			for _, o := range runs {
				strat := o.Strategy
				rep, err := Explore(e, o)
				if err != nil {
					t.Fatal(err)
				}
				switch rep.Verdict.Outcome {
				case traces.Violation:
					t.Fatalf("%s", Banner(rep.Found, "", nil))
				case traces.Unknown:
					t.Fatalf("%s: inconclusive: %s", strat, rep.Unknown.Reason)
				}
			}
		})
	}
}

// zooBudget is the stated budget: the default strategy (pct, seed 1,
// DefaultOptions, counting only findings the fixed implementation passes)
// finds every zoo variant within this many schedules.
const zooBudget = 20000

// TestPropertyZooFound: the checker finds every zoo variant within
// zooBudget schedules, the finding replays to the same verdict, and the
// variant's fixed implementation passes the found scenario.
func TestPropertyZooFound(t *testing.T) {
	for _, e := range entries(t, true) {
		t.Run(e.Name, func(t *testing.T) {
			o := DefaultOptions(e)
			o.Schedules, o.Seed = zooBudget, 1
			o.Accept = OwnBug(e, 20) // the variant's own bug, not one its fix shares
			rep, err := Explore(e, o)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Found == nil {
				t.Fatalf("%s (%s) not found in %d schedules (%d findings the fix shares skipped)", e.Name, e.Bug, rep.Schedules, rep.Rejected)
			}
			t.Logf("found after %d schedules (%d findings the fix shares skipped): %s", rep.Schedules, rep.Rejected, rep.Found.Verdict)
			assertReplays(t, e, rep.Found)
			bad, err := FixedFails(e, rep.Found, 40)
			if err != nil {
				t.Fatal(err)
			}
			if bad != nil {
				t.Fatalf("the finding is not %s's own bug: the fixed implementation %s fails it too:\n%s", e.Name, e.Fixed, Banner(bad, "", nil))
			}
		})
	}
}

// assertPasses runs the (undrained) scenario of r on a correct
// implementation under the same context switches and under n random and
// n PCT schedules: every run must be Ok.
func assertPasses(t *testing.T, e alloc.Entry, r *Result, n int) {
	t.Helper()
	if got := fails(e, r, n); got != nil {
		t.Fatalf("%s (fixed) fails the scenario: %s", e.Name, Banner(got, "", nil))
	}
}

// BenchmarkScenario: one whole small scenario — generate, run under a
// random schedule, judge — per implementation.
func BenchmarkScenario(b *testing.B) {
	all := append([]alloc.Entry{toyEntry("alloc", false), toyEntry("linux", false)}, alloc.Registry()...)
	for _, e := range all {
		if e.Zoo {
			continue
		}
		b.Run(e.Name, func(b *testing.B) {
			s, err := SpecFor(e.Spec, model.SmallParams(), e.Policy)
			if err != nil {
				b.Skip(err)
			}
			g := Options{}.genOptions(s)
			g = g.withDefaults()
			for i := 0; b.Loop(); i++ {
				seed := ScenarioSeed(1, i)
				sc := Generate(SeedSource(seed), e.Level, g)
				r := Run(e, sc, sched.NewRandom(seed), RunOptions{Drain: true, lean: true})
				if r.Verdict.Outcome == traces.Violation {
					b.Fatalf("%s", Banner(r, "", nil))
				}
			}
		})
	}
}
