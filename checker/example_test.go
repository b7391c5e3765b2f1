package checker_test

import (
	"fmt"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// lowest is a user's allocator: the lowest free number, under one lock.
// With racy set, alloc looks for a free number in one critical section
// and takes it in another — the check-then-act race pidcheck exists to
// catch.
type lowest struct {
	mu       sched.Mutex
	taken    map[int]bool
	max      int
	p        model.Params
	disabled bool
	racy     bool
}

func newLowest(racy bool) func(env sched.Env, p model.Params) model.Impl {
	return func(env sched.Env, p model.Params) model.Impl {
		return &lowest{mu: env.NewMutex("lowest.lock"), taken: map[int]bool{}, max: p.PidMax, p: p, racy: racy}
	}
}

func (a *lowest) Apply(op model.Op) model.Result {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch op.Kind {
	case model.Alloc:
		n := 1
		for n < a.max && a.taken[n] {
			n++
		}
		if n == a.max {
			return model.Fail(model.EAGAIN)
		}
		if a.disabled {
			return model.Fail(model.ENOMEM)
		}
		if a.racy {
			a.mu.Unlock() // check, then act: another thread may take n meanwhile
			a.mu.Lock()
		}
		a.taken[n] = true
		return model.Result{N: n}
	case model.Free:
		if !a.taken[op.N] {
			return model.Fail(model.EINVAL)
		}
		delete(a.taken, op.N)
	case model.AllocAt:
		switch {
		case op.N < 1 || op.N >= a.max:
			return model.Fail(model.EINVAL)
		case a.taken[op.N]:
			return model.Fail(model.EEXIST)
		case a.disabled:
			return model.Fail(model.ENOMEM)
		}
		a.taken[op.N] = true
	case model.SetCursor:
		if op.N < 0 || op.N > a.max {
			return model.Fail(model.EINVAL)
		}
	case model.SetMax:
		if op.N <= a.p.Floor || op.N > a.p.PidMax {
			return model.Fail(model.EINVAL)
		}
		a.max = op.N
	case model.Disable:
		a.disabled = true
	}
	return model.Result{}
}

// Checking your own implementation. From a test, one call does it all —
// explore, shrink, write the trace, fail with the banner:
//
//	func TestMyAllocator(t *testing.T) {
//		checker.Check(t, newLowest(false), checker.ExploreOptions{Spec: "alloc", Policy: model.Lowest, Schedules: 2000})
//	}
//
// Explore is the same engine without a test: here it passes the correct
// allocator and catches the racy one.
func Example() {
	for _, racy := range []bool{false, true} {
		e := checker.Target{Name: fmt.Sprintf("lowest racy=%v", racy), Spec: model.SpecAlloc, Policy: model.Lowest, New: newLowest(racy)}
		rep, err := checker.Explore(e, checker.ExploreOptions{Schedules: 2000, Seed: 1})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: %s\n", e.Name, rep.Verdict)
	}
	// Output:
	// lowest racy=false: ok
	// lowest racy=true: violation linearizability
}
