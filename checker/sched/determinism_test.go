package sched

import (
	"testing"

	"pgregory.net/rapid"
)

// mixed is a program touching every primitive, for determinism tests.
func mixed(env Env) {
	mu := env.NewMutex("mu")
	rw := env.NewRWMutex("rw")
	c := env.NewCond("c", mu)
	x := env.NewInt32("x", 0)
	bits := env.NewInt64("bits", 0)
	done := env.NewInt32("done", 0)
	for i := 0; i < 3; i++ {
		env.Go(string(rune('A'+i)), func() {
			if i == 0 {
				env.Go("D", func() { x.Add(10); env.Yield(); bits.Load() })
			}
			for j := 0; j < 3; j++ {
				v := x.Load()
				if !x.CompareAndSwap(v, v+1) {
					x.Add(1)
				}
				bits.Or(1 << (i*8 + j))
				rw.RLock()
				x.Load()
				rw.RUnlock()
				if mu.TryLock() {
					mu.Unlock()
				}
				env.Yield()
			}
			bits.And(^int64(1))
			x.Swap(x.Load())
			mu.Lock()
			done.Add(1)
			c.Broadcast()
			mu.Unlock()
		})
	}
	mu.Lock()
	for done.Load() < 3 {
		c.Wait()
	}
	mu.Unlock()
	rw.Lock()
	x.Store(0)
	rw.Unlock()
	env.WaitUntil("threads done", func() bool { return done.Load() == 3 })
}

// testDeterminism: every strategy, run twice from the same seed, makes the
// same decisions (equal hashes and equal decision lists).
func testDeterminism(t *testing.T) {
	type maker struct {
		name string
		runs func() []*Outcome
	}
	makers := []maker{
		{"random", func() []*Outcome {
			var out []*Outcome
			for seed := range uint64(5) {
				out = append(out, Run(NewRandom(seed), Options{}, mixed))
			}
			return out
		}},
		{"pct", func() []*Outcome {
			c := NewPCT(42, 3)
			var out []*Outcome
			for range 5 {
				out = append(out, Run(c, Options{}, mixed))
			}
			return out
		}},
		{"pos", func() []*Outcome {
			c := NewPOS(42)
			var out []*Outcome
			for range 5 {
				out = append(out, Run(c, Options{}, mixed))
			}
			return out
		}},
		{"dfs", func() []*Outcome {
			d := NewDFS(1)
			var out []*Outcome
			for d.Next() && d.Count() <= 20 {
				out = append(out, Run(d, Options{}, mixed))
			}
			return out
		}},
		{"rapid", func() []*Outcome {
			gen := rapid.Custom(func(rt *rapid.T) *Outcome { return Run(newRapid(rt), Options{}, mixed) })
			var out []*Outcome
			for seed := range 5 {
				out = append(out, gen.Example(seed))
			}
			return out
		}},
	}
	for _, m := range makers {
		a, b := m.runs(), m.runs()
		distinct := map[uint64]bool{}
		for i := range a {
			if a[i].Verdict != Done && a[i].Verdict != Pruned {
				t.Fatalf("%s run %d: %v\n%s", m.name, i, a[i], a[i].Tail(10))
			}
			if a[i].Hash != b[i].Hash || a[i].Steps != b[i].Steps {
				t.Fatalf("%s run %d: hashes differ (%016x, %016x): non-determinism found", m.name, i, a[i].Hash, b[i].Hash)
			}
			distinct[a[i].Hash] = true
			// Replay is a strategy too: it must reproduce the run.
			if a[i].Verdict == Done {
				r := Run(NewReplay(a[i].Decisions()), Options{}, mixed)
				if r.Verdict != Done || r.Hash != a[i].Hash {
					t.Fatalf("%s run %d: replay gave %v, want hash %016x", m.name, i, r, a[i].Hash)
				}
			}
		}
		if len(distinct) < 2 {
			t.Errorf("%s: all %d runs made the same decisions", m.name, len(a))
		}
	}
}

func TestDeterminismSameSeedSameHash(t *testing.T) { testDeterminism(t) }
