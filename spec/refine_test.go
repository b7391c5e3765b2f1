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
