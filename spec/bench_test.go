package spec

import (
	"slices"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// forkHeavy is a fork-heavy sequence: nested spaces, forks until a level is
// full, exits and reaps, so allocation wraps.
func forkHeavy() []model.Op {
	var ops []model.Op
	h := model.Handle(1)
	fork := func(by model.Handle) model.Handle {
		c := h
		h++
		ops = append(ops, model.Op{Kind: model.Fork, Task: by, Child: c})
		return c
	}
	ops = append(ops, model.Op{Kind: model.Unshare, Task: model.Root})
	init1 := fork(model.Root)
	ops = append(ops, model.Op{Kind: model.Unshare, Task: init1})
	init2 := fork(init1)
	for round := 0; round < 4; round++ {
		var kids []model.Handle
		for i := 0; i < 12; i++ {
			kids = append(kids, fork(init2))
		}
		for _, k := range kids {
			ops = append(ops, model.Op{Kind: model.Exit, Task: k, Code: 1})
			ops = append(ops, model.Op{Kind: model.Wait, Task: init2, Pid: -1})
		}
	}
	return ops
}

// BenchmarkStep measures Step per op on a fork-heavy sequence (the cost
// porcupine pays per step), observed results being the spec's own.
func BenchmarkStep(b *testing.B) {
	for _, pol := range []model.Policy{model.Cyclic, model.Unique} {
		b.Run(pol.String(), func(b *testing.B) {
			s := Linux(model.Params{PidMax: 32, Floor: 4, MaxLevel: 4}, pol)
			ops := forkHeavy()
			res := Run(s, ops)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				st := s.Init()
				for j, op := range ops {
					ok, next, why := st.Step(op, res[j])
					if !ok {
						b.Fatalf("%s: %s", op, why)
					}
					st = next
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ops)), "ns/op-step")
		})
	}
	// The same with a Cover (pidcheck check --coverage): its cost over the
	// plain Step above, in the same run.
	b.Run("unique-covered", func(b *testing.B) {
		s := Linux(model.Params{PidMax: 32, Floor: 4, MaxLevel: 4}, model.Unique)
		ops := forkHeavy()
		res := Run(s, ops)
		var cov Cover
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			st := s.Init()
			cov.Reset(0)
			for j, op := range ops {
				ok, next, why := st.(Coverer).StepCover(op, res[j], &cov)
				if !ok {
					b.Fatalf("%s: %s", op, why)
				}
				st = next
			}
			if !slices.Contains(cov.Hits(), ForkWrap) || !slices.Contains(cov.Hits(), WaitReap) {
				b.Fatalf("hits %v", cov.Hits())
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ops)), "ns/op-step")
	})
}

// BenchmarkKey measures the canonical key of a populated state.
func BenchmarkKey(b *testing.B) {
	s := Linux(model.Params{PidMax: 32, Floor: 4, MaxLevel: 4}, model.Cyclic)
	st := s.Init()
	for _, op := range forkHeavy()[:30] {
		_, st = st.Expect(op)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		st.(*linuxState).buildKey()
	}
}
