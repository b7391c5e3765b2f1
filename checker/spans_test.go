package checker

import (
	"path/filepath"
	"testing"

	"github.com/pidcheck/pidcheck/traces"
)

// TestSpans: on every corpus replay, each history op's span lies inside
// the run's decisions, ops of one thread get disjoint spans in call order,
// and the decisions the spans attribute to their ops' threads are some of
// the run's; a result rebuilt from a trace has none.
func TestSpans(t *testing.T) {
	checked := 0
	paths, err := filepath.Glob("../traces/zoo/*.trace")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus traces in ../traces/zoo: %v", err)
	}
	for _, path := range paths {
		tr, err := traces.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := Replay(lookup(t, tr.Impl), tr, RunOptions{})
		if err != nil {
			t.Fatalf("%s: replay: %v", path, err)
		}
		if rr.Diverged {
			// TestCorpusReplays reports it; spans need a faithful rerun.
			t.Logf("%s: skipped: replay diverged: %s", path, rr.Divergence)
			continue
		}
		checked++
		r := rr.Result
		spans := r.Spans()
		if len(spans) != len(r.History) {
			t.Fatalf("%s: %d spans for %d history ops", path, len(spans), len(r.History))
		}
		last := map[string]int{}
		attributed := 0
		for i, sp := range spans {
			h := r.History[i]
			if sp[0] < 0 || sp[0] > sp[1] || sp[1] > len(r.Decisions) {
				t.Fatalf("%s: op %d (%s %s): span %v outside [0, %d]", path, i, h.Thread, h.Op, sp, len(r.Decisions))
			}
			if sp[0] < last[h.Thread] {
				t.Fatalf("%s: op %d (%s %s): span %v overlaps the thread's previous op (ended at %d)", path, i, h.Thread, h.Op, sp, last[h.Thread])
			}
			last[h.Thread] = sp[1]
			for k := sp[0]; k < sp[1]; k++ {
				if r.Decisions[k].Thread == h.Thread {
					attributed++
				}
			}
		}
		if attributed == 0 {
			t.Fatalf("%s: no decision falls in any op's span", path)
		}
		if s := ResultFromTrace(tr).Spans(); s != nil {
			t.Fatalf("%s: a result rebuilt from a trace has spans %v", path, s)
		}
	}
	if checked == 0 {
		t.Fatal("no corpus trace replayed")
	}
}
