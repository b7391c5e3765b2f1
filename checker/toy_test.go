package checker

import (
	"testing"

	"errors"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// The toys are implementations made from the spec itself, so the pipeline
// can be tested apart from the registry: lockedSpec is linearizable by
// construction (the spec behind one mutex); racySpec reads the state in one
// critical section and writes it in another, so concurrent ops lose updates.
type lockedSpec struct {
	mu   sched.Mutex
	st   spec.State
	racy bool
	ver  sched.Int64 // bumped on every write: Validate's witness
}

func (l *lockedSpec) Apply(op model.Op) model.Result {
	l.mu.Lock()
	st := l.st
	if l.racy {
		l.mu.Unlock()
		l.mu.Lock()
	}
	r, next := st.Expect(op)
	l.st = next
	l.ver.Add(1)
	l.mu.Unlock()
	return r
}

func toyTarget(specName model.SpecName, racy bool) Target {
	name := "toy-" + string(specName)
	if racy {
		name += "-racy"
	}
	return Target{
		Name: name, Spec: specName, Policy: model.Cyclic,
		New: func(env sched.Env, p model.Params) model.Impl {
			s, err := SpecFor(specName, p, model.Cyclic)
			if err != nil {
				panic(err)
			}
			return &lockedSpec{mu: env.NewMutex("toy.lock"), st: s.Init(), racy: racy, ver: env.NewInt64("toy.version", 0)}
		},
	}
}

// faultyImpl misbehaves on purpose, one way per mode.
type faultyImpl struct {
	mode string // "panic", "deadlock", "invariant"
	mu   sched.Mutex
	n    sched.Int32
	env  sched.Env
}

func (f *faultyImpl) Apply(op model.Op) model.Result {
	switch f.mode {
	case "panic":
		if f.n.Add(1) == 3 {
			panic("faulty: third op")
		}
	case "deadlock":
		f.mu.Lock() // never unlocked: the second op waits forever
	case "invariant":
		f.n.Add(1)
	}
	return model.Result{N: 1}
}

func (f *faultyImpl) Validate() error {
	if f.mode == "invariant" && f.n.Load() > 0 {
		return errors.New("faulty: counter moved")
	}
	return nil
}

func faultyTarget(mode string) Target {
	return Target{
		Name: "faulty-" + mode, Spec: model.SpecAlloc, Policy: model.Unique,
		New: func(env sched.Env, p model.Params) model.Impl {
			return &faultyImpl{mode: mode, mu: env.NewMutex("faulty.lock"), n: env.NewInt32("faulty.n", 0), env: env}
		},
	}
}

// lookup is the registry's implementation named name, as a target.
func lookup(t testing.TB, name string) Target {
	t.Helper()
	e, err := alloc.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return Target{Name: e.Name, Spec: e.Spec, Policy: e.Policy, New: e.New}
}
