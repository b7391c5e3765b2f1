package checker

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// TypedAllocator is an allocator-level implementation written with typed
// methods instead of a switch over model.Op. Errors are model.Errno values
// (model.EAGAIN, model.EINVAL, …); model/doc.go says which each op may
// return and when. Beside Alloc and Free it may implement any of
//
//	AllocAt(n int) error    // take exactly n
//	SetCursor(n int) error  // the next Alloc starts at n+1 (ns_last_pid)
//	SetMax(n int) error     // numbers must now be < n (pid_max)
//	Disable() error         // no allocation succeeds any more (init died)
//
// and AdaptAllocator leaves the ones it lacks out of every scenario.
type TypedAllocator interface {
	Alloc() (int, error) // a number, or EAGAIN (full) / ENOMEM (disabled)
	Free(n int) error    // release n; EINVAL when n is not allocated
}

type (
	allocAtter   interface{ AllocAt(n int) error }
	cursorSetter interface{ SetCursor(n int) error }
	maxSetter    interface{ SetMax(n int) error }
	disabler     interface{ Disable() error }
)

// AdaptAllocator turns a constructor of a TypedAllocator into a NewImpl,
// and returns the op kinds A does not implement, for GenOptions.Leave:
//
//	newImpl, leave := checker.AdaptAllocator(newMyAllocator)
//	checker.Check(t, newImpl, checker.CheckOptions{Spec: model.SpecAlloc,
//		Policy: model.Lowest, Gen: checker.GenOptions{Leave: leave}})
//
// A method that returns an error other than a model.Errno stops the run
// with a panic verdict naming it.
func AdaptAllocator[A TypedAllocator](newA func(env sched.Env, p model.Params) A) (NewImpl, []model.Kind) {
	leave := missing[A](map[model.Kind]reflect.Type{
		model.AllocAt:   reflect.TypeFor[allocAtter](),
		model.SetCursor: reflect.TypeFor[cursorSetter](),
		model.SetMax:    reflect.TypeFor[maxSetter](),
		model.Disable:   reflect.TypeFor[disabler](),
	})
	return func(env sched.Env, p model.Params) model.Impl { return typedAllocator{newA(env, p)} }, leave
}

type typedAllocator struct{ a TypedAllocator }

func (t typedAllocator) Apply(op model.Op) model.Result {
	var err error
	switch op.Kind {
	case model.Alloc:
		n, err := t.a.Alloc()
		return result(op, model.Result{N: n}, err)
	case model.Free:
		err = t.a.Free(op.N)
	case model.AllocAt:
		err = call[allocAtter](t.a, op, func(a allocAtter) error { return a.AllocAt(op.N) })
	case model.SetCursor:
		err = call[cursorSetter](t.a, op, func(a cursorSetter) error { return a.SetCursor(op.N) })
	case model.SetMax:
		err = call[maxSetter](t.a, op, func(a maxSetter) error { return a.SetMax(op.N) })
	case model.Disable:
		err = call[disabler](t.a, op, func(a disabler) error { return a.Disable() })
	default:
		return model.Fail(model.EINVAL)
	}
	return result(op, model.Result{}, err)
}

// Validate runs the implementation's own Validate, if it has one.
func (t typedAllocator) Validate() error { return validate(t.a) }

// TypedProcesses is a process-level implementation written with typed
// methods: a whole PID system whose tasks are named by the scenario's
// handles. Errors are model.Errno values; model/doc.go says which each op
// may return and when. Beside Fork, Exit and Wait it may implement any of
//
//	Kill(sender model.Handle, pid, sig int) error
//	Unshare(task model.Handle) error
//	SetNs(task, target model.Handle) error
//	GetPid(task model.Handle) (int, error)
//	GetPPid(task model.Handle) (int, error)
//	Translate(viewer, target model.Handle) (int, error)
//	Lookup(viewer model.Handle, pid int) (model.Handle, error)
//	SetPidMax(task model.Handle, n int) error
//	SetLastPid(task model.Handle, n int) error
//	ForkWithTid(parent, child model.Handle, tids []int) ([]int, error)
//	Thread(task, child model.Handle) ([]int, error)   // CLONE_THREAD: child joins task's group
//	GetTid(task model.Handle) (int, error)
//	ExitThread(task model.Handle, code int) error     // SYS_exit of one thread
//	Exec(task model.Handle) error
//
// and AdaptProcesses leaves the ones it lacks out of every scenario.
type TypedProcesses interface {
	// Fork makes child a child of parent; it returns the child's numbers,
	// root space first.
	Fork(parent, child model.Handle) ([]int, error)
	// Exit makes task a zombie with the given exit code.
	Exit(task model.Handle, code int) error
	// Wait reaps a child of parent (pid -1: any, else its number in
	// parent's space) without blocking: the number reaped and how it
	// ended, or 0 when none is ready.
	Wait(parent model.Handle, pid int) (int, model.Status, error)
}

type (
	killer interface {
		Kill(sender model.Handle, pid, sig int) error
	}
	unsharer interface{ Unshare(task model.Handle) error }
	nsSetter interface {
		SetNs(task, target model.Handle) error
	}
	pidGetter interface {
		GetPid(task model.Handle) (int, error)
	}
	ppidGetter interface {
		GetPPid(task model.Handle) (int, error)
	}
	translator interface {
		Translate(viewer, target model.Handle) (int, error)
	}
	looker interface {
		Lookup(viewer model.Handle, pid int) (model.Handle, error)
	}
	pidMaxer interface {
		SetPidMax(task model.Handle, n int) error
	}
	lastPidder interface {
		SetLastPid(task model.Handle, n int) error
	}
	tidForker interface {
		ForkWithTid(parent, child model.Handle, tids []int) ([]int, error)
	}
	threader interface {
		Thread(task, child model.Handle) ([]int, error)
	}
	tidGetter interface {
		GetTid(task model.Handle) (int, error)
	}
	threadExit interface {
		ExitThread(task model.Handle, code int) error
	}
	execer interface{ Exec(task model.Handle) error }
)

// AdaptProcesses is AdaptAllocator for a process-level implementation.
func AdaptProcesses[P TypedProcesses](newP func(env sched.Env, p model.Params) P) (NewImpl, []model.Kind) {
	leave := missing[P](map[model.Kind]reflect.Type{
		model.Kill:        reflect.TypeFor[killer](),
		model.Unshare:     reflect.TypeFor[unsharer](),
		model.SetNs:       reflect.TypeFor[nsSetter](),
		model.GetPid:      reflect.TypeFor[pidGetter](),
		model.GetPPid:     reflect.TypeFor[ppidGetter](),
		model.Translate:   reflect.TypeFor[translator](),
		model.Lookup:      reflect.TypeFor[looker](),
		model.SetPidMax:   reflect.TypeFor[pidMaxer](),
		model.SetLastPid:  reflect.TypeFor[lastPidder](),
		model.ForkWithTid: reflect.TypeFor[tidForker](),
		model.Thread:      reflect.TypeFor[threader](),
		model.GetTid:      reflect.TypeFor[tidGetter](),
		model.ExitThread:  reflect.TypeFor[threadExit](),
		model.Exec:        reflect.TypeFor[execer](),
	})
	// The group, session, reaping, clone and read ops have no typed
	// method yet: an adapted implementation answers them EINVAL, so they
	// are always left out.
	for _, k := range model.Kinds() {
		if k >= model.SetPgid && k <= model.GetNSpid {
			leave = append(leave, k)
		}
	}
	return func(env sched.Env, p model.Params) model.Impl { return typedProcesses{newP(env, p)} }, leave
}

type typedProcesses struct{ p TypedProcesses }

func (t typedProcesses) Apply(op model.Op) model.Result {
	var (
		r   model.Result
		err error
	)
	switch op.Kind {
	case model.Fork:
		r.NSpid, err = t.p.Fork(op.Task, op.Child)
	case model.Exit:
		err = t.p.Exit(op.Task, op.Code)
	case model.Wait:
		r.N, r.Status, err = t.p.Wait(op.Task, op.Pid)
	case model.Kill:
		err = call[killer](t.p, op, func(p killer) error { return p.Kill(op.Task, op.Pid, op.Sig) })
	case model.Unshare:
		err = call[unsharer](t.p, op, func(p unsharer) error { return p.Unshare(op.Task) })
	case model.SetNs:
		err = call[nsSetter](t.p, op, func(p nsSetter) error { return p.SetNs(op.Task, op.Target) })
	case model.GetPid:
		err = call[pidGetter](t.p, op, func(p pidGetter) (e error) { r.N, e = p.GetPid(op.Task); return })
	case model.GetPPid:
		err = call[ppidGetter](t.p, op, func(p ppidGetter) (e error) { r.N, e = p.GetPPid(op.Task); return })
	case model.Translate:
		err = call[translator](t.p, op, func(p translator) (e error) { r.N, e = p.Translate(op.Task, op.Target); return })
	case model.Lookup:
		err = call[looker](t.p, op, func(p looker) (e error) { r.Task, e = p.Lookup(op.Task, op.Pid); return })
	case model.SetPidMax:
		err = call[pidMaxer](t.p, op, func(p pidMaxer) error { return p.SetPidMax(op.Task, op.N) })
	case model.SetLastPid:
		err = call[lastPidder](t.p, op, func(p lastPidder) error { return p.SetLastPid(op.Task, op.N) })
	case model.ForkWithTid:
		err = call[tidForker](t.p, op, func(p tidForker) (e error) { r.NSpid, e = p.ForkWithTid(op.Task, op.Child, op.Tids); return })
	case model.Thread:
		err = call[threader](t.p, op, func(p threader) (e error) { r.NSpid, e = p.Thread(op.Task, op.Child); return })
	case model.GetTid:
		err = call[tidGetter](t.p, op, func(p tidGetter) (e error) { r.N, e = p.GetTid(op.Task); return })
	case model.ExitThread:
		err = call[threadExit](t.p, op, func(p threadExit) error { return p.ExitThread(op.Task, op.Code) })
	case model.Exec:
		err = call[execer](t.p, op, func(p execer) error { return p.Exec(op.Task) })
	default:
		return model.Fail(model.EINVAL)
	}
	return result(op, r, err)
}

// Validate runs the implementation's own Validate, if it has one.
func (t typedProcesses) Validate() error { return validate(t.p) }

// missing lists, in kind order, the kinds whose method T lacks.
func missing[T any](methods map[model.Kind]reflect.Type) []model.Kind {
	t := reflect.TypeFor[T]()
	var out []model.Kind
	for _, k := range model.Kinds() {
		if m, ok := methods[k]; ok && !t.Implements(m) {
			out = append(out, k)
		}
	}
	return out
}

// call runs f on impl as an I, or stops the run when impl does not
// implement I (the op should have been left out: see GenOptions.Leave).
func call[I any](impl any, op model.Op, f func(I) error) error {
	i, ok := impl.(I)
	if !ok {
		panic(fmt.Sprintf("pidcheck: %T has no method for %q: leave %s out with GenOptions.Leave (AdaptAllocator and AdaptProcesses return the list)", impl, op, op.Kind))
	}
	return f(i)
}

// result is r, or the failure err stands for. An error that is not a
// model.Errno stops the run with a panic verdict that names it.
func result(op model.Op, r model.Result, err error) model.Result {
	if err == nil {
		return r
	}
	var e model.Errno
	if !errors.As(err, &e) {
		panic(fmt.Sprintf("pidcheck: %q returned the error %q, which is not a model.Errno: return model.EAGAIN, model.EINVAL, … (model/doc.go lists each op's)", op, err))
	}
	return model.Fail(e)
}

func validate(impl any) error {
	if v, ok := impl.(model.Validator); ok {
		return v.Validate()
	}
	return nil
}
