package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync/atomic"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// Hostile implementations: idr, except that at its hostileAt-th op in the
// process it ends the process the way code under test can. They exist in
// the test binary only (config.extra: --impl finds them, list and the
// default check never show them), for the tests of supervision
// (testdata/script/crashed.txtar).
const hostileAt = 40

// hostileEntries are the test binary's extra implementations.
func hostileEntries() []alloc.Entry {
	return []alloc.Entry{
		// os.Exit(0) from the code under test: unsupervised, check ends
		// with a silent exit 0.
		hostile("hostile-exit0", func() { os.Exit(0) }),
		// Unbounded recursion: Go's "stack overflow" fatal error, exit 2
		// unsupervised. (The stack limit is lowered first, so that the
		// overflow costs 16 MB, not 1 GB.)
		hostile("hostile-recurse", func() {
			debug.SetMaxStack(16 << 20)
			recurse(0)
		}),
		// An allocation the system cannot give: Go's "out of memory" fatal
		// error, exit 2 unsupervised. (64 TiB: below Go's largest slice,
		// above any machine's memory; refused at once, nothing is touched.)
		hostile("hostile-oom", func() { hostileSink = make([]byte, 1<<46) }),
		// A panic in a goroutine the implementation started on its own,
		// outside the Env: nothing of pidcheck's can recover it; exit 2
		// unsupervised. The op waits for it, so it happens in this run.
		hostile("hostile-goroutine-panic", func() {
			go func() { panic("hostile: a goroutine of the implementation's own panics") }()
			select {}
		}),
		// runtime.Goexit on the thread the scheduler runs the op on.
		hostile("hostile-goexit", runtime.Goexit),
		hostileShrink(),
	}
}

// hostileSink keeps hostile-oom's allocation from being optimized away.
var hostileSink []byte

// hostileOps counts the ops of every hostile instance in this process.
var hostileOps atomic.Int64

// hostile is idr that calls die at the process's hostileAt-th op.
func hostile(name string, die func()) alloc.Entry {
	e, err := alloc.Lookup("idr")
	if err != nil {
		panic(err)
	}
	inner := e.New
	e.Name = name
	e.New = func(env sched.Env, p model.Params) model.Impl {
		return &hostileImpl{inner: inner(env, p), die: die}
	}
	return e
}

type hostileImpl struct {
	inner model.Impl
	die   func()
	every bool // die at every op, not at the process's hostileAt-th
}

func (h *hostileImpl) Apply(op model.Op) model.Result {
	if h.every || hostileOps.Add(1) == hostileAt {
		h.die()
	}
	return h.inner.Apply(op)
}

// hostileShrink is idr whose first instance panics in its first op (a
// violation: the checker catches the panic) and whose later instances —
// the runs that shrink that violation — call os.Exit(0).
func hostileShrink() alloc.Entry {
	var instances atomic.Int64
	e := hostile("hostile-shrink-exit0", func() {})
	inner := e.New
	e.New = func(env sched.Env, p model.Params) model.Impl {
		die := func() { os.Exit(0) }
		if instances.Add(1) == 1 {
			die = func() { panic("hostile: the first run panics") }
		}
		return &hostileImpl{inner: inner(env, p), die: die, every: true}
	}
	return e
}

// recurse never returns: its stack overflows.
func recurse(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	//lint:ignore SA5007 the unbounded recursion is the point
	return recurse(n+1) + int(pad[0])
}
