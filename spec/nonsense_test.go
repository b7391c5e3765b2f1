package spec_test

import (
	"math"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/openvz"
	"github.com/pidcheck/pidcheck/spec/pspace2006"
)

// genAbsurdOp draws an op of level l most of the time and of any kind
// (including kinds that do not exist) otherwise, each field drawn from
// sensible and absurd values alike: handles such as t999999999 and none,
// numbers far out of every range, set_tid lists longer than 33 entries.
func genAbsurdOp(t *rapid.T, l model.Level) model.Op {
	num := rapid.Custom(func(t *rapid.T) int {
		if rapid.Bool().Draw(t, "small") {
			return rapid.IntRange(-2, 17).Draw(t, "n")
		}
		return rapid.SampledFrom([]int{math.MinInt, -1 << 30, -1, 0, 1, 2, 64, 300, 301,
			model.KernelPidMax, 1 << 30, math.MaxInt}).Draw(t, "n")
	})
	handle := rapid.Custom(func(t *rapid.T) model.Handle {
		if rapid.Bool().Draw(t, "small") {
			return model.Handle(rapid.IntRange(0, 6).Draw(t, "h"))
		}
		return rapid.SampledFrom([]model.Handle{-5, model.NoTask, 1 << 16, 999999999, 1 << 30, math.MaxInt}).Draw(t, "h")
	})
	var kinds []model.Kind
	for _, k := range model.Kinds() {
		if k.Level() == l {
			kinds = append(kinds, k)
		}
	}
	k := rapid.SampledFrom(kinds).Draw(t, "kind")
	if rapid.IntRange(0, 9).Draw(t, "wrong_level") == 0 {
		k = model.Kind(rapid.IntRange(0, len(model.Kinds())+3).Draw(t, "any_kind"))
	}
	op := model.Op{Kind: k, Task: handle.Draw(t, "task"), Child: handle.Draw(t, "child"),
		Target: handle.Draw(t, "target"), Pid: num.Draw(t, "pid"), Sig: num.Draw(t, "sig"),
		Code: num.Draw(t, "code"), N: num.Draw(t, "N")}
	if k == model.ForkWithTid || rapid.IntRange(0, 9).Draw(t, "stray_tids") == 0 {
		op.Tids = rapid.SliceOfN(num, 0, 40).Draw(t, "tids")
	}
	return op
}

// genAbsurdResult draws an observation of any shape: any errno (invalid
// ones too), NSpid lists of any length with any numbers, any N, handle and
// status.
func genAbsurdResult(t *rapid.T) model.Result {
	n := rapid.SampledFrom([]int{math.MinInt, -1, 0, 1, 2, 3, 5, 300, 1 << 30, math.MaxInt})
	r := model.Result{
		N:      n.Draw(t, "res_n"),
		Task:   model.Handle(n.Draw(t, "res_task")),
		Status: model.Status{Code: n.Draw(t, "res_code"), Signal: n.Draw(t, "res_sig")},
	}
	if rapid.Bool().Draw(t, "res_fails") {
		r.Err = model.Errno(rapid.IntRange(1, len(model.Errnos())+2).Draw(t, "res_errno"))
	}
	if rapid.Bool().Draw(t, "res_has_nspid") {
		r.NSpid = rapid.SliceOfN(n, 0, 40).Draw(t, "res_nspid")
	}
	return r
}

// TestPropertyAbsurdOpsAnsweredSanely steps every spec (both levels, every
// policy, the 2006 variants) through absurd ops: none may panic, every
// answer carries a real errno, Expect's answer passes Step, Key and String
// are the same when computed twice, and stepping never changes the
// receiver. Step also answers observations of any shape, with a reason
// whenever it rejects one.
func TestPropertyAbsurdOpsAnsweredSanely(t *testing.T) {
	builders := map[string]func(model.Params, model.Policy) spec.Spec{
		"alloc": spec.Allocator, "linux": spec.Linux, "openvz": openvz.New, "pspace2006": pspace2006.New,
	}
	for _, name := range []string{"alloc", "linux", "openvz", "pspace2006"} {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				p := model.SmallParams()
				if rapid.Bool().Draw(t, "kernel_params") {
					p = model.KernelParams()
				}
				p.MaxLevel = rapid.IntRange(0, 4).Draw(t, "max_level")
				pol := rapid.SampledFrom([]model.Policy{model.Cyclic, model.Lowest, model.Unique}).Draw(t, "policy")
				s := builders[name](p, pol)
				st := s.Init()
				for i := rapid.IntRange(1, 40).Draw(t, "ops"); i > 0; i-- {
					op := genAbsurdOp(t, s.Level)
					key, str := st.Key(), st.String()
					r, next := st.Expect(op)
					if int(r.Err) >= len(model.Errnos()) {
						t.Fatalf("%s answered errno %d", op, r.Err)
					}
					ok, _, why := st.Step(op, r)
					if !ok {
						t.Fatalf("%s -> %s fails Step: %s\n%s", op, r.Format(op.Kind), why, st)
					}
					// Any observation, however odd, gets an answer.
					odd := genAbsurdResult(t)
					if ok, _, why := st.Step(op, odd); !ok && why == "" {
						t.Fatalf("%s -> %+v rejected without a reason", op, odd)
					}
					if st.Key() != key || st.String() != str {
						t.Fatalf("%s changed its receiver (or Key/String are not deterministic)", op)
					}
					if h1, h2 := spec.Hash(next), spec.Hash(next); h1 != h2 {
						t.Fatalf("Hash is not deterministic")
					}
					st = next
				}
			})
		})
	}
}
