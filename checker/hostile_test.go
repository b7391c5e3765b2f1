package checker

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// hostile answers ops of one kind with a fixed result, whatever it is, and
// every other op as the toy (the spec behind a lock) does: code under test
// may return anything.
func hostile(spec model.SpecName, kind model.Kind, res model.Result) Target {
	toy := toyTarget(spec, false)
	return Target{Name: "hostile-" + kind.String(), Spec: spec, Policy: model.Cyclic,
		New: func(env sched.Env, p model.Params) model.Impl {
			return hostileImpl{inner: toy.New(env, p), kind: kind, res: res}
		}}
}

type hostileImpl struct {
	inner model.Impl
	kind  model.Kind
	res   model.Result
}

func (h hostileImpl) Apply(op model.Op) model.Result {
	if op.Kind == h.kind {
		return h.res
	}
	return h.inner.Apply(op)
}

// TestEveryViolationLeavesATrace: results no kernel could give — a number
// of 2^40, errno 200, a lookup answering no task, a fork answering an empty
// NSpid, a wait reaping a negative pid, getpid 2^40 — are violations whose
// trace is written, parses back and replays as recorded, and the banner
// says they are out of range. (The trace format refused them: the
// violation was reported with no trace.)
func TestEveryViolationLeavesATrace(t *testing.T) {
	fork := model.Op{Kind: model.Fork, Task: model.Root, Child: 1}
	cases := []struct {
		target Target
		ops    []model.Op
	}{
		{hostile(model.SpecAlloc, model.Alloc, model.Result{N: 1 << 40}), []model.Op{{Kind: model.Alloc}}},
		{hostile(model.SpecAlloc, model.Free, model.Result{Err: 200}), []model.Op{{Kind: model.Alloc}, {Kind: model.Free, N: 1}}},
		{hostile(model.SpecLinux, model.Lookup, model.Result{Task: model.NoTask}), []model.Op{fork, {Kind: model.Lookup, Task: model.Root, Pid: 2}}},
		{hostile(model.SpecLinux, model.Fork, model.Result{NSpid: []int{}}), []model.Op{fork}},
		{hostile(model.SpecLinux, model.Wait, model.Result{N: -5}), []model.Op{fork, {Kind: model.Exit, Task: 1}, {Kind: model.Wait, Task: model.Root, Pid: -1}}},
		{hostile(model.SpecLinux, model.GetPid, model.Result{N: 1 << 40}), []model.Op{{Kind: model.GetPid, Task: model.Root}}},
	}
	for _, c := range cases {
		t.Run(c.target.Name, func(t *testing.T) {
			sc := model.Scenario{Level: c.target.Level(), Params: model.SmallParams(), Init: c.ops}
			r := Run(c.target, sc, sched.NewRandom(1), RunOptions{})
			if r.Verdict.Outcome != traces.Violation {
				t.Fatalf("verdict %s, want a violation", r.Verdict)
			}
			if b := Banner(r, Reproduce{}); !strings.Contains(b, "note: ") || !strings.Contains(b, "out of range") {
				t.Errorf("the banner does not say the answer is out of range:\n%s", b)
			}
			if err := ReplaysAsRecorded(c.target, r); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestALivelockAtALargePidMaxIsSaved: a thread that spins through the Env
// until the step bound (100000 + 4·pid_max: 1.3 million decisions at
// pid_max 300000) is a step-bound violation whose trace is written with
// its spin as a run (format v2), parses back and replays as recorded. (A
// trace used to hold at most 1,048,576 decisions, so this one was lost.)
func TestALivelockAtALargePidMaxIsSaved(t *testing.T) {
	if testing.Short() {
		t.Skip("1.3 million scheduling decisions")
	}
	spin := Target{Name: "spin", Spec: model.SpecAlloc, Policy: model.Unique,
		New: func(env sched.Env, p model.Params) model.Impl {
			return &stuckImpl{mode: "spin", n: env.NewInt32("stuck.n", 0)}
		}}
	p := model.SmallParams()
	p.PidMax = 300000
	sc := model.Scenario{Level: model.AllocLevel, Params: p, Threads: [][]model.Op{{{Kind: model.Alloc}}, {{Kind: model.Alloc}}}}
	r := Run(spin, sc, newGuided(nil), RunOptions{})
	if r.Verdict != violation(traces.StepBound) || r.Steps() < 1_000_000 {
		t.Fatalf("verdict %s after %d decisions, want a step bound past a million", r.Verdict, r.Steps())
	}
	if len(r.Decisions) > 2000 || len(r.Runs) == 0 {
		t.Fatalf("the result keeps %d decisions and %d runs: the spin is not kept as a run", len(r.Decisions), len(r.Runs))
	}
	tr := r.Trace()
	if len(tr.Runs) == 0 || len(tr.Decisions) > 2000 {
		t.Fatalf("%d decisions recorded in %d runs: the spin was not written as a run", len(tr.Decisions), len(tr.Runs))
	}
	data, err := traces.Marshal(tr)
	if err != nil {
		t.Fatalf("the trace cannot be written: %v", err)
	}
	back, err := traces.Parse("spin.trace", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rr, err := Replay(spin, back, RunOptions{})
	if err != nil || rr.Diverged || rr.Result.Verdict != r.Verdict || rr.Result.Hash != r.Hash {
		t.Fatalf("replay: %v, diverged %v (%s), verdict %s", err, rr != nil && rr.Diverged, rr.Divergence, rr.Result.Verdict)
	}
	t.Logf("%d decisions written as %d recorded and %d run(s), %d bytes", r.Steps(), len(tr.Decisions), len(tr.Runs), len(data))
}

// TestShrinkQuietsARandomLivelock: a livelock found by a random schedule
// (two threads spinning, a switch at almost every one of a million steps:
// 45 MB of trace, more than a trace file may hold) keeps only its first
// decisions in memory, and shrinks to a schedule whose spin is written as
// a run, so its trace is small and replays.
func TestShrinkQuietsARandomLivelock(t *testing.T) {
	if testing.Short() {
		t.Skip("a million scheduling decisions, several times")
	}
	spin := Target{Name: "spin", Spec: model.SpecAlloc, Policy: model.Unique,
		New: func(env sched.Env, p model.Params) model.Impl {
			return &stuckImpl{mode: "spin", n: env.NewInt32("stuck.n", 0)}
		}}
	p := model.SmallParams()
	p.PidMax = 225000
	sc := model.Scenario{Level: model.AllocLevel, Params: p, Threads: [][]model.Op{{{Kind: model.Alloc}}, {{Kind: model.Alloc}}}}
	r := Run(spin, sc, sched.NewRandom(3), RunOptions{})
	if r.Verdict != violation(traces.StepBound) {
		t.Fatalf("verdict %s", r.Verdict)
	}
	if r.Elided == 0 {
		t.Fatalf("the random livelock kept all its %d decisions: want at most %d records", r.Steps(), defaultMaxRecords)
	}
	s := Shrink(spin, r, ShrinkOptions{})
	data, err := traces.Marshal(s.Trace())
	if err != nil || s.Verdict != r.Verdict {
		t.Fatalf("shrunk: verdict %s, trace: %v", s.Verdict, err)
	}
	back, err := traces.Parse("spin.trace", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if rr, err := Replay(spin, back, RunOptions{}); err != nil || rr.Diverged || rr.Result.Verdict != r.Verdict {
		t.Fatalf("replay: %v %+v", err, rr)
	}
	t.Logf("%d decisions (%d kept), shrunk to a trace of %d bytes", r.Steps(), len(r.Decisions), len(data))
}

// foreignImpl calls the Env from a goroutine of its own, outside every
// thread the scheduler runs.
type foreignImpl struct{ n sched.Int32 }

func (f *foreignImpl) Apply(op model.Op) model.Result {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f.n.Add(1)
	}()
	wg.Wait()
	return model.Result{N: 1}
}

// TestEnvFromAForeignGoroutine: an implementation that uses the Env from a
// goroutine of its own gets the verdict foreign, with the goroutine's
// stack, not a misleading linearizability violation, and it is not shrunk.
func TestEnvFromAForeignGoroutine(t *testing.T) {
	e := Target{Name: "foreign", Spec: model.SpecAlloc, Policy: model.Unique,
		New: func(env sched.Env, p model.Params) model.Impl { return &foreignImpl{n: env.NewInt32("foreign.n", 0)} }}
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(), Threads: [][]model.Op{{{Kind: model.Alloc}}, {{Kind: model.Alloc}}}}
	r := Run(e, sc, sched.NewRandom(1), RunOptions{})
	if r.Verdict != violation(traces.Foreign) || !strings.Contains(r.Reason, "Env used outside a managed thread") || !strings.Contains(r.Reason, "hostile_test.go") {
		t.Fatalf("verdict %s: %s", r.Verdict, r.Reason)
	}
	if s := Shrink(e, r, ShrinkOptions{}); s != r {
		t.Error("a foreign verdict was shrunk")
	}
	if _, err := traces.Marshal(r.Trace()); err != nil {
		t.Errorf("its trace cannot be written: %v", err)
	}
}
