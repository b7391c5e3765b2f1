package catalog_test

import (
	"flag"
	"path/filepath"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

var (
	flagBig          = flag.Bool("big", false, "pidcheck: explore with bigger budgets (minutes)")
	flagUpdateCorpus = flag.Bool("update-corpus", false, "pidcheck: rewrite ../../traces/zoo/<variant>.trace from fresh, shrunk findings")
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

// entries are the registry's correct implementations, or its zoo.
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
// property (scenario and interleaving drawn from rapid), a PCT, a
// random and a POS exploration, and (allocators) a PCT exploration of a 130-number
// space. Budgets grow with -big and -rapid.checks.
func TestPropertyCorrect(t *testing.T) {
	for _, e := range entries(t, false) {
		t.Run(e.Name, func(t *testing.T) {
			o := catalog.Options(e)
			rapid.Check(t, checker.Property(catalog.Target(e), o.Gen, o.Run, filepath.Join("testdata", "pidcheck"), nil))
			runs := []checker.ExploreOptions{
				{Strategy: checker.PCT, Schedules: budget(1000, 50000), Seed: 1, Gen: o.Gen},
				{Strategy: checker.Random, Schedules: budget(1000, 50000), Seed: 1, Gen: o.Gen},
				{Strategy: checker.POS, Schedules: budget(1000, 50000), Seed: 1, Gen: o.Gen},
			}
			if e.Level == model.AllocLevel {
				// A bitmap of three words, sometimes nearly full.
				runs = append(runs, checker.ExploreOptions{Strategy: checker.PCT, Schedules: budget(300, 10000), Seed: 1,
					Gen: checker.GenOptions{Params: model.Params{PidMax: 130, Floor: 4, MaxLevel: model.KernelMaxLevel}}})
			}
			for _, o := range runs {
				rep, err := checker.Explore(catalog.Target(e), o)
				if err != nil {
					t.Fatal(err)
				}
				switch rep.Verdict.Outcome {
				case traces.Violation:
					t.Fatalf("%s", checker.Banner(rep.Found, checker.Reproduce{}))
				case traces.Unknown:
					t.Fatalf("%s: inconclusive: %s", o.Strategy, rep.Unknown.Reason)
				}
			}
		})
	}
}

// zooBudget is the stated budget, pidcheck zoo's default: the default
// strategy (pct, seed 1, the default options, counting only findings the
// fixed implementation passes) finds every zoo variant within this many
// schedules. (linux-exec-late-release needs the most, 26,323: with frees
// allowed to lag inside their op, only a lookup or translate in its window
// still shows it.)
const zooBudget = 50000

// TestPropertyZooFound: the checker finds every zoo variant within
// zooBudget schedules, the finding replays to the same verdict, and the
// variant's fixed implementation passes the found scenario.
func TestPropertyZooFound(t *testing.T) {
	for _, e := range entries(t, true) {
		t.Run(e.Name, func(t *testing.T) {
			o := catalog.Options(e)
			o.Schedules, o.Seed = zooBudget, 1
			o.Accept = catalog.OwnBug(e, 20) // the variant's own bug, not one its fix shares
			rep, err := checker.Explore(catalog.Target(e), o)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Found == nil {
				t.Fatalf("%s (%s) not found in %d schedules (%d findings the fix shares skipped)", e.Name, e.Bug, rep.Schedules, rep.Rejected)
			}
			t.Logf("found after %d schedules (%d findings the fix shares skipped): %s", rep.Schedules, rep.Rejected, rep.Found.Verdict)
			assertReplays(t, catalog.Target(e), rep.Found)
			bad, err := catalog.FixedFails(e, rep.Found, 40)
			if err != nil {
				t.Fatal(err)
			}
			if bad != nil {
				t.Fatalf("the finding is not %s's own bug: the fixed implementation %s fails it too:\n%s", e.Name, e.Fixed, checker.Banner(bad, checker.Reproduce{}))
			}
		})
	}
}

// assertReplays holds r to checker.ReplaysAsRecorded.
func assertReplays(t *testing.T, target checker.Target, r *checker.Result) {
	t.Helper()
	if err := checker.ReplaysAsRecorded(target, r); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkScenario: one whole small scenario — generate, run under a
// random schedule, judge — per correct implementation, with the default
// parameters (model.SmallParams).
func BenchmarkScenario(b *testing.B) {
	for _, e := range entries(b, false) {
		b.Run(e.Name, func(b *testing.B) { benchScenarios(b, e, model.SmallParams()) })
	}
}
