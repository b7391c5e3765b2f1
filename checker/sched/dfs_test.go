package sched

import "testing"

// Three tiny programs whose decision trees are counted by hand. In each,
// main starts A (the first decision, the only choice), then starts B (its
// second op) and returns. A preemption is a choice of another thread while
// the thread that made the previous step could continue.

// twoStoresEach: A stores x twice, B stores y twice.
func twoStoresEach(env Env) {
	x, y := env.NewInt32("x", 0), env.NewInt32("y", 0)
	env.Go("A", func() { x.Store(1); x.Store(2) })
	env.Go("B", func() { y.Store(1); y.Store(2) })
}

// oneIncrementEach: A and B each Load x then Store x+1.
func oneIncrementEach(env Env) {
	x := env.NewInt32("x", 0)
	inc := func() { v := x.Load(); x.Store(v + 1) }
	env.Go("A", inc)
	env.Go("B", inc)
}

// oneStoreEach: A stores x, B stores y.
func oneStoreEach(env Env) {
	x, y := env.NewInt32("x", 0), env.NewInt32("y", 0)
	env.Go("A", func() { x.Store(1) })
	env.Go("B", func() { y.Store(1) })
}

func explore(t *testing.T, body func(env Env), bound int, sleep bool) (runs, pruned int) {
	t.Helper()
	d := NewDFS(bound)
	if !sleep {
		d.WithoutSleepSets()
	}
	for d.Next() {
		if o := Run(d, Options{}, body); o.Verdict != Done && o.Verdict != Pruned {
			t.Fatalf("%v", o)
		}
	}
	if !d.Exhausted() {
		t.Fatal("not exhausted")
	}
	return d.Count(), d.Pruned()
}

// TestDFSCounts compares the runs DFS makes with hand-derived counts.
//
// After "main go A", the steps left are main's g (go B) and the threads'
// ops, B's only after g. Without sleep sets every interleaving is one run:
//
//   - oneStoreEach: g, a, b with g before b: 3!/2 = 3 runs.
//   - twoStoresEach: chain g b1 b2 merged with chain a1 a2: C(5,2) = 10.
//   - oneIncrementEach: chain g Lb Sb merged with La Sa: C(5,2) = 10.
//
// With sleep sets (Go is independent of everything; stores to different
// objects are independent; two Loads of x are independent; a Load and a
// Store of x are not), DFS explores main-first and A-before-B, and:
//
//   - oneStoreEach: run 1 g a b completes; backtracking to b after g puts A
//     (a, independent of b) to sleep, so run 2 "g b" is pruned when only A
//     is left; backtracking to a at the start puts main (g) to sleep, so
//     run 3 "a" is pruned. 3 runs, 2 pruned, 1 complete: all three
//     interleavings are equivalent.
//   - twoStoresEach: run 1 g a1 a2 b1 b2; then g a1 b1 (A sleeps) b2 →
//     pruned; g b1 (A sleeps) b2 → pruned; a1 (main sleeps) a2 → pruned.
//     4 runs, 3 pruned, 1 complete.
//   - oneIncrementEach: Mazurkiewicz traces are fixed by the order of La/Sb,
//     Lb/Sa and Sa/Sb: La Sa Lb Sb; La Lb Sa Sb (≡ Lb La Sa Sb); La Lb Sb Sa
//     (≡ Lb La Sb Sa); Lb Sb La Sa — 4 complete runs (g La Sa Lb Sb,
//     g La Lb Sb Sa, g La Lb Sa Sb, g Lb Sb La Sa: after g Lb, A sleeps
//     because La is independent of Lb, and wakes at Sb). The run starting
//     with a (main asleep) is pruned after La Sa: 5 runs, 1 pruned.
//
// With preemption bound k and no sleep sets, the 10 interleavings of
// oneIncrementEach make these preemptions (after "main go A"):
//
//	g La Sa Lb Sb 0    g Lb Sb La Sa 0    g La Lb Sb Sa 1    g Lb La Sa Sb 1
//	La Sa g Lb Sb 1    g La Lb Sa Sb 2    g Lb La Sb Sa 2    La g Sa Lb Sb 2
//	La g Lb Sb Sa 2    La g Lb Sa Sb 3
//
// so bound 0, 1, 2, 3 give 2, 5, 9, 10 runs.
func TestDFSCounts(t *testing.T) {
	for _, tc := range []struct {
		name         string
		body         func(env Env)
		bound        int
		sleep        bool
		runs, pruned int
	}{
		{"oneStoreEach", oneStoreEach, -1, false, 3, 0},
		{"oneStoreEach", oneStoreEach, -1, true, 3, 2},
		{"twoStoresEach", twoStoresEach, -1, false, 10, 0},
		{"twoStoresEach", twoStoresEach, -1, true, 4, 3},
		{"oneIncrementEach", oneIncrementEach, -1, false, 10, 0},
		{"oneIncrementEach", oneIncrementEach, -1, true, 5, 1},
		{"oneIncrementEach", oneIncrementEach, 0, false, 2, 0},
		{"oneIncrementEach", oneIncrementEach, 1, false, 5, 0},
		{"oneIncrementEach", oneIncrementEach, 2, false, 9, 0},
		{"oneIncrementEach", oneIncrementEach, 3, false, 10, 0},
	} {
		runs, pruned := explore(t, tc.body, tc.bound, tc.sleep)
		if runs != tc.runs || pruned != tc.pruned {
			t.Errorf("%s bound %d sleep sets %v: %d runs, %d pruned; want %d, %d", tc.name, tc.bound, tc.sleep, runs, pruned, tc.runs, tc.pruned)
		}
	}
}
