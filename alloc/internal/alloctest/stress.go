package alloctest

import (
	"sync"
	"testing"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// Stress runs threads goroutines doing rounds of alloc/free on a shared
// allocator (the pass-through Env: run it with -race) and checks that held
// numbers are unique and that every free of a held number succeeds.
func Stress(t testing.TB, newImpl checker.NewImpl, p model.Params, threads, rounds int) {
	t.Helper()
	var mu sync.Mutex
	holder := map[int]int{}
	var problems []string
	report := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 5 {
			problems = append(problems, s)
		}
	}
	err := sched.RunReal(func(env sched.Env) {
		a := newImpl(env, p)
		for th := range threads {
			env.Go(model.ThreadName(th), func() {
				var held []int
				for i := range rounds {
					if len(held) > 0 && (len(held) > 6 || (i*7+th)%3 == 0) {
						n := held[0]
						held = held[1:]
						mu.Lock()
						delete(holder, n)
						mu.Unlock()
						if r := a.Apply(model.Op{Kind: model.Free, N: n}); r.Err != model.OK {
							report("free of a held number failed: " + r.Err.String())
						}
						continue
					}
					r := a.Apply(model.Op{Kind: model.Alloc})
					if r.Err == model.EAGAIN {
						continue
					}
					if r.Err != model.OK || r.N < 1 || r.N >= p.PidMax {
						report("alloc returned " + r.Format(model.Alloc))
						continue
					}
					mu.Lock()
					if other, ok := holder[r.N]; ok {
						mu.Unlock()
						report("number handed out twice: " + r.Format(model.Alloc) + " also held by " + model.ThreadName(other))
						continue
					}
					holder[r.N] = th
					mu.Unlock()
					held = append(held, r.N)
				}
			})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("%d problems, first: %v", len(problems), problems)
	}
}
