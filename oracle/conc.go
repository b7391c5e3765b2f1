package oracle

import (
	"context"
	"fmt"
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// Main is TimedOp.Thread for an op of the sequential init and post parts.
const Main = -1

// TimedOp is one op of a kernel history: what was asked, what the kernel
// answered, and when, in CLOCK_MONOTONIC nanoseconds. The real execution
// of the op lies inside [Call, Return] (see the package doc, "Concurrent
// histories: timing").
type TimedOp struct {
	Thread int // Main, or the parallel part's thread index (0 is A)
	Op     model.Op
	Result model.Result
	Call   int64
	Return int64
	// Async: the op's effect completes after its system call returns
	// (exit, a kill that sent a signal, a wait that reaped); Return is
	// when that completion was observed, not when the call returned, so
	// it may come after the thread's next ops were called.
	Async bool
	Note  string // non-empty when the oracle answered, not the kernel
}

// ConcRun is one scenario run for real with its parallel part concurrent.
type ConcRun struct {
	// Scenario is what ran: the scenario given, each thread cut after
	// its last op that was issued (a thread whose task died stops).
	Scenario model.Scenario
	// History holds every op that ran, in call order.
	History []TimedOp
	// Unknown, when non-empty, says why the history cannot be judged
	// (an op whose answer the oracle could not observe): the verdict
	// is then Unknown, never a pass.
	Unknown string
	// Overlaps counts pairs of ops of different threads whose
	// intervals overlap: how concurrent the run really was.
	Overlaps int
	// StartSkew is the spread, in ns, of the threads' first calls: how
	// together the barrier released them (0 with fewer than two threads).
	StartSkew int64
}

// rawOp is one op as a kernel backend reports it, before assembly.
type rawOp struct {
	res        model.Result
	note       string
	call, ret  int64
	async      bool
	ran        bool   // the op was issued (its call time is real)
	unanswered string // issued, but its answer was never observed: why
}

// concKernel is what RunConcurrent needs from a kernel: the real one
// (conc_linux.go) or, in tests, a fake.
type concKernel interface {
	// seq runs one op of the init or post part, timed by the host.
	seq(op model.Op) (rawOp, error)
	// parallel runs the threads' ops at once and returns, per thread,
	// every op it issued. Async ops' ret is their system call's return.
	parallel(ctx context.Context, threads [][]model.Op) ([][]rawOp, error)
	// complete reports whether every async effect so far is complete,
	// waiting at most a short while, and the CLOCK_MONOTONIC time
	// read after the check that found it complete.
	complete() (at int64, ok bool, err error)
	close()
}

// validateConcurrent checks that a scenario can run in the kernel
// concurrently: process level, at most maxThreads threads of at most
// maxOps ops, each thread's ops acted by one task (the thread is that
// task), an exit only as a thread's last op.
func validateConcurrent(sc model.Scenario) error {
	if sc.Level != model.ProcessLevel {
		return fmt.Errorf("the kernel oracle runs process-level scenarios only")
	}
	if len(sc.Threads) > MaxThreads {
		return fmt.Errorf("%d threads: the kernel oracle runs at most %d", len(sc.Threads), MaxThreads)
	}
	for _, part := range [][]model.Op{sc.Init, sc.Post} {
		for _, op := range part {
			if op.Kind.Level() != model.ProcessLevel {
				return fmt.Errorf("op %q: the kernel oracle runs process-level ops only", op)
			}
		}
	}
	for i, ops := range sc.Threads {
		name := model.ThreadName(i)
		if len(ops) > MaxOps {
			return fmt.Errorf("thread %s: %d ops, at most %d", name, len(ops), MaxOps)
		}
		for j, op := range ops {
			if op.Task != ops[0].Task {
				return fmt.Errorf("thread %s: ops by %s and %s: each thread runs as one task", name, ops[0].Task, op.Task)
			}
			if !concurrentKind(op) {
				return fmt.Errorf("thread %s op %q: not run concurrently by the kernel oracle", name, op)
			}
			if op.Kind == model.Exit && j != len(ops)-1 {
				return fmt.Errorf("thread %s: exit must be its last op", name)
			}
		}
		for k := range i {
			if len(ops) > 0 && len(sc.Threads[k]) > 0 && sc.Threads[k][0].Task == ops[0].Task {
				return fmt.Errorf("threads %s and %s both act as %s", model.ThreadName(k), name, ops[0].Task)
			}
		}
	}
	return nil
}

// MaxThreads and MaxOps bound a concurrent scenario's parallel part.
const (
	MaxThreads = 8
	MaxOps     = 16
)

// concurrentKind reports whether op is one a thread can run in a batch:
// no translate (the oracle would need the target's pidfd in flight) and
// none of the ops the oracle answers itself.
func concurrentKind(op model.Op) bool {
	switch op.Kind {
	case model.Fork, model.Exit, model.Unshare, model.SetNs, model.GetPid, model.GetPPid, model.SetPidMax, model.SetLastPid:
		return true
	case model.ForkWithTid:
		return len(op.Tids) > 0 && len(op.Tids) <= maxTidsModel
	case model.Wait:
		return op.Pid == -1 || op.Pid > 0 && int(int32(op.Pid)) == op.Pid
	case model.Kill:
		return (op.Pid == -1 || op.Pid > 0 && int(int32(op.Pid)) == op.Pid) && (op.Sig == 0 || op.Sig == 9 || op.Sig == 15)
	case model.Lookup:
		return op.Pid > 0 && int(int32(op.Pid)) == op.Pid
	}
	return false
}

// maxTidsModel is set_tid's longest list (MAX_PID_NS_LEVEL + 1).
const maxTidsModel = 33

// RunConcurrent runs sc in a fresh PID namespace of the running kernel:
// the init part op by op, then every thread of the parallel part as its
// own task, all released at once, then the post part op by op. It
// returns the timed history. An error means the oracle failed; an op whose
// answer could not be observed makes the run Unknown (ConcRun.Unknown).
func RunConcurrent(ctx context.Context, sc model.Scenario) (*ConcRun, error) {
	if err := validateConcurrent(sc); err != nil {
		return nil, err
	}
	k, err := openConcKernel()
	if err != nil {
		return nil, err
	}
	defer k.close()
	return runConcurrent(ctx, k, sc)
}

func runConcurrent(ctx context.Context, k concKernel, sc model.Scenario) (*ConcRun, error) {
	run := &ConcRun{Scenario: model.Scenario{Level: sc.Level, Params: sc.Params, Init: sc.Init, Post: sc.Post}}
	var hist []TimedOp
	add := func(thread int, op model.Op, r rawOp) {
		hist = append(hist, TimedOp{Thread: thread, Op: op, Result: r.res, Call: r.call, Return: r.ret, Async: r.async, Note: r.note})
	}
	for i, op := range sc.Init {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := k.seq(op)
		if err != nil {
			return nil, fmt.Errorf("init op %d %q: %w", i, op, err)
		}
		add(Main, op, r)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	per, err := k.parallel(ctx, sc.Threads)
	if err != nil {
		return nil, fmt.Errorf("parallel part: %w", err)
	}
	if len(per) != len(sc.Threads) {
		return nil, fmt.Errorf("internal: %d threads ran, the scenario has %d", len(per), len(sc.Threads))
	}
	var pending []int // history indexes of async ops not yet known complete
	run.Scenario.Threads = make([][]model.Op, len(sc.Threads))
	for t, ops := range sc.Threads {
		if len(per[t]) > len(ops) {
			return nil, fmt.Errorf("internal: thread %s reported %d ops of %d", model.ThreadName(t), len(per[t]), len(ops))
		}
		for j, r := range per[t] {
			if !r.ran {
				break
			}
			if r.unanswered != "" && run.Unknown == "" {
				run.Unknown = fmt.Sprintf("thread %s op %q: %s", model.ThreadName(t), ops[j], r.unanswered)
			}
			run.Scenario.Threads[t] = append(run.Scenario.Threads[t], ops[j])
			if r.async {
				pending = append(pending, len(hist))
			}
			add(t, ops[j], r)
		}
	}
	finish := func(at int64) {
		for _, i := range pending {
			hist[i].Return = max(hist[i].Return, at)
		}
		pending = nil
	}
	if len(pending) > 0 {
		at, ok, err := k.complete()
		if err != nil {
			return nil, err
		}
		if ok {
			finish(at)
		}
	}
	for i, op := range sc.Post {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := k.seq(op)
		if err != nil {
			return nil, fmt.Errorf("post op %d %q: %w", i, op, err)
		}
		add(Main, op, r)
		if len(pending) > 0 {
			at, ok, err := k.complete()
			if err != nil {
				return nil, err
			}
			if ok {
				finish(at)
			}
		}
	}
	if len(pending) > 0 {
		if run.Unknown == "" {
			o := hist[pending[0]]
			run.Unknown = fmt.Sprintf("the effect of %q (thread %s) was never observed complete: a dying init still waits for a task to be reaped", o.Op, model.ThreadName(o.Thread))
		}
		// Sound, if useless: a return after everything.
		last := int64(0)
		for _, o := range hist {
			last = max(last, o.Call, o.Return)
		}
		finish(last + 1)
	}
	slices.SortStableFunc(hist, func(a, b TimedOp) int {
		switch {
		case a.Call < b.Call:
			return -1
		case a.Call > b.Call:
			return 1
		}
		return 0
	})
	run.History = hist
	run.Overlaps = overlaps(hist)
	run.StartSkew = startSkew(hist)
	return run, nil
}

// startSkew is the spread of the parallel threads' first call times.
func startSkew(h []TimedOp) int64 {
	first := map[int]int64{}
	for _, o := range h {
		if _, ok := first[o.Thread]; !ok && o.Thread != Main {
			first[o.Thread] = o.Call
		}
	}
	if len(first) < 2 {
		return 0
	}
	lo, hi := int64(1<<62), int64(-1<<62)
	for _, t := range first {
		lo, hi = min(lo, t), max(hi, t)
	}
	return hi - lo
}

// overlaps counts pairs of ops of different parallel threads whose
// intervals overlap.
func overlaps(h []TimedOp) int {
	n := 0
	for i, a := range h {
		if a.Thread == Main {
			continue
		}
		for _, b := range h[i+1:] {
			if b.Thread != Main && b.Thread != a.Thread && b.Call <= a.Return && a.Call <= b.Return {
				n++
			}
		}
	}
	return n
}

// Ticks ranks a history's times into distinct logical ticks, as the
// checker's histories have them: calls[i] and returns[i] for h[i], every
// tick used once, each call before its return, and a real-time order kept
// exactly: if a returned before b was called (a.Return < b.Call), a's
// return tick is below b's call tick. Equal nanoseconds are ordered as
// concurrent (calls first), which only ever allows more orders. A thread's
// next call is a later clock reading than its previous op's system call
// return (both are system calls in program order, hundreds of ns apart),
// so a thread's ops keep their order, except that an Async op's return
// (its effect seen complete) may follow its thread's next calls.
func Ticks(h []TimedOp) (calls, returns []int) {
	type ev struct {
		t   int64
		ret bool
		i   int
	}
	evs := make([]ev, 0, 2*len(h))
	for i, o := range h {
		evs = append(evs, ev{t: o.Call, i: i}, ev{t: o.Return, ret: true, i: i})
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		case a.ret == b.ret:
			return 0
		case b.ret:
			return -1
		}
		return 1
	})
	calls, returns = make([]int, len(h)), make([]int, len(h))
	for k, e := range evs {
		if e.ret {
			returns[e.i] = k
		} else {
			calls[e.i] = k
		}
	}
	return calls, returns
}
