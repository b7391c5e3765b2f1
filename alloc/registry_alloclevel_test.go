package alloc

import (
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// TestAllocLevelEntries: every allocator-level entry is well formed, each
// zoo variant names a correct allocator-level entry as its fix, and each
// implementation, fresh and alone, hands out 1 first (kernel/pid.c
// alloc_pid: a fresh space counts from 1).
func TestAllocLevelEntries(t *testing.T) {
	entries := allocLevel()
	correct := map[string]bool{}
	for _, e := range entries {
		if !e.Zoo {
			correct[e.Name] = true
		}
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if seen[e.Name] {
			t.Errorf("%s: listed twice", e.Name)
		}
		seen[e.Name] = true
		if e.Level != model.AllocLevel || e.Spec != "alloc" || e.New == nil {
			t.Errorf("%s: level %s, spec %q, constructor set %v", e.Name, e.Level, e.Spec, e.New != nil)
		}
		if e.Zoo && (!correct[e.Fixed] || e.Bug == "") {
			t.Errorf("%s: zoo entry with fix %q and bug %q", e.Name, e.Fixed, e.Bug)
		}
		if !e.Zoo && (e.Fixed != "" || e.Bug != "") {
			t.Errorf("%s: a correct entry with a fix or bug line", e.Name)
		}
		impl := e.New(sched.NewRealEnv(), model.SmallParams())
		if r := impl.Apply(model.Op{Kind: model.Alloc}); r.Err != model.OK || r.N != 1 {
			t.Errorf("%s: first alloc = %s, want 1", e.Name, r.Format(model.Alloc))
		}
	}
	if len(correct) != 3 || len(entries)-len(correct) < 5 {
		t.Errorf("%d correct and %d zoo entries, want 3 and at least 5", len(correct), len(entries)-len(correct))
	}
}
