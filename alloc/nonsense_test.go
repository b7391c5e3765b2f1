package alloc_test

import (
	"fmt"
	"math"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/openvz"
	"github.com/pidcheck/pidcheck/spec/pspace2006"
)

// nonsenseNumbers are the numbers an absurd op is built from: the edges of
// every range an implementation checks, and far beyond them.
var nonsenseNumbers = []int{math.MinInt, -1 << 30, -300, -2, -1, 0, 1, 2, 3, 4, 5, 7, 9, 15, 16, 17,
	63, 64, 65, 299, 300, 301, model.KernelPidMax, model.KernelPidMax + 1, 1 << 30, 1<<30 + 1, math.MaxInt}

// nonsenseHandles are the handles an absurd op names.
var nonsenseHandles = []model.Handle{-5, model.NoTask, 0, 1, 2, 3, 4, 5, 6, 1<<16 - 1, 1 << 16,
	999999999, 1 << 30, math.MaxInt}

func genNumber(t *rapid.T, label string) int {
	if rapid.Bool().Draw(t, label+"_small") {
		return rapid.IntRange(-2, 17).Draw(t, label)
	}
	return rapid.SampledFrom(nonsenseNumbers).Draw(t, label)
}

func genHandle(t *rapid.T, label string) model.Handle {
	if rapid.Bool().Draw(t, label+"_small") {
		return model.Handle(rapid.IntRange(0, 6).Draw(t, label))
	}
	return rapid.SampledFrom(nonsenseHandles).Draw(t, label)
}

// genNonsenseOp draws an op of level l most of the time, of any kind
// (including ones that do not exist) otherwise, with every field drawn from
// sensible and absurd values alike.
func genNonsenseOp(t *rapid.T, l model.Level) model.Op {
	var kinds []model.Kind
	for _, k := range model.Kinds() {
		if k.Level() == l {
			kinds = append(kinds, k)
		}
	}
	var k model.Kind
	if rapid.IntRange(0, 9).Draw(t, "wrong_level") == 0 {
		k = model.Kind(rapid.IntRange(0, len(model.Kinds())+3).Draw(t, "any_kind"))
	} else {
		k = rapid.SampledFrom(kinds).Draw(t, "kind")
	}
	op := model.Op{
		Kind:   k,
		Task:   genHandle(t, "task"),
		Child:  genHandle(t, "child"),
		Target: genHandle(t, "target"),
		Pid:    genNumber(t, "pid"),
		Sig:    genNumber(t, "sig"),
		Code:   genNumber(t, "code"),
		N:      genNumber(t, "n"),
	}
	if k == model.ForkWithTid || rapid.IntRange(0, 9).Draw(t, "stray_tids") == 0 {
		op.Tids = rapid.SliceOfN(rapid.Custom(func(t *rapid.T) int { return genNumber(t, "tid") }), 0, 40).Draw(t, "tids")
	}
	return op
}

// genNonsenseParams draws small parameters, and sometimes the kernel's.
func genNonsenseParams(t *rapid.T) model.Params {
	if rapid.IntRange(0, 9).Draw(t, "kernel_params") == 0 {
		return model.KernelParams()
	}
	floor := rapid.IntRange(1, 5).Draw(t, "floor")
	return model.Params{
		PidMax:   rapid.IntRange(floor+1, 70).Draw(t, "pid_max"),
		Floor:    floor,
		MaxLevel: rapid.IntRange(0, 4).Draw(t, "max_level"),
	}
}

// specFor builds the spec an entry is checked against.
func specFor(e alloc.Entry, p model.Params) (spec.Spec, error) {
	switch e.Spec {
	case "alloc":
		return spec.Allocator(p, e.Policy), nil
	case "linux":
		return spec.Linux(p, e.Policy), nil
	case "openvz":
		return openvz.New(p, e.Policy), nil
	case "pspace2006":
		return pspace2006.New(p, e.Policy), nil
	}
	return spec.Spec{}, fmt.Errorf("%s: unknown spec %q", e.Name, e.Spec)
}

// saneErrno reports whether e is one of model's errnos.
func saneErrno(e model.Errno) bool {
	return int(e) < len(model.Errnos())
}

// TestPropertyNonsenseOpsNeverPanic feeds random ops, nonsense included
// (absurd handles such as t999999999, negative and huge numbers, set_tid
// lists longer than 33 entries, ops of the wrong level, kinds that do not
// exist), one at a time to every registered implementation. No call may
// panic, every answer carries a real errno, and a correct implementation's
// answers, run sequentially, are ones its spec allows.
func TestPropertyNonsenseOpsNeverPanic(t *testing.T) {
	for _, e := range alloc.Registry() {
		t.Run(e.Name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				p := genNonsenseParams(t)
				s, err := specFor(e, p)
				if err != nil {
					t.Fatal(err)
				}
				ops := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) model.Op { return genNonsenseOp(t, e.Level) }), 1, 40).Draw(t, "ops")
				var failure string
				runErr := sched.RunReal(func(env sched.Env) {
					impl := e.New(env, p)
					// RunReal waits for the implementation's own threads:
					// reap what is left, so that a space's init waiting
					// for its members (zap_pid_ns_processes) can finish.
					defer drainReal(impl, e.Level, ops)
					st := s.Init()
					for i, op := range ops {
						res := impl.Apply(op)
						if !saneErrno(res.Err) {
							failure = fmt.Sprintf("op %d %q answered %s", i, op, res.Err)
							return
						}
						if e.Zoo {
							continue
						}
						ok, next, why := st.Step(op, res)
						if !ok {
							failure = fmt.Sprintf("op %d %q answered %s; spec %s: %s", i, op, res.Format(op.Kind), s.Name, why)
							return
						}
						st = next
						if v, isV := impl.(model.Validator); isV {
							if err := v.Validate(); err != nil {
								failure = fmt.Sprintf("after op %d %q: Validate: %v", i, op, err)
								return
							}
						}
					}
				})
				if runErr != nil {
					t.Fatalf("panic: %v", runErr)
				}
				if failure != "" {
					t.Fatal(failure)
				}
			})
		})
	}
}

// drainReal has every task the ops created wait, in rounds, until a round
// reaps nothing, as the checker's drain does for a controlled run.
func drainReal(impl model.Impl, l model.Level, ops []model.Op) {
	if l != model.ProcessLevel {
		return
	}
	handles := []model.Handle{model.Root}
	for _, op := range ops {
		if op.Kind.Creates() && op.Child >= 0 && op.Child < 1<<16 {
			handles = append(handles, op.Child)
		}
	}
	for round := 0; round <= len(handles)+1; round++ {
		reaped := false
		for _, h := range handles {
			if r := impl.Apply(model.Op{Kind: model.Wait, Task: h, Pid: -1}); r.Err == model.OK && r.N > 0 {
				reaped = true
			}
		}
		if !reaped {
			return
		}
	}
}

// TestOddOpsAgreeWithSpec pins the odd ops the property above found
// answered differently by an implementation and its spec: a kind that
// does not exist (EINVAL, even from a handle that names no task), a
// set_tid list with no entries (a plain fork, as clone3 with set_tid_size
// 0), a negative child handle (EINVAL), and a plain fork carrying a stray
// Tids list (ignored).
func TestOddOpsAgreeWithSpec(t *testing.T) {
	cases := [][]model.Op{
		{{Kind: 0, Task: model.NoTask}},
		{{Kind: 0, Task: model.Handle(7)}},
		{{Kind: model.ForkWithTid, Task: model.NoTask, Child: 1}},
		{{Kind: model.ForkWithTid, Task: model.Root, Child: 1, Tids: []int{}}},
		{{Kind: model.Fork, Task: model.Root, Child: model.NoTask}},
		{{Kind: model.Fork, Task: model.Root, Child: -5}},
		{{Kind: model.Fork, Task: model.Root, Child: 1, Tids: []int{math.MinInt}}},
		{{Kind: model.Fork, Task: model.Root, Child: 1, Tids: make([]int, 40)}},
	}
	for _, e := range alloc.Registry() {
		if e.Zoo || e.Level != model.ProcessLevel {
			continue
		}
		p := model.SmallParams()
		s, err := specFor(e, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, ops := range cases {
			var got []string
			err := sched.RunReal(func(env sched.Env) {
				impl := e.New(env, p)
				st := s.Init()
				for _, op := range ops {
					res := impl.Apply(op)
					ok, next, why := st.Step(op, res)
					if !ok {
						got = append(got, why)
						return
					}
					st = next
				}
			})
			if err != nil {
				t.Errorf("%s: %v: %v", e.Name, ops, err)
			}
			for _, why := range got {
				t.Errorf("%s: %s", e.Name, why)
			}
		}
	}
}
