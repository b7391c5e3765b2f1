package linmodel

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// concurrentForks builds a legal history: threads fork children of t0 at
// overlapping times; the numbers are handed out in call order.
func concurrentForks(threads, each int) []porcupine.Operation {
	var h []porcupine.Operation
	child := model.Handle(1)
	num := 2
	tick := int64(0)
	for round := 0; round < each; round++ {
		start := tick
		for th := 0; th < threads; th++ {
			h = append(h, porcupine.Operation{
				ClientId: th,
				Input:    model.Op{Kind: model.Fork, Task: model.Root, Child: child},
				Output:   model.Result{NSpid: []int{num}},
				Call:     start + int64(th),
				Return:   start + int64(threads) + int64(th),
			})
			child++
			num++
		}
		tick = start + int64(2*threads) + 1
	}
	return h
}

// BenchmarkCheckConcurrentForks measures a porcupine check of a legal
// history of 4 threads × 8 overlapping forks under the Linux spec.
func BenchmarkCheckConcurrentForks(b *testing.B) {
	s := spec.Linux(model.Params{PidMax: 64, Floor: 4, MaxLevel: 4}, model.Cyclic)
	h := concurrentForks(4, 8)
	m := Model(s)
	for i := 0; i < b.N; i++ {
		if r := porcupine.CheckOperationsTimeout(m, h, 10*time.Second); r != porcupine.Ok {
			b.Fatalf("check: %v", r)
		}
	}
}

func TestConcurrentForksLegal(t *testing.T) {
	s := spec.Linux(model.Params{PidMax: 64, Floor: 4, MaxLevel: 4}, model.Cyclic)
	h := concurrentForks(3, 3)
	if r := porcupine.CheckOperationsTimeout(Model(s), h, 10*time.Second); r != porcupine.Ok {
		t.Fatalf("legal concurrent forks: %v", r)
	}
	// Swap two numbers across rounds: illegal (the rounds do not overlap).
	h[0].Output, h[len(h)-1].Output = h[len(h)-1].Output, h[0].Output
	if r := porcupine.CheckOperationsTimeout(Model(s), h, 10*time.Second); r != porcupine.Illegal {
		t.Fatalf("numbers swapped across rounds: %v", r)
	}
}
