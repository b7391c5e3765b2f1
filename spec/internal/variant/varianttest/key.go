package varianttest

import (
	"runtime"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/internal/spectest"
)

// Reorders counts what CheckReorderedKeys saw, for the caller to log.
type Reorders struct {
	Tried    int // pairs of histories that differ only in the order of two ops and both pass
	BothOK   int // of those, pairs where neither op failed
	Equal    int // of those, pairs whose Keys are equal
	Distinct int // of those, pairs whose raw states differ: what a Key with creation order would keep apart
}

// mutating are the kinds that change a state (the order of two reads
// never matters).
var mutating = []model.Kind{model.Fork, model.Fork, model.ForkWithTid, model.Exit, model.Wait,
	model.Kill, model.Unshare, model.Unshare, model.SetNs, model.SetLastPid}

// CheckReorderedKeys draws a history P and two state-changing ops X and
// Y, and runs P·X·Y with Expect and P·Y·X with Step, the same observations
// in the other order. When both histories pass and reach equal Keys, it
// draws up to 30 more ops and fails unless both states give the same
// Expect result to each, accept each other's result in Step, and keep
// equal Keys: Key-equal states accept the same futures and agree on
// Expect's own choices. raw renders a state with everything it holds
// (creation order included), to count the pairs a Key with creation order
// would have kept apart.
func CheckReorderedKeys(t *rapid.T, newSpec spectest.NewSpec, raw func(spec.State) string, seen *Reorders) {
	pm := rapid.IntRange(16, 24).Draw(t, "pid_max")
	p := model.Params{PidMax: pm, Floor: rapid.IntRange(1, pm-1).Draw(t, "floor"), MaxLevel: rapid.IntRange(1, 3).Draw(t, "max_level")}
	// Unique most often: under Cyclic and Lowest, two forks give
	// different numbers in the other order, and Step refuses the swap.
	pol := rapid.SampledFrom([]model.Policy{model.Cyclic, model.Lowest, model.Unique, model.Unique}).Draw(t, "policy")
	st := newSpec(p, pol).Init()
	n := 1
	draw := func() model.Op {
		op := spectest.GenProcessOp(t, n)
		if op.Kind.Creates() {
			n++
		}
		return op
	}
	// drawMutating draws a state-changing op by a live task of st (most
	// random actors are dead or never forked, and their ops change
	// nothing).
	drawMutating := func(st spec.State, label string) model.Op {
		op := spectest.GenProcessOp(t, n)
		if live := liveTasks(st, n); len(live) > 0 {
			op.Task = rapid.SampledFrom(live).Draw(t, label+" actor")
		}
		op.Kind = rapid.SampledFrom(mutating).Draw(t, label)
		if op.Kind == model.Exit && op.Task == model.Root {
			op.Kind = model.Fork // t0's exit ends every task: nothing left to reorder
		}
		switch op.Kind {
		case model.Fork:
			op.Child, op.Tids = model.Handle(n), nil
		case model.ForkWithTid:
			op.Child = model.Handle(n)
			op.Tids = rapid.SliceOfN(rapid.IntRange(1, pm), 1, 2).Draw(t, label+" tids")
		case model.Exit:
			op.Code = rapid.IntRange(0, 2).Draw(t, label+" code")
		case model.Wait:
			op.Pid = rapid.SampledFrom([]int{-1, -1, 2, 3, 4}).Draw(t, label+" pid")
		case model.Kill:
			op.Pid = rapid.IntRange(-1, 6).Draw(t, label+" pid")
			op.Sig = rapid.SampledFrom([]int{9, 15}).Draw(t, label+" sig")
		case model.SetNs:
			op.Target = model.Handle(rapid.IntRange(0, n-1).Draw(t, label+" target"))
		case model.SetLastPid:
			op.N = rapid.IntRange(0, pm).Draw(t, label+" n")
		}
		if op.Kind == model.Fork || op.Kind == model.ForkWithTid {
			n++
		}
		return op
	}
	for i := rapid.IntRange(0, 20).Draw(t, "prefix"); i > 0; i-- {
		_, st = st.Expect(drawMutating(st, "prefix op"))
	}
	x, y := drawMutating(st, "x"), drawMutating(st, "y")
	rx, a := st.Expect(x)
	ry, a := a.Expect(y)
	ok, b, _ := st.Step(y, ry)
	if !ok {
		return
	}
	if ok, b, _ = b.Step(x, rx); !ok {
		return
	}
	seen.Tried++
	if rx.Err == model.OK && ry.Err == model.OK {
		seen.BothOK++
	}
	if a.Key() != b.Key() {
		return
	}
	seen.Equal++
	if raw(a) != raw(b) {
		seen.Distinct++
	}
	for i := rapid.IntRange(1, 30).Draw(t, "suffix"); i > 0; i-- {
		op := draw()
		if rapid.Bool().Draw(t, "suffix mutates") {
			op = drawMutating(a, "suffix op")
		}
		ra, na := a.Expect(op)
		rb, nb := b.Expect(op)
		if !ra.Equal(op.Kind, rb) {
			t.Fatalf("Key-equal states answer %s differently: %s and %s\n%s\n%s", op, ra.Format(op.Kind), rb.Format(op.Kind), a, b)
		}
		if ok, _, why := b.Step(op, ra); !ok {
			t.Fatalf("%s -> %s passes one Key-equal state, not the other: %s\n%s\n%s", op, ra.Format(op.Kind), why, a, b)
		}
		if na.Key() != nb.Key() {
			t.Fatalf("after %s, Key-equal states part:\n%s\n%s", op, na, nb)
		}
		a, b = na, nb
	}
}

// liveTasks returns the handles below n of st's live tasks: those whose
// getpid answers.
func liveTasks(st spec.State, n int) []model.Handle {
	var out []model.Handle
	for h := range model.Handle(n) {
		if r, _ := st.Expect(model.Op{Kind: model.GetPid, Task: h}); r.Err == model.OK {
			out = append(out, h)
		}
	}
	return out
}

// StepBytes returns the bytes the heap handed out while st stepped
// through ops (each with the spec's own result), and the final state.
// It measures allocation, not time, so the caller may bound it.
func StepBytes(st spec.State, ops []model.Op) (uint64, spec.State) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, op := range ops {
		r, _ := st.Expect(op)
		ok, next, _ := st.Step(op, r)
		if !ok {
			return 0, st
		}
		st = next
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, st
}

// CheckHugeHandle forks t1000000 and steps it through 100 getpids, and
// fails unless that stays small: under 1 MiB allocated in all (a table
// indexed by handle allocated close to 1 GB here), and a Key and a String
// of a few dozen bytes.
func CheckHugeHandle(t *testing.T, s spec.Spec) {
	const huge = model.Handle(1000000)
	ops := []model.Op{{Kind: model.Fork, Task: model.Root, Child: huge}}
	for range 100 {
		ops = append(ops, model.Op{Kind: model.GetPid, Task: huge})
	}
	bytes, st := StepBytes(s.Init(), ops)
	if r, _ := st.Expect(model.Op{Kind: model.GetPid, Task: huge}); r.Err != model.OK || r.N == 0 {
		t.Fatalf("t1000000 is not a live task after its fork: getpid gives %s\n%s", r.Format(model.GetPid), st)
	}
	t.Logf("fork t1000000 and 100 getpid steps: %d bytes allocated; Key %d bytes, String %d bytes", bytes, len(st.Key()), len(st.String()))
	if bytes >= 1<<20 {
		t.Errorf("fork t1000000 and 100 getpid steps allocated %d bytes, want < 1 MiB", bytes)
	}
	if len(st.Key()) > 100 || len(st.String()) > 200 {
		t.Errorf("two tasks give a Key of %d bytes and a String of %d: the state grows with the handle\n%s", len(st.Key()), len(st.String()), st)
	}
}

// Replay steps st through lines of the form "op -> observed" (the golden
// files' syntax) and fails unless Step accepts each; it returns the final
// state.
func Replay(t testing.TB, st spec.State, lines ...string) spec.State {
	t.Helper()
	for _, line := range lines {
		opText, obsText, found := strings.Cut(line, " -> ")
		if !found {
			t.Fatalf("%q: want op -> observed", line)
		}
		op, err := model.ParseOp(opText)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		obs, err := model.ParseResult(op.Kind, obsText)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		ok, next, why := st.Step(op, obs)
		if !ok {
			t.Fatalf("%q is refused: %s\n%s", line, why, st)
		}
		st = next
	}
	return st
}
