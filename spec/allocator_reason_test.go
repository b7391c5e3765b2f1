package spec

import (
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// TestAllocatorRejectionReasons: Step builds its reason only when it
// rejects a step (apply formats nothing), and the reason is still there
// and still says what the spec gives and why, for every op kind and each
// of its answers. The strings are the ones the spec gave when apply
// formatted a reason at every step.
func TestAllocatorRejectionReasons(t *testing.T) {
	p := model.SmallParams() // pid_max 16, floor 4
	ops := func(kinds ...model.Op) []model.Op { return kinds }
	cases := []struct {
		pol   model.Policy
		setup []model.Op // run with Expect first
		op    model.Op
		obs   model.Result
		want  string
	}{
		{model.Cyclic, nil, model.Op{Kind: model.Alloc}, model.Result{N: 5},
			"alloc returned 5; the spec gives 1: cyclic allocation from cursor 0 (below 16) gives 1"},
		{model.Cyclic, ops(model.Op{Kind: model.SetCursor, N: 14}), model.Op{Kind: model.Alloc}, model.Result{N: 1},
			"alloc returned 1; the spec gives 15: cyclic allocation from cursor 15 (wrapping to 4, below 16) gives 15"},
		{model.Cyclic, ops(model.Op{Kind: model.SetMax, N: 5}, model.Op{Kind: model.AllocAt, N: 4}, model.Op{Kind: model.SetCursor, N: 4}),
			model.Op{Kind: model.Alloc}, model.Result{N: 4},
			"alloc returned 4; the spec gives EAGAIN: cyclic allocation from cursor 5 (wrapping to 4, below 5) finds no free number"},
		{model.Lowest, ops(model.Op{Kind: model.Disable}), model.Op{Kind: model.Alloc}, model.Result{N: 1},
			"alloc returned 1; the spec gives ENOMEM: the allocator is disabled"},
		{model.Unique, ops(model.Op{Kind: model.Alloc}), model.Op{Kind: model.Alloc}, model.Result{N: 1},
			"alloc returned 1; 1 is already taken"},
		{model.Cyclic, nil, model.Op{Kind: model.Free, N: 3}, model.Result{},
			"free 3 returned ok; the spec gives EINVAL: 3 is not allocated"},
		{model.Cyclic, ops(model.Op{Kind: model.Alloc}), model.Op{Kind: model.Free, N: 1}, model.Fail(model.EINVAL),
			"free 1 returned EINVAL; the spec gives ok: 1 was allocated"},
		{model.Cyclic, nil, model.Op{Kind: model.AllocAt, N: 16}, model.Result{},
			"alloc_at 16 returned ok; the spec gives EINVAL: 16 is out of range [1, 16)"},
		{model.Cyclic, ops(model.Op{Kind: model.Alloc}), model.Op{Kind: model.AllocAt, N: 1}, model.Result{},
			"alloc_at 1 returned ok; the spec gives EEXIST: 1 is taken"},
		{model.Cyclic, nil, model.Op{Kind: model.AllocAt, N: 7}, model.Fail(model.EEXIST),
			"alloc_at 7 returned EEXIST; the spec gives ok: 7 was free"},
		{model.Cyclic, nil, model.Op{Kind: model.SetCursor, N: 17}, model.Result{},
			"set_cursor 17 returned ok; the spec gives EINVAL: 17 is out of range [0, 16]"},
		{model.Cyclic, nil, model.Op{Kind: model.SetCursor, N: 3}, model.Fail(model.EINVAL),
			"set_cursor 3 returned EINVAL; the spec gives ok: any value in [0, max] is accepted"},
		{model.Cyclic, nil, model.Op{Kind: model.SetMax, N: 4}, model.Result{},
			"set_max 4 returned ok; the spec gives EINVAL: pid_max must be in [5, 16]"},
		{model.Cyclic, nil, model.Op{Kind: model.SetMax, N: 9}, model.Fail(model.EINVAL),
			"set_max 9 returned EINVAL; the spec gives ok: 9 is in [5, 16]"},
		{model.Cyclic, nil, model.Op{Kind: model.Disable}, model.Fail(model.EINVAL),
			"disable returned EINVAL; the spec gives ok: disable always succeeds"},
	}
	for _, c := range cases {
		st := Allocator(p, c.pol).Init()
		for _, op := range c.setup {
			_, st = st.Expect(op)
		}
		ok, next, reason := st.Step(c.op, c.obs)
		if ok {
			t.Errorf("%s %v after %v: %s accepted", c.pol, c.op, c.setup, c.obs.Format(c.op.Kind))
			continue
		}
		if next != st {
			t.Errorf("%s %v: a rejected step moved the state", c.pol, c.op)
		}
		if reason != c.want {
			t.Errorf("%s %v after %v:\n got %q\nwant %q", c.pol, c.op, c.setup, reason, c.want)
		}
	}
}

// TestAllocatorBranchesKeepTheirOwnNumbers: states extend their taken
// list in place when they can (take), yet every state keeps exactly its
// own numbers however many successors are built from it, in whatever
// order, from several goroutines at once (run with -race too). Each
// branch's numbers are checked against a plain list built beside it.
func TestAllocatorBranchesKeepTheirOwnNumbers(t *testing.T) {
	p := model.SmallParams()
	p.PidMax = 4096
	type node struct {
		st   State
		want []int
	}
	// grow adds steps successors to nodes, each of a random one of them.
	grow := func(nodes []node, seed uint64, steps int) []node {
		r := rand.New(rand.NewPCG(seed, 1))
		for range steps {
			parent := nodes[r.IntN(len(nodes))]
			var n int
			if len(parent.want) > 0 && r.IntN(4) == 0 {
				n = parent.want[r.IntN(len(parent.want))] // free
			} else {
				n = 1 + r.IntN(p.PidMax-1)
				if r.IntN(2) == 0 && len(parent.want) > 0 {
					n = min(parent.want[len(parent.want)-1]+1+r.IntN(3), p.PidMax-1) // above every taken one
				}
			}
			want := slices.Clone(parent.want)
			var op model.Op
			if i, found := slices.BinarySearch(want, n); found {
				op = model.Op{Kind: model.Free, N: n}
				want = slices.Delete(want, i, i+1)
			} else {
				op = model.Op{Kind: model.AllocAt, N: n}
				want = slices.Insert(want, i, n)
			}
			ok, next, why := parent.st.Step(op, model.Result{})
			if !ok {
				t.Errorf("%v from %v: %s", op, parent.want, why)
				return nodes
			}
			nodes = append(nodes, node{next, want})
		}
		return nodes
	}
	// The goroutines branch from states they share.
	shared := grow([]node{{Allocator(p, model.Unique).Init(), nil}}, 99, 300)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			nodes := grow(slices.Clone(shared), uint64(g), 3000)
			for _, nd := range nodes {
				if got := nd.st.(*allocState).taken; !slices.Equal(got, nd.want) {
					t.Errorf("a state holds %v, want %v", got, nd.want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestStepInPlaceIsStep: on random allocator histories, each policy, a
// state stepped in place accepts and rejects what Step does and ends equal
// to Step's next state (Key), ExpectInPlace answers what Expect does, and
// the state a copy was taken from is left alone.
func TestStepInPlaceIsStep(t *testing.T) {
	kinds := []model.Kind{model.Alloc, model.Alloc, model.Alloc, model.Free, model.AllocAt, model.SetCursor, model.SetMax, model.Disable}
	for _, pol := range []model.Policy{model.Cyclic, model.Lowest, model.Unique} {
		s := Allocator(model.Params{PidMax: 12, Floor: 3, MaxLevel: 32}, pol)
		rng := rand.New(rand.NewPCG(uint64(pol), 7))
		accepted, rejected := 0, 0
		for range 300 {
			st := s.Init()
			own := st.(InPlace).Own()
			for range 40 {
				op := model.Op{Kind: kinds[rng.IntN(len(kinds))], N: rng.IntN(15) - 1}
				if op.Kind == model.Disable && rng.IntN(4) > 0 {
					op.Kind = model.Alloc
				}
				obs, expected := st.Expect(op)
				if inPlace := own.Own(); !inPlace.ExpectInPlace(op).Equal(op.Kind, obs) || inPlace.Key() != expected.Key() {
					t.Fatalf("%s: %s in %s: ExpectInPlace is not Expect", pol, op, st.Key())
				}
				switch rng.IntN(4) {
				case 0:
					obs = model.Result{N: rng.IntN(13)}
				case 1:
					obs = model.Fail([]model.Errno{model.EAGAIN, model.ENOMEM, model.EINVAL, model.EEXIST}[rng.IntN(4)])
				}
				before := st.Key()
				ok, next, _ := st.Step(op, obs)
				copied := own.Own()
				if got := copied.StepInPlace(op, obs); got != ok {
					t.Fatalf("%s: %s answering %s in %s: Step %v, StepInPlace %v", pol, op, obs.Format(op.Kind), before, ok, got)
				}
				if st.Key() != before || own.Key() != before {
					t.Fatalf("%s: %s: a step changed the state it was taken from", pol, op)
				}
				if !ok {
					rejected++
					continue
				}
				accepted++
				if copied.Key() != next.Key() {
					t.Fatalf("%s: %s answering %s in %s: in place %s, Step %s", pol, op, obs.Format(op.Kind), before, copied.Key(), next.Key())
				}
				st, own = next, copied
			}
		}
		if accepted < 1000 || rejected < 1000 {
			t.Errorf("%s: %d accepted, %d rejected steps: both kinds are needed", pol, accepted, rejected)
		}
	}
}
