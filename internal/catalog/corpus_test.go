package catalog_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/traces"
)

// corpusDir holds one shrunk failing trace per zoo variant.
const corpusDir = "../../traces/zoo"

// TestUpdateCorpus rewrites the corpus with -update-corpus: every zoo
// variant is explored with its default options (strategy pct, seed 1),
// the finding is shrunk and written to traces/zoo/<variant>.trace. The
// same command on the same code writes the same files.
//
//	go test ./internal/catalog -run TestUpdateCorpus -update-corpus
func TestUpdateCorpus(t *testing.T) {
	if !*flagUpdateCorpus {
		t.Skip("writes ../../traces/zoo: run with -update-corpus")
	}
	for _, e := range entries(t, true) {
		t.Run(e.Name, func(t *testing.T) {
			o := catalog.Options(e)
			o.Strategy, o.Seed, o.Schedules = checker.PCT, 1, 50000
			o.Accept = catalog.OwnBug(e, 20)
			rep, err := checker.Explore(catalog.Target(e), o)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Found == nil {
				t.Fatalf("not found in %d schedules", rep.Schedules)
			}
			// Shrink, keeping the fixed implementation passing.
			found := checker.Shrink(catalog.Target(e), rep.Found, checker.ShrinkOptions{Seed: 1, Keep: func(r *checker.Result) bool {
				bad, _ := catalog.FixedFails(e, r, 3)
				return bad == nil
			}})
			path := filepath.Join(corpusDir, e.Name+".trace")
			if err := traces.WriteFile(path, found.Trace()); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s, %d ops (from %d)", path, found.Verdict,
				checker.Undrained(found.Scenario).Ops(), checker.Undrained(rep.Original.Scenario).Ops())
		})
	}
}

func corpus(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.trace"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(files)
	if len(files) == 0 {
		t.Skip("no corpus yet: go test ./internal/catalog -run TestUpdateCorpus -update-corpus")
	}
	return files
}

// TestCorpusReplays: every corpus trace (a) replays exactly on its zoo
// variant, to the recorded verdict, and (b) the variant's fixed
// implementation passes the same scenario, under the trace's context
// switches and 40 random and 40 PCT schedules.
func TestCorpusReplays(t *testing.T) {
	for _, path := range corpus(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".trace"), func(t *testing.T) {
			tr, err := traces.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			e, err := alloc.Lookup(tr.Impl)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !e.Zoo {
				t.Fatalf("%s: %s is not a zoo variant", path, e.Name)
			}
			rr, err := checker.Replay(catalog.Target(e), tr, checker.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rr.Diverged {
				t.Fatalf("%s: replay diverged: %s\n(if %s changed on purpose, rewrite the corpus: go test ./internal/catalog -run TestUpdateCorpus -update-corpus)", path, rr.Divergence, e.Name)
			}
			if rr.Result.Verdict != tr.Verdict || tr.Verdict.Outcome != traces.Violation {
				t.Fatalf("%s: replay verdict %s, trace says %s", path, rr.Result.Verdict, tr.Verdict)
			}
			bad, err := catalog.FixedFails(e, checker.ResultFromTrace(tr), 40)
			if err != nil {
				t.Fatal(err)
			}
			if bad != nil {
				t.Fatalf("%s (fixed) fails the scenario: %s", e.Fixed, checker.Banner(bad, checker.Reproduce{}))
			}
		})
	}
}

// TestCorpusComplete: the corpus has exactly one trace per zoo variant.
func TestCorpusComplete(t *testing.T) {
	files := corpus(t)
	var have []string
	for _, f := range files {
		have = append(have, strings.TrimSuffix(filepath.Base(f), ".trace"))
	}
	for _, e := range entries(t, true) {
		if !slices.Contains(have, e.Name) {
			t.Errorf("no corpus trace for zoo variant %s (go test ./internal/catalog -run TestUpdateCorpus -update-corpus)", e.Name)
		}
	}
}

// TestCorpusDeterminism: every corpus trace replayed 100 times gives one
// decision hash, the recorded one.
func TestCorpusDeterminism(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 10
	}
	for _, path := range corpus(t) {
		tr, err := traces.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		e, err := alloc.Lookup(tr.Impl)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			rr, err := checker.Replay(catalog.Target(e), tr, checker.RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if rr.Diverged || rr.Result.Hash != tr.Hash {
				t.Fatalf("%s: replay %d: hash %#x (diverged %v: %s), trace says %#x", path, i, rr.Result.Hash, rr.Diverged, rr.Divergence, tr.Hash)
			}
		}
	}
}
