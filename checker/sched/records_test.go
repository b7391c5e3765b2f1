package sched

import (
	"slices"
	"testing"
)

// TestMaxRecordsKeepsTheHash: a run that keeps only its first decisions
// (Options.MaxRecords) has the hash, the step count and the verdict of the
// same run keeping all of them, and its decisions are their first ones.
func TestMaxRecordsKeepsTheHash(t *testing.T) {
	for seed := range uint64(20) {
		var final int32
		all := Run(NewRandom(seed), Options{}, counter(3, 20, false, &final))
		for _, limit := range []int{1, 7, 40} {
			cut := Run(NewRandom(seed), Options{MaxRecords: limit}, counter(3, 20, false, &final))
			if cut.Hash != all.Hash || cut.Steps != all.Steps || cut.Verdict != all.Verdict {
				t.Fatalf("seed %d, limit %d: hash %x steps %d %s, want %x %d %s", seed, limit, cut.Hash, cut.Steps, cut.Verdict, all.Hash, all.Steps, all.Verdict)
			}
			kept := cut.Decisions()
			if cut.Elided != all.Steps-len(kept) || cut.Elided == 0 {
				t.Fatalf("seed %d, limit %d: %d kept, %d elided of %d", seed, limit, len(kept), cut.Elided, all.Steps)
			}
			if !slices.EqualFunc(kept, all.Decisions()[:len(kept)], func(a, b Decision) bool { return a.String() == b.String() }) {
				t.Fatalf("seed %d, limit %d: the kept decisions are not the run's first", seed, limit)
			}
		}
	}
}

// TestRepeatsFold: a thread spinning on one load for a thousand decisions
// costs one record, and the outcome still lists every decision.
func TestRepeatsFold(t *testing.T) {
	o := Run(NewRandom(1), Options{}, func(env Env) {
		x := env.NewInt32("x", 0)
		for range 1000 {
			x.Load()
		}
	})
	if o.recs.kept > 3 || len(o.Decisions()) != o.Steps || o.Steps < 1000 {
		t.Fatalf("%d records kept for %d decisions (%d listed)", o.recs.kept, o.Steps, len(o.Decisions()))
	}
}

// TestReleasedRecordsAreReused: a run after another's Release gets its
// chunks and still records its own decisions (same hash and decisions as
// the same run before any release); the released outcome keeps its
// verdict, hash and step count and lists no decision.
func TestReleasedRecordsAreReused(t *testing.T) {
	var final int32
	fresh := make([][]Decision, 20)
	hashes := make([]uint64, 20)
	for seed := range uint64(20) {
		o := Run(NewRandom(seed), Options{}, counter(3, 20, false, &final))
		fresh[seed], hashes[seed] = o.Decisions(), o.Hash
	}
	reused := 0
	for seed := range uint64(20) {
		prev := Run(NewRandom(seed+100), Options{}, counter(3, 20, false, &final))
		first := &prev.recs.chunks[0][0]
		h, steps, v := prev.Hash, prev.Steps, prev.Verdict
		prev.Release()
		if prev.Hash != h || prev.Steps != steps || prev.Verdict != v || prev.Decisions() != nil {
			t.Fatalf("seed %d: released outcome: hash %x steps %d %s, %d decisions", seed, prev.Hash, prev.Steps, prev.Verdict, len(prev.Decisions()))
		}
		o := Run(NewRandom(seed), Options{}, counter(3, 20, false, &final))
		if &o.recs.chunks[0][0] == first {
			reused++
		}
		if o.Hash != hashes[seed] || !slices.EqualFunc(o.Decisions(), fresh[seed], func(a, b Decision) bool { return a.String() == b.String() }) {
			t.Fatalf("seed %d: the run on released chunks recorded other decisions", seed)
		}
	}
	if reused == 0 {
		t.Fatal("no run reused a released chunk")
	}
}
