package checker

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// typedLowest is a user's allocator with typed methods: the lowest free
// number under one lock, with AllocAt but no cursor, limit or disable.
// With racy set, Alloc finds a free number in one critical section and
// takes it in another; with badErr set, a full Alloc returns an error of
// its own instead of model.EAGAIN.
type typedLowest struct {
	mu           sched.Mutex
	taken        map[int]bool
	max          int
	racy, badErr bool
}

func newTypedLowest(racy, badErr bool) func(sched.Env, model.Params) *typedLowest {
	return func(env sched.Env, p model.Params) *typedLowest {
		return &typedLowest{mu: env.NewMutex("lowest.lock"), taken: map[int]bool{}, max: p.PidMax, racy: racy, badErr: badErr}
	}
}

func (a *typedLowest) Alloc() (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 1
	for n < a.max && a.taken[n] {
		n++
	}
	if n == a.max {
		if a.badErr {
			return 0, errors.New("out of numbers")
		}
		return 0, model.EAGAIN
	}
	if a.racy {
		a.mu.Unlock()
		a.mu.Lock()
	}
	a.taken[n] = true
	return n, nil
}

func (a *typedLowest) Free(n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.taken[n] {
		return model.EINVAL
	}
	delete(a.taken, n)
	return nil
}

func (a *typedLowest) AllocAt(n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case n < 1 || n >= a.max:
		return model.EINVAL
	case a.taken[n]:
		return model.EEXIST
	}
	a.taken[n] = true
	return nil
}

// TestAdaptAllocator: a typed allocator needs no switch over model.Op: the
// adapter names the ops it lacks, scenarios leave them out, the correct
// one passes and the racy one is caught.
func TestAdaptAllocator(t *testing.T) {
	newImpl, leave := AdaptAllocator(newTypedLowest(false, false))
	if want := []model.Kind{model.SetCursor, model.SetMax, model.Disable}; !slices.Equal(leave, want) {
		t.Fatalf("leave %v, want %v", leave, want)
	}
	o := ExploreOptions{Schedules: 1000, Seed: 1, Gen: GenOptions{Leave: leave}}
	rep, err := Explore(Target{Name: "typed", Spec: model.SpecAlloc, Policy: model.Lowest, New: newImpl}, o)
	if err != nil || rep.Verdict != verdictOk {
		t.Fatalf("correct typed allocator: %v %s %v", err, rep.Verdict, rep.Found)
	}
	racy, _ := AdaptAllocator(newTypedLowest(true, false))
	rep, err = Explore(Target{Name: "typed-racy", Spec: model.SpecAlloc, Policy: model.Lowest, New: racy}, o)
	if err != nil || rep.Verdict != violation(traces.Linearizability) {
		t.Fatalf("racy typed allocator: %v %s", err, rep.Verdict)
	}
	for _, r := range rep.Found.History {
		if !slices.Contains([]model.Kind{model.Alloc, model.Free, model.AllocAt}, r.Op.Kind) {
			t.Fatalf("a scenario holds %q, which the allocator lacks", r.Op)
		}
	}
}

// TestAdaptAllocatorMisuse: an op the implementation lacks (not left out)
// and an error that is not a model.Errno stop the run with a panic verdict
// that says what to do.
func TestAdaptAllocatorMisuse(t *testing.T) {
	sc := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams(), Init: []model.Op{{Kind: model.SetCursor, N: 3}}}
	newImpl, _ := AdaptAllocator(newTypedLowest(false, false))
	r := Run(Target{Name: "typed", Spec: model.SpecAlloc, Policy: model.Lowest, New: newImpl}, sc, sched.NewRandom(1), RunOptions{})
	if r.Verdict != violation(traces.Panic) || !strings.Contains(r.Reason, "GenOptions.Leave") {
		t.Errorf("set_cursor on an allocator without it: %s: %s", r.Verdict, r.Reason)
	}
	full := model.Scenario{Level: model.AllocLevel, Params: model.SmallParams()}
	for range model.SmallParams().PidMax {
		full.Init = append(full.Init, model.Op{Kind: model.Alloc})
	}
	bad, _ := AdaptAllocator(newTypedLowest(false, true))
	r = Run(Target{Name: "typed-bad", Spec: model.SpecAlloc, Policy: model.Lowest, New: bad}, full, sched.NewRandom(1), RunOptions{})
	if r.Verdict != violation(traces.Panic) || !strings.Contains(r.Reason, `"out of numbers", which is not a model.Errno`) {
		t.Errorf("an error of its own: %s: %s", r.Verdict, r.Reason)
	}
}

// typedLinux is a typed process-level implementation made from the Linux
// spec behind one lock (as lockedSpec), with only fork, exit and wait.
type typedLinux struct{ l *lockedSpec }

func newTypedLinux(env sched.Env, p model.Params) typedLinux {
	return typedLinux{toyTarget(model.SpecLinux, false).New(env, p).(*lockedSpec)}
}

func (t typedLinux) Fork(parent, child model.Handle) ([]int, error) {
	r := t.l.Apply(model.Op{Kind: model.Fork, Task: parent, Child: child})
	return r.NSpid, errOf(r)
}

func (t typedLinux) Exit(task model.Handle, code int) error {
	return errOf(t.l.Apply(model.Op{Kind: model.Exit, Task: task, Code: code}))
}

func (t typedLinux) Wait(parent model.Handle, pid int) (int, model.Status, error) {
	r := t.l.Apply(model.Op{Kind: model.Wait, Task: parent, Pid: pid})
	return r.N, r.Status, errOf(r)
}

// typedLinuxAll adds every optional method.
type typedLinuxAll struct{ typedLinux }

func (t typedLinuxAll) do(op model.Op) (model.Result, error) { r := t.l.Apply(op); return r, errOf(r) }
func (t typedLinuxAll) Kill(s model.Handle, pid, sig int) error {
	_, err := t.do(model.Op{Kind: model.Kill, Task: s, Pid: pid, Sig: sig})
	return err
}
func (t typedLinuxAll) Unshare(task model.Handle) error {
	_, err := t.do(model.Op{Kind: model.Unshare, Task: task})
	return err
}
func (t typedLinuxAll) SetNs(task, target model.Handle) error {
	_, err := t.do(model.Op{Kind: model.SetNs, Task: task, Target: target})
	return err
}
func (t typedLinuxAll) GetPid(task model.Handle) (int, error) {
	r, err := t.do(model.Op{Kind: model.GetPid, Task: task})
	return r.N, err
}
func (t typedLinuxAll) GetPPid(task model.Handle) (int, error) {
	r, err := t.do(model.Op{Kind: model.GetPPid, Task: task})
	return r.N, err
}
func (t typedLinuxAll) Translate(v, target model.Handle) (int, error) {
	r, err := t.do(model.Op{Kind: model.Translate, Task: v, Target: target})
	return r.N, err
}
func (t typedLinuxAll) Lookup(v model.Handle, pid int) (model.Handle, error) {
	r, err := t.do(model.Op{Kind: model.Lookup, Task: v, Pid: pid})
	return r.Task, err
}
func (t typedLinuxAll) SetPidMax(task model.Handle, n int) error {
	_, err := t.do(model.Op{Kind: model.SetPidMax, Task: task, N: n})
	return err
}
func (t typedLinuxAll) SetLastPid(task model.Handle, n int) error {
	_, err := t.do(model.Op{Kind: model.SetLastPid, Task: task, N: n})
	return err
}
func (t typedLinuxAll) ForkWithTid(parent, child model.Handle, tids []int) ([]int, error) {
	r, err := t.do(model.Op{Kind: model.ForkWithTid, Task: parent, Child: child, Tids: tids})
	return r.NSpid, err
}

func (t typedLinuxAll) Thread(task, child model.Handle) ([]int, error) {
	r, err := t.do(model.Op{Kind: model.Thread, Task: task, Child: child})
	return r.NSpid, err
}
func (t typedLinuxAll) GetTid(task model.Handle) (int, error) {
	r, err := t.do(model.Op{Kind: model.GetTid, Task: task})
	return r.N, err
}
func (t typedLinuxAll) ExitThread(task model.Handle, code int) error {
	_, err := t.do(model.Op{Kind: model.ExitThread, Task: task, Code: code})
	return err
}
func (t typedLinuxAll) Exec(task model.Handle) error {
	_, err := t.do(model.Op{Kind: model.Exec, Task: task})
	return err
}

func errOf(r model.Result) error {
	if r.Err != model.OK {
		return r.Err
	}
	return nil
}

// TestAdaptProcesses: a typed process-level implementation with every
// method leaves out only the ops of the groups, sessions and reaping model (no typed method yet); one
// with only fork, exit and wait leaves out the fourteen others too, and
// its scenarios hold none of them. Both pass.
func TestAdaptProcesses(t *testing.T) {
	all, leave := AdaptProcesses(func(env sched.Env, p model.Params) typedLinuxAll { return typedLinuxAll{newTypedLinux(env, p)} })
	if len(leave) != len(groupKinds) {
		t.Fatalf("every typed method implemented, but leave %v (want only the %d ops of the groups, sessions and reaping model, which have none)", leave, len(groupKinds))
	}
	rep, err := Explore(Target{Name: "typed-all", Spec: model.SpecLinux, New: all}, ExploreOptions{Schedules: 300, Seed: 1, Gen: GenOptions{Leave: leave}})
	if err != nil || rep.Verdict != verdictOk {
		t.Fatalf("typed-all: %v %s", err, rep.Verdict)
	}
	core, leave := AdaptProcesses(newTypedLinux)
	if len(leave) != 14+len(groupKinds) || slices.Contains(leave, model.Fork) {
		t.Fatalf("only fork, exit and wait, but leave %v", leave)
	}
	g := GenOptions{Leave: leave}
	for seed := range uint64(200) {
		sc := Generate(SeedSource(seed), model.ProcessLevel, g)
		for _, ops := range append(append([][]model.Op{sc.Init}, sc.Threads...), sc.Post) {
			for _, op := range ops {
				if slices.Contains(leave, op.Kind) {
					t.Fatalf("seed %d: %q is left out but generated", seed, op)
				}
			}
		}
	}
	rep, err = Explore(Target{Name: "typed-core", Spec: model.SpecLinux, New: core}, ExploreOptions{Schedules: 300, Seed: 1, Gen: g})
	if err != nil || rep.Verdict != verdictOk {
		t.Fatalf("typed-core: %v %s %v", err, rep.Verdict, rep.Found)
	}
}
