package sched

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// RealEnv is the pass-through Env: real goroutines over sync and
// sync/atomic, for stress runs and go test -race. Make one with NewRealEnv;
// Wait waits for every thread started with Go.
type RealEnv struct {
	wg     sync.WaitGroup
	failed atomic.Bool
	mu     sync.Mutex
	err    error // the first panic, if any
}

// NewRealEnv returns a pass-through Env with no threads.
func NewRealEnv() *RealEnv { return &RealEnv{} }

// errRealAborted unwinds a thread of a RealEnv whose run already failed.
type errRealAborted struct{}

// RunReal executes body with a new RealEnv, in a goroutine named "main", and
// waits for every thread it started; a panic in any thread is returned as an
// error (the first one, with its stack). After a panic, threads blocked in
// WaitUntil give up, so a failing run does not hang there.
func RunReal(body func(env Env)) error {
	e := NewRealEnv()
	e.Go("main", func() { body(e) })
	return e.Wait()
}

// Wait waits for every thread started with Go and returns the first panic
// among them as an error.
func (e *RealEnv) Wait() error {
	e.wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// Go starts f in a new goroutine that Wait waits for.
func (e *RealEnv) Go(name string, f func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if _, ok := r.(errRealAborted); ok {
				return
			}
			stack := debug.Stack()
			e.mu.Lock()
			if e.err == nil {
				e.err = fmt.Errorf("thread %s panicked: %v\n%s", name, r, stack)
			}
			e.mu.Unlock()
			e.failed.Store(true)
		}()
		f()
	}()
}

// Yield calls runtime.Gosched.
func (e *RealEnv) Yield() { runtime.Gosched() }

// WaitUntil polls cond, yielding the processor between polls. It gives up
// (unwinding the calling thread) once another thread has panicked.
func (e *RealEnv) WaitUntil(what string, cond func() bool) {
	for !cond() {
		if e.failed.Load() {
			panic(errRealAborted{})
		}
		runtime.Gosched()
	}
}

// NewMutex returns a sync.Mutex.
func (e *RealEnv) NewMutex(name string) Mutex { return &realMutex{} }

// NewRWMutex returns a sync.RWMutex.
func (e *RealEnv) NewRWMutex(name string) RWMutex { return &realRWMutex{} }

// NewInt32 returns an atomic.Int32 holding v.
func (e *RealEnv) NewInt32(name string, v int32) Int32 {
	x := &realInt32{}
	x.Store(v)
	return x
}

// NewInt64 returns an atomic.Int64 holding v.
func (e *RealEnv) NewInt64(name string, v int64) Int64 {
	x := &realInt64{}
	x.Store(v)
	return x
}

// NewCond returns a sync.Cond on l, which must come from this kind of Env.
func (e *RealEnv) NewCond(name string, l Locker) Cond {
	switch m := l.(type) {
	case *realMutex:
		return sync.NewCond(&m.Mutex)
	case *realRWMutex:
		return sync.NewCond(&m.RWMutex)
	}
	panic(fmt.Sprintf("sched: NewCond %s: the locker (%T) was not made by a RealEnv", name, l))
}

type realMutex struct{ sync.Mutex }

type realRWMutex struct{ sync.RWMutex }

type realInt32 struct{ atomic.Int32 }

type realInt64 struct{ atomic.Int64 }

var (
	_ Env     = (*RealEnv)(nil)
	_ Mutex   = (*realMutex)(nil)
	_ RWMutex = (*realRWMutex)(nil)
	_ Int32   = (*realInt32)(nil)
	_ Int64   = (*realInt64)(nil)
	_ Cond    = (*sync.Cond)(nil)
)
