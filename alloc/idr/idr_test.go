package idr

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// correct is idr as the engine checks it: the allocator spec, cyclic.
var correct = alloctest.Correct("idr", model.SpecAlloc, model.Cyclic, New)

// zoo is the zoo variant bug, checked as correct is.
func zoo(bug Bug) checker.Target { return alloctest.Zoo(bug, model.SpecAlloc, model.Cyclic, NewZoo) }

// TestPropertyIdrSequential: on one thread, idr gives exactly the cyclic
// allocator spec's answers step by step (kernel/pid.c alloc_pid, lib/idr.c
// idr_alloc_cyclic).
func TestPropertyIdrSequential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := model.Params{PidMax: rapid.IntRange(6, 40).Draw(t, "pid_max"), MaxLevel: 1}
		p.Floor = rapid.IntRange(1, p.PidMax-1).Draw(t, "floor")
		a := New(sched.NewRealEnv(), p)
		st := spec.Allocator(p, model.Cyclic).Init()
		for i := range rapid.IntRange(1, 120).Draw(t, "steps") {
			op := alloctest.GenAllocOp(p).Draw(t, "op")
			got := a.Apply(op)
			want, next := st.Expect(op)
			if !got.Equal(op.Kind, want) { // exactly the spec's own answer
				_, _, why := st.Step(op, got)
				t.Fatalf("step %d: %s gave %s, want %s: %s\nstate: %s", i, op, got.Format(op.Kind), want.Format(op.Kind), why, st)
			}
			st = next
		}
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestIdrFirstNumbers pins the kernel's order: a fresh space counts from 1;
// past the end it wraps to the floor, not to 1; ns_last_pid below the floor
// makes low numbers reachable again (kernel/pid.c alloc_pid).
func TestIdrFirstNumbers(t *testing.T) {
	a := New(sched.NewRealEnv(), model.SmallParams()) // pid_max 16, floor 4
	var got []int
	for range 15 {
		got = append(got, a.Apply(model.Op{Kind: model.Alloc}).N)
	}
	for _, n := range []int{2, 3, 5, 9} {
		a.Apply(model.Op{Kind: model.Free, N: n})
	}
	got = append(got, a.Apply(model.Op{Kind: model.Alloc}).N) // wraps to floor 4: 5
	a.Apply(model.Op{Kind: model.SetCursor, N: 0})
	got = append(got, a.Apply(model.Op{Kind: model.Alloc}).N) // from 1: 2
	want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 5, 2}
	if model.FormatInts(got) != model.FormatInts(want) {
		t.Fatalf("allocated %v, want %v", got, want)
	}
}

// TestIdrStress: many goroutines on the pass-through Env (run with -race)
// never hold the same number at once, and every free of a held number
// succeeds.
func TestIdrStress(t *testing.T) {
	alloctest.Stress(t, correct.New, model.Params{PidMax: 64, Floor: 4, MaxLevel: 1}, 8, 2000)
	alloctest.Stress(t, correct.New, model.Params{PidMax: 24, Floor: 4, MaxLevel: 1}, 8, 2000) // often full
}

// TestIdrConcurrentRandom: random scenarios under random schedules are
// linearizable with respect to the cyclic spec.
func TestIdrConcurrentRandom(t *testing.T) {
	alloctest.CheckRandom(t, correct, model.SmallParams(), 3, 400, alloctest.Busy)
}

// TestIdrExhaustive: every schedule of a mixed scenario with up to two
// preemptions (one in -short and -race runs) is linearizable (cyclic).
func TestIdrExhaustive(t *testing.T) {
	n := alloctest.CheckExhaustive(t, correct, alloctest.MixedScenario(t), alloctest.DFSBound())
	t.Logf("%d runs", n)
}
