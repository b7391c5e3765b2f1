package spec

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
)

// The brute-force reference: a plain scan over a set, written from the
// kernel's description (lib/idr.c idr_alloc_cyclic as kernel/pid.c
// alloc_pid calls it) without reusing Pick.

// refCandidates lists, in the order the policy tries them, the numbers it
// may hand out.
func refCandidates(pol model.Policy, cursor, floor, max int) []int {
	var out []int
	if pol != model.Cyclic {
		for n := 1; n < max; n++ {
			out = append(out, n)
		}
		return out
	}
	lo := 1
	if cursor > floor {
		lo = floor
	}
	start := cursor
	if start < lo {
		start = lo
	}
	for n := start; n < max; n++ {
		out = append(out, n)
	}
	for n := lo; n < start && n < max; n++ {
		out = append(out, n)
	}
	return out
}

// refFree lists the numbers the policy may return for taken (the first
// candidate only, except for Unique: every free candidate).
func refFree(pol model.Policy, taken map[int]bool, cursor, floor, max int) []int {
	var out []int
	for _, n := range refCandidates(pol, cursor, floor, max) {
		if !taken[n] {
			out = append(out, n)
			if pol != model.Unique {
				break
			}
		}
	}
	return out
}

// refFullFrom reports whether every number in [from, max) is taken: when
// it holds, a unique allocator may answer EAGAIN, because a cyclic one
// whose cursor passed the floor scans only [floor, max) and Unique must
// allow all that Cyclic does.
func refFullFrom(taken map[int]bool, from, max int) bool {
	for n := from; n < max; n++ {
		if !taken[n] {
			return false
		}
	}
	return true
}

func genTaken(t *rapid.T, max int) map[int]bool {
	taken := map[int]bool{}
	for n := 1; n < max+2; n++ {
		if rapid.IntRange(0, 3).Draw(t, "taken") > 0 {
			taken[n] = true
		}
	}
	return taken
}

// TestPropertyPickMatchesBruteForce: Pick and Allowed agree with the plain
// scan for all three policies.
func TestPropertyPickMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pol := rapid.SampledFrom([]model.Policy{model.Cyclic, model.Lowest, model.Unique}).Draw(t, "policy")
		floor := rapid.IntRange(1, 6).Draw(t, "floor")
		max := rapid.IntRange(floor+1, 12).Draw(t, "max")
		cursor := rapid.IntRange(0, max+2).Draw(t, "cursor")
		taken := genTaken(t, max)
		has := func(n int) bool { return taken[n] }
		want := refFree(pol, taken, cursor, floor, max)
		n, ok := Pick(pol, has, cursor, floor, max)
		if ok != (len(want) > 0) || (ok && n != want[0]) {
			t.Fatalf("Pick = %d, %v; brute force allows %v", n, ok, want)
		}
		allowed := map[int]bool{}
		for _, w := range want {
			allowed[w] = true
		}
		for m := -1; m <= max+2; m++ {
			got, why := Allowed(pol, has, cursor, floor, max, m)
			exp := allowed[m] || (m == 0 && (len(want) == 0 || (pol == model.Unique && refFullFrom(taken, floor, max))))
			if got != exp {
				t.Fatalf("Allowed(%d) = %v (%s), brute force: %v (allows %v)", m, got, why, exp, want)
			}
			if !got && why == "" {
				t.Fatalf("Allowed(%d) = false without a reason", m)
			}
		}
	})
}

// refAllocator is the brute-force allocator: a set, a cursor, a max.
type refAllocator struct {
	taken    map[int]bool
	cursor   int
	max      int
	disabled bool
}

// TestPropertyAllocatorMatchesBruteForce: the Allocator spec's Step accepts
// exactly what the reference allows, for random op sequences and all three
// policies; Expect's choice is always among them.
func TestPropertyAllocatorMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pol := rapid.SampledFrom([]model.Policy{model.Cyclic, model.Lowest, model.Unique}).Draw(t, "policy")
		floor := rapid.IntRange(1, 4).Draw(t, "floor")
		p := model.Params{PidMax: rapid.IntRange(floor+1, 10).Draw(t, "pid_max"), Floor: floor}
		st := Allocator(p, pol).Init()
		ref := refAllocator{taken: map[int]bool{}, max: p.PidMax}
		steps := rapid.IntRange(1, 60).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			op := model.Op{Kind: rapid.SampledFrom([]model.Kind{model.Alloc, model.Alloc, model.Alloc, model.Free, model.AllocAt, model.SetCursor, model.SetMax, model.Disable}).Draw(t, "kind")}
			op.N = rapid.IntRange(-1, p.PidMax+1).Draw(t, "n")
			if op.Kind == model.Alloc || op.Kind == model.Disable {
				op.N = 0
			}
			// The reference's answer(s).
			var answers []model.Result
			next := ref
			switch op.Kind {
			case model.Alloc:
				free := refFree(pol, ref.taken, ref.cursor, floor, ref.max)
				if len(free) == 0 || (pol == model.Unique && refFullFrom(ref.taken, floor, ref.max)) {
					answers = append(answers, model.Fail(model.EAGAIN))
				}
				if ref.disabled {
					answers = append(answers, model.Fail(model.ENOMEM))
				} else {
					for _, n := range free {
						answers = append(answers, model.Result{N: n})
					}
				}
			case model.Free:
				answers = []model.Result{model.Fail(model.EINVAL)}
				if ref.taken[op.N] {
					answers = []model.Result{{}}
				}
			case model.AllocAt:
				switch {
				case op.N < 1 || op.N >= ref.max:
					answers = []model.Result{model.Fail(model.EINVAL)}
				case ref.taken[op.N] && ref.disabled:
					answers = []model.Result{model.Fail(model.EEXIST), model.Fail(model.ENOMEM)}
				case ref.taken[op.N]:
					answers = []model.Result{model.Fail(model.EEXIST)}
				case ref.disabled:
					answers = []model.Result{model.Fail(model.ENOMEM)}
				default:
					answers = []model.Result{{}}
				}
			case model.SetCursor:
				answers = []model.Result{model.Fail(model.EINVAL)}
				if op.N >= 0 && op.N <= ref.max {
					answers = []model.Result{{}}
				}
			case model.SetMax:
				answers = []model.Result{model.Fail(model.EINVAL)}
				if op.N > floor && op.N <= p.PidMax {
					answers = []model.Result{{}}
				}
			case model.Disable:
				answers = []model.Result{{}}
			}
			// Every reference answer passes Step; some other results do not.
			for _, a := range answers {
				if ok, _, why := st.Step(op, a); !ok {
					t.Fatalf("%s -> %s: Step rejects a reference answer: %s\n%s", op, a.Format(op.Kind), why, st)
				}
			}
			for _, bogus := range []model.Result{{N: -7}, model.Fail(model.EPERM)} {
				if ok, _, _ := st.Step(op, bogus); ok && op.Kind == model.Alloc {
					t.Fatalf("%s -> %s: Step accepts a result no reference allows", op, bogus.Format(op.Kind))
				}
			}
			// Expect's own choice is one of them; follow it.
			r, n := st.Expect(op)
			found := false
			for _, a := range answers {
				found = found || a.Equal(op.Kind, r)
			}
			if !found {
				t.Fatalf("%s: Expect gives %s, reference allows %v", op, r.Format(op.Kind), answers)
			}
			next.taken = map[int]bool{}
			for k, v := range ref.taken {
				next.taken[k] = v
			}
			if r.Err == model.OK {
				switch op.Kind {
				case model.Alloc:
					next.taken[r.N] = true
					next.cursor = r.N + 1
				case model.Free:
					delete(next.taken, op.N)
				case model.AllocAt:
					next.taken[op.N] = true
				case model.SetCursor:
					next.cursor = op.N + 1
				case model.SetMax:
					next.max = op.N
				case model.Disable:
					next.disabled = true
				}
			}
			ref, st = next, n
		}
	})
}

// TestPropertyLinuxForkMatchesBruteForce: in a single space (max_level 0) a
// fork's number is what the brute-force scan allows, for every policy.
func TestPropertyLinuxForkMatchesBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genParams(t)
		p.MaxLevel = 0
		pol := rapid.SampledFrom([]model.Policy{model.Cyclic, model.Lowest, model.Unique}).Draw(t, "policy")
		st := newLinux(p, pol)
		next := model.Handle(1)
		steps := rapid.IntRange(1, 60).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			op := genLinuxOp(t, st, &next, false)
			if op.Kind == model.Fork && st.liveTask(op.Task) >= 0 {
				sp := st.spaces[0]
				taken := map[int]bool{}
				for _, n := range sp.taken {
					taken[n] = true
				}
				free := refFree(pol, taken, sp.cursor, p.Floor, sp.pidMax)
				for _, n := range free {
					if ok, _, why := st.Step(op, model.Result{NSpid: []int{n}}); !ok {
						t.Fatalf("%s -> [%d] rejected: %s", op, n, why)
					}
				}
				if len(free) == 0 || (pol == model.Unique && refFullFrom(taken, p.Floor, sp.pidMax)) {
					if ok, _, why := st.Step(op, model.Fail(model.EAGAIN)); !ok {
						t.Fatalf("%s -> EAGAIN rejected: %s", op, why)
					}
				}
			}
			_, n := st.Expect(op)
			st = n.(*linuxState)
		}
	})
}
