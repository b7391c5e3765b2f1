package spec

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
)

// TestPropertyCyclicRefinesUnique: whatever the cyclic spec answers, the
// unique spec accepts — at both levels. An implementation that is exactly
// cyclic (the kernel on one thread) must never fail a Unique check; this
// once failed for a fork that got EAGAIN with free numbers below the floor
// (cursor past the floor: kernel/pid.c alloc_pid scans [RESERVED_PIDS,
// pid_max) only).
func TestPropertyCyclicRefinesUnique(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genParams(t)
		cyc := newLinux(p, model.Cyclic)
		var uni State = newLinux(p, model.Unique)
		next := model.Handle(1)
		for i, steps := 0, rapid.IntRange(1, 80).Draw(t, "steps"); i < steps; i++ {
			op := genLinuxOp(t, cyc, &next, false)
			r, n := cyc.Expect(op)
			ok, un, why := uni.Step(op, r)
			if !ok {
				t.Fatalf("%s -> %s: cyclic gives it, unique rejects it: %s", op, r.Format(op.Kind), why)
			}
			cyc, uni = n.(*linuxState), un
		}
	})
	rapid.Check(t, func(t *rapid.T) {
		floor := rapid.IntRange(1, 4).Draw(t, "floor")
		p := model.Params{PidMax: rapid.IntRange(floor+1, 10).Draw(t, "pid_max"), Floor: floor}
		cyc, uni := Allocator(p, model.Cyclic).Init(), Allocator(p, model.Unique).Init()
		for i, steps := 0, rapid.IntRange(1, 60).Draw(t, "steps"); i < steps; i++ {
			op := model.Op{Kind: rapid.SampledFrom([]model.Kind{model.Alloc, model.Alloc, model.Free, model.AllocAt, model.SetCursor, model.SetMax, model.Disable}).Draw(t, "kind")}
			if op.Kind != model.Alloc && op.Kind != model.Disable {
				op.N = rapid.IntRange(0, p.PidMax).Draw(t, "n")
			}
			r, n := cyc.Expect(op)
			ok, un, why := uni.Step(op, r)
			if !ok {
				t.Fatalf("%s -> %s: cyclic gives it, unique rejects it: %s", op, r.Format(op.Kind), why)
			}
			cyc, uni = n, un
		}
	})
}

// TestPropertyCyclicAloneBetween: cyclic-alone lies between cyclic and
// unique: cyclic where every op ran alone, unique where none did. Along a
// sequence of ops (all alone, none alone, or each at random):
//   - whatever the cyclic spec answers, cyclic-alone accepts (an
//     implementation that is exactly cyclic passes);
//   - whatever cyclic-alone answers, unique accepts;
//   - with every op alone, cyclic-alone accepts an answer (the cyclic
//     spec's, or the unique spec's own) exactly when cyclic does, with
//     the same reason, and answers as cyclic does;
//   - an op not alone it accepts exactly when unique does.
func TestPropertyCyclicAloneBetween(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genParams(t)
		mode := rapid.SampledFrom([]string{"all", "none", "mixed"}).Draw(t, "mode")
		cyc := newLinux(p, model.Cyclic)
		var ca, uni State = newLinux(p, model.CyclicAlone), newLinux(p, model.Unique)
		next := model.Handle(1)
		for i, steps := 0, rapid.IntRange(1, 80).Draw(t, "steps"); i < steps; i++ {
			op := genLinuxOp(t, cyc, &next, false)
			op.Alone = mode == "all" || (mode == "mixed" && rapid.Bool().Draw(t, "alone"))
			r, n := cyc.Expect(op)
			ur, _ := uni.Expect(op)
			an, un := checkBetween(t, op, mode == "all", cyc, ca, uni, r, ur)
			cyc, ca, uni = n.(*linuxState), an, un
		}
	})
}

// TestCyclicAloneCursors: how ops that overlapped others leave cursors
// under cyclic-alone. Each step is an op, whether it ran alone, its
// answer and whether the spec must accept it. The second sequence is the
// shape of a history saved from the kernel (cmd/pidcheck testdata
// lastpid-write-lost.cyclic.trace, checked on 6.18): a cursor written
// while a fork was in flight is lost, and the next fork, alone, takes a
// number no cyclic order gives.
func TestCyclicAloneCursors(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps []aloneStep
	}{
		{"alone forks are cyclic", []aloneStep{
			{"t0 fork t1", true, "[2]", true},
			{"t1 exit 0", true, "ok", true},
			{"t0 wait -1", true, "2 exited 0", true},
			{"t0 fork t2", true, "[2]", false}, // free, but cyclic gives 3
			{"t0 fork t2", true, "[3]", true},
			{"t0 read_last_pid", true, "3", true},
			{"t0 read_last_pid", true, "2", false},
		}},
		{"a write lost to a fork in flight", []aloneStep{
			{"t0 ns_last_pid 9", true, "ok", true},
			{"t0 fork t1", false, "[10]", true},
			{"t0 ns_last_pid 4", false, "ok", true}, // overlapped t0 fork t1: lost or not
			{"t0 fork t2", true, "[11]", true},      // the write was lost
			{"t0 fork t3", true, "[12]", true},
			{"t0 fork t4", true, "[5]", false}, // known again: cyclic gives 13
		}},
		{"a fork that overlapped moves no cursor the spec can know", []aloneStep{
			{"t0 fork t1", false, "[2]", true},
			{"t0 fork t2", true, "[7]", true}, // an overlapping fork may have taken 3–6 and failed
			{"t0 fork t3", true, "[8]", true},
			{"t0 fork t4", true, "[3]", false},
		}},
		{"a failed fork that overlapped", []aloneStep{
			{"t0 fork t1", true, "[2]", true},
			{"t9 fork t2", false, "ESRCH", true}, // no such task: yet it overlapped, and may have allocated before failing
			{"t0 fork t3", true, "[9]", true},
			{"t0 fork t4", true, "[4]", false},
			{"t0 fork t4", true, "[10]", true},
		}},
		{"a write alone makes the cursor known", []aloneStep{
			{"t0 fork t1", false, "[2]", true},
			{"t0 ns_last_pid 12", true, "ok", true},
			{"t0 fork t3", true, "[9]", false}, // cyclic gives 13
			{"t0 fork t3", true, "[13]", true},
		}},
		{"a write that overlapped leaves the cursor as it was", []aloneStep{
			{"t0 fork t1", true, "[2]", true},
			{"t0 ns_last_pid 12", false, "ok", true}, // it overlapped no fork: it is exact
			{"t0 fork t3", true, "[9]", false},
			{"t0 fork t3", true, "[13]", true},
			{"t0 fork t4", false, "[3]", true},
			{"t0 ns_last_pid 6", false, "ok", true}, // it overlapped the fork: it may be lost
			{"t0 fork t5", true, "[14]", true},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			walkAloneSteps(t, Linux(model.Params{PidMax: 16, Floor: 4, MaxLevel: 2}, model.CyclicAlone).Init(), c.steps)
		})
	}
}

// TestPropertyAllocCyclicAloneBetween is TestPropertyCyclicAloneBetween
// at the allocator level: cyclic ⊆ cyclic-alone ⊆ unique; every op alone,
// it is cyclic (answers, refusals and their reasons); an op not alone it
// accepts exactly when unique does.
func TestPropertyAllocCyclicAloneBetween(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		floor := rapid.IntRange(1, 4).Draw(t, "floor")
		p := model.Params{PidMax: rapid.IntRange(floor+1, 10).Draw(t, "pid_max"), Floor: floor}
		mode := rapid.SampledFrom([]string{"all", "none", "mixed"}).Draw(t, "mode")
		cyc, ca, uni := Allocator(p, model.Cyclic).Init(), Allocator(p, model.CyclicAlone).Init(), Allocator(p, model.Unique).Init()
		for i, steps := 0, rapid.IntRange(1, 60).Draw(t, "steps"); i < steps; i++ {
			op := model.Op{Kind: rapid.SampledFrom([]model.Kind{model.Alloc, model.Alloc, model.Alloc, model.Free, model.AllocAt, model.SetCursor, model.SetMax, model.Disable}).Draw(t, "kind")}
			if op.Kind != model.Alloc && op.Kind != model.Disable {
				op.N = rapid.IntRange(0, p.PidMax).Draw(t, "n")
			}
			op.Alone = mode == "all" || (mode == "mixed" && rapid.Bool().Draw(t, "alone"))
			r, n := cyc.Expect(op)
			ur, _ := uni.Expect(op)
			// Another free number, which unique allows and cyclic may not.
			xs := []model.Result{r, ur}
			if op.Kind == model.Alloc {
				xs = append(xs, model.Result{N: rapid.IntRange(1, p.PidMax-1).Draw(t, "other")})
			}
			an, un := checkBetween(t, op, mode == "all", cyc, ca, uni, xs...)
			cyc, ca, uni = n, an, un
		}
	})
}

// TestAllocCyclicAloneCursors: the cursor rules of cyclic-alone at the
// allocator level, step by step (as TestCyclicAloneCursors).
func TestAllocCyclicAloneCursors(t *testing.T) {
	for _, c := range []struct {
		name  string
		steps []aloneStep
	}{
		{"alone allocs are cyclic", []aloneStep{
			{"alloc", true, "1", true},
			{"free 1", true, "ok", true},
			{"alloc", true, "1", false}, // free, but cyclic gives 2
			{"alloc", true, "2", true},
		}},
		{"an alloc that overlapped leaves the cursor unknown", []aloneStep{
			{"alloc", false, "1", true},
			{"alloc", true, "5", true},  // the overlapping one may have taken 2–4 and freed them
			{"alloc", true, "3", false}, // known again: cyclic gives 6
			{"alloc", true, "6", true},
		}},
		{"a set_cursor alone makes it known", []aloneStep{
			{"alloc", false, "1", true},
			{"set_cursor 9", true, "ok", true},
			{"alloc", true, "3", false}, // cyclic gives 10
			{"alloc", true, "10", true},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			walkAloneSteps(t, Allocator(model.Params{PidMax: 16, Floor: 4}, model.CyclicAlone).Init(), c.steps)
		})
	}
}

// aloneStep is one step of a cyclic-alone table test: an op, whether it
// ran alone, its answer, and whether the spec must accept it.
type aloneStep struct {
	op    string
	alone bool
	res   string
	ok    bool
}

// walkAloneSteps steps st through steps, failing at the first step the
// spec accepts or refuses against the table; a refused step leaves the
// state as it was.
func walkAloneSteps(t *testing.T, st State, steps []aloneStep) {
	t.Helper()
	for i, s := range steps {
		op, err := model.ParseOp(s.op)
		if err != nil {
			t.Fatal(err)
		}
		op.Alone = s.alone
		r, err := model.ParseResult(op.Kind, s.res)
		if err != nil {
			t.Fatal(err)
		}
		ok, next, why := st.Step(op, r)
		if ok != s.ok {
			t.Fatalf("step %d: %s (alone %v) -> %s: accepted %v, want %v (%s)", i, op, s.alone, s.res, ok, s.ok, why)
		}
		if ok {
			st = next
		}
	}
}

// checkBetween checks one op of the cyclic-alone properties in states
// cyc, ca and uni (cyclic, cyclic-alone, unique; r is the cyclic spec's
// answer, first of xs): every answer in xs is judged by cyclic-alone as
// by cyclic when every op runs alone (allAlone), and as by unique when op
// does not; cyclic-alone accepts r, unique accepts cyclic-alone's own
// answer, which is r when every op runs alone. It returns cyclic-alone's
// and unique's states after r.
func checkBetween(t *rapid.T, op model.Op, allAlone bool, cyc, ca, uni State, xs ...model.Result) (State, State) {
	r := xs[0]
	for _, x := range xs {
		okC, _, whyC := cyc.Step(op, x)
		okA, _, whyA := ca.Step(op, x)
		okU, _, whyU := uni.Step(op, x)
		switch {
		case allAlone && (okC != okA || whyC != whyA):
			t.Fatalf("%s -> %s, every op alone: cyclic says %v (%s), cyclic-alone %v (%s)", op, x.Format(op.Kind), okC, whyC, okA, whyA)
		case !op.Alone && okU != okA:
			t.Fatalf("%s -> %s, not alone: unique says %v (%s), cyclic-alone %v (%s)", op, x.Format(op.Kind), okU, whyU, okA, whyA)
		}
	}
	ok, an, why := ca.Step(op, r)
	if !ok {
		t.Fatalf("%s (alone %v) -> %s: cyclic gives it, cyclic-alone rejects it: %s", op, op.Alone, r.Format(op.Kind), why)
	}
	ar, _ := ca.Expect(op)
	if ok, _, why := uni.Step(op, ar); !ok {
		t.Fatalf("%s (alone %v) -> %s: cyclic-alone gives it, unique rejects it: %s", op, op.Alone, ar.Format(op.Kind), why)
	}
	if allAlone && !ar.Equal(op.Kind, r) {
		t.Fatalf("%s, every op alone: cyclic gives %s, cyclic-alone %s", op, r.Format(op.Kind), ar.Format(op.Kind))
	}
	ok, un, why := uni.Step(op, r)
	if !ok {
		t.Fatalf("%s -> %s: cyclic gives it, unique rejects it: %s", op, r.Format(op.Kind), why)
	}
	return an, un
}
