package alloctest

import (
	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// CheckSequentialUnique applies a rapid-drawn run of 1–150 GenAllocOp ops
// to a (built for p, on one thread) and fails unless every result passes
// the unique allocator spec's Step, and the cyclic spec's too up to the
// first alloc that succeeds where cyclic answers EAGAIN (the fallback below
// the floor), after which cyclic is no longer compared.
func CheckSequentialUnique(t *rapid.T, a model.Impl, p model.Params) {
	unique := spec.Allocator(p, model.Unique).Init()
	cyclic := spec.Allocator(p, model.Cyclic).Init()
	for i := range rapid.IntRange(1, 150).Draw(t, "steps") {
		op := GenAllocOp(p).Draw(t, "op")
		got := a.Apply(op)
		ok, next, why := unique.Step(op, got)
		if !ok {
			t.Fatalf("step %d (unique): %s\nstate: %s", i, why, unique)
		}
		unique = next
		if cyclic == nil {
			continue
		}
		if ok, next, why := cyclic.Step(op, got); ok {
			cyclic = next
		} else if want, _ := cyclic.Expect(op); op.Kind == model.Alloc && want.Err == model.EAGAIN && got.Err == model.OK {
			cyclic = nil // the fallback below the floor; stop comparing
		} else {
			t.Fatalf("step %d (cyclic): %s\nstate: %s", i, why, cyclic)
		}
	}
}

// CheckSequentialCyclic applies a rapid-drawn run of 1–150 GenAllocOp ops
// to a (built for p, on one thread) and fails unless every result passes
// the cyclic allocator spec's Step, EAGAIN included (every cyclic answer is
// a unique one too: spec's TestPropertyCyclicRefinesUnique). It is for
// allocators that claim unique but are cyclic when run alone.
func CheckSequentialCyclic(t *rapid.T, a model.Impl, p model.Params) {
	cyclic := spec.Allocator(p, model.Cyclic).Init()
	for i := range rapid.IntRange(1, 150).Draw(t, "steps") {
		op := GenAllocOp(p).Draw(t, "op")
		got := a.Apply(op)
		ok, next, why := cyclic.Step(op, got)
		if !ok {
			t.Fatalf("step %d (cyclic): %s\nstate: %s", i, why, cyclic)
		}
		cyclic = next
	}
}

// GenAllocOp draws an allocator op with numbers around [0, pidMax]
// (out-of-range ones included, for the errno contract).
func GenAllocOp(p model.Params) *rapid.Generator[model.Op] {
	return rapid.Custom(func(t *rapid.T) model.Op {
		n := rapid.IntRange(-1, p.PidMax+1)
		switch rapid.IntRange(0, 9).Draw(t, "kind") {
		case 0, 1, 2, 3:
			return model.Op{Kind: model.Alloc}
		case 4, 5:
			return model.Op{Kind: model.Free, N: n.Draw(t, "n")}
		case 6:
			return model.Op{Kind: model.AllocAt, N: n.Draw(t, "n")}
		case 7:
			return model.Op{Kind: model.SetCursor, N: n.Draw(t, "n")}
		case 8:
			return model.Op{Kind: model.SetMax, N: n.Draw(t, "n")}
		}
		if rapid.IntRange(0, 4).Draw(t, "disable?") == 0 {
			return model.Op{Kind: model.Disable}
		}
		return model.Op{Kind: model.Alloc}
	})
}
