package checker

import (
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// Stress runs are the baseline the controlled strategies are measured
// against: the same generated scenarios (ScenarioSeed, as every other
// strategy derives them) run on real goroutines over the pass-through Env
// (sched.RunReal), the threads of the parallel part released together by a
// start barrier, and the history judged by the same judge as a controlled
// run. Nothing decides the interleaving but the Go runtime and the
// machine, so a stress run is NOT deterministic: the same seed gives the
// same scenario, not the same schedule, and a stress finding's trace holds
// its history and verdict but no decisions to replay (see IsStressTrace).

// stressWatchdog is how long a stress run may take when RunOptions.Watchdog
// is not set: a real deadlock or livelock never ends, so past it the run
// is given up (its goroutines are left behind) and judged a watchdog
// violation.
const stressWatchdog = 10 * time.Second

// StressStrategy is the Strategy a stress run records in its Result and
// trace. IsStressTrace recognises a trace by it.
const StressStrategy = string(Stress)

// IsStressTrace reports whether t records a stress run: strategy stress
// and no scheduling decisions. Such a trace holds a history observed on
// real goroutines, with its verdict, but no schedule, so it cannot be
// replayed; JudgeTrace judges its history again. (A stress finding that
// Shrink reproduced under the controlled scheduler has decisions and
// replays like any other trace.)
func IsStressTrace(t *traces.Trace) bool {
	return t.Strategy == StressStrategy && len(t.Decisions) == 0 && len(t.Runs) == 0
}

// stressThread is one thread of the parallel part as it ran: its ops in
// order, with the ticks of their calls and returns.
type stressThread struct {
	ops []traces.Operation
}

// stressRun executes sc once on a fresh instance of t on real goroutines
// and judges it with judge, as Run judges a controlled run.
//
// The init part, the drain and the post part run on the thread "main" as
// in Run. Each thread of the parallel part runs on its own goroutine;
// they wait at a start barrier until all have started, so that they begin
// together. Every call and every return takes its tick from one shared
// atomic counter: the call's before the op starts, the return's after it
// has returned, so the op's real execution lies inside [call, return] and
// a history porcupine linearizes is one the real run could have shown. A
// panic in any thread is a panic violation; a run that has not ended
// within o.Watchdog (default 10 s) is a watchdog violation and its
// goroutines are left running, as the controlled scheduler leaves a
// thread stuck outside it.
func stressRun(t Target, sc model.Scenario, o RunOptions) *Result {
	res := &Result{Impl: t.Name, Spec: t.Spec, Policy: t.Policy, Strategy: StressStrategy, Seed: o.Seed, Schedules: 1}
	s, err := SpecFor(t.Spec, sc.Params, t.Policy)
	if err != nil {
		res.Scenario = sc.Clone()
		res.Verdict = verdictUnknown
		res.Reason = err.Error()
		return res
	}
	// rec records the sequential parts, on main alone, as Run's does; the
	// parallel part is recorded per thread and merged in by call tick.
	rec := &recorder{steps: &counting{}}
	ran := sc.Clone()
	threads := make([]stressThread, len(sc.Threads))
	finished := make(chan error, 1)
	go func() {
		finished <- sched.RunReal(func(env sched.Env) {
			impl := t.New(env, sc.Params)
			for _, op := range sc.Init {
				rec.do(impl, "main", op)
			}
			rec.validate(impl, "the init part")
			if len(sc.Threads) > 0 {
				rec.tick = stressParallel(env, impl, sc, threads, rec.tick)
				for _, th := range threads {
					rec.history = append(rec.history, th.ops...)
				}
				// The recorder keeps a span per op; a stress run has no
				// decisions for them to index (the Result keeps none).
				for len(rec.spans) < len(rec.history) {
					rec.spans = append(rec.spans, [2]int{})
				}
				par := rec.history[len(rec.history)-parallelOps(sc):]
				slices.SortFunc(par, func(a, b traces.Operation) int { return a.Call - b.Call })
			}
			rec.validate(impl, "the parallel part")
			if o.Drain {
				ran.Post = nil
				drain(impl, rec, sc, &ran.Post)
				ran.Post = append(ran.Post, sc.Post...)
			}
			for _, op := range sc.Post {
				rec.do(impl, "main", op)
			}
			rec.validate(impl, "the post part")
		})
	}()
	wd := o.Watchdog
	if wd <= 0 {
		wd = stressWatchdog
	}
	timer := time.NewTimer(wd)
	defer timer.Stop()
	out := &sched.Outcome{Verdict: sched.Done}
	select {
	case err := <-finished:
		if err != nil {
			out.Verdict, out.Message = sched.Panic, err.Error()
		}
	case <-timer.C:
		// The threads still run and write their records: none can be
		// read. The scenario is what ran; the verdict says why there is
		// no history.
		res.Scenario = sc.Clone()
		res.Verdict = violation(traces.Watchdog)
		res.Reason = fmt.Sprintf("stress run on real goroutines did not end within %v: a deadlock or a livelock (its goroutines are left running; no history is recorded)", wd)
		return res
	}
	if out.Verdict == sched.Panic {
		// A thread that panicked, or gave up when another did, left its
		// ops unmerged: take what every thread recorded, its unfinished
		// op pending.
		rec.history = mergeStressHistory(rec.history, threads)
	}
	res.Scenario = ran
	res.History = rec.history
	res.Verdict, res.Reason = judge(s, out, rec, o)
	if o.Coverage {
		res.Coverage = measureCoverage(s, rec.history, res.Verdict)
	}
	return res
}

// stressParallel runs the parallel part of sc on impl: one goroutine per
// thread, released together by a start barrier, each recording its ops
// into threads[i] with ticks from one atomic counter that starts at tick.
// It returns the next free tick once every thread has ended.
func stressParallel(env sched.Env, impl model.Impl, sc model.Scenario, threads []stressThread, tick int) int {
	var (
		clock   atomic.Int64 // the next tick
		ready   atomic.Int32 // threads at the barrier
		release atomic.Bool  // the barrier is open
	)
	clock.Store(int64(tick))
	done := env.NewInt32("harness.done", 0)
	for i, ops := range sc.Threads {
		name := model.ThreadName(i)
		th := &threads[i]
		th.ops = make([]traces.Operation, 0, len(ops))
		env.Go(name, func() {
			ready.Add(1)
			for !release.Load() {
				runtime.Gosched()
			}
			for _, op := range ops {
				k := len(th.ops)
				th.ops = append(th.ops, traces.Operation{Thread: name, Op: op, Call: int(clock.Add(1) - 1), Return: traces.NoReturn})
				r := impl.Apply(op)
				th.ops[k].Return = int(clock.Add(1) - 1)
				th.ops[k].Result = r
			}
			done.Add(1)
		})
	}
	for int(ready.Load()) < len(sc.Threads) {
		runtime.Gosched()
	}
	release.Store(true)
	env.WaitUntil("harness: every thread done", func() bool { return int(done.Load()) == len(sc.Threads) })
	return int(clock.Load())
}

// mergeStressHistory is the history of a run a panic ended: h (what main
// recorded) with every thread's ops that are not in it yet, sorted by
// call tick. It is read after every goroutine of the run has ended.
func mergeStressHistory(h []traces.Operation, threads []stressThread) []traces.Operation {
	seen := map[int]bool{} // the call ticks of h's ops: every tick is taken once
	for _, o := range h {
		seen[o.Call] = true
	}
	for _, th := range threads {
		for _, o := range th.ops {
			if !seen[o.Call] {
				h = append(h, o)
			}
		}
	}
	slices.SortStableFunc(h, func(a, b traces.Operation) int { return a.Call - b.Call })
	return h
}

// JudgeTrace judges t's recorded history against its spec and policy with
// the judge every run gets, without running anything: how pidcheck replay
// treats a stress trace (IsStressTrace), whose schedule cannot be
// replayed. Only what a history shows can be judged again: a recorded
// panic, deadlock, watchdog or invariant verdict came from the run, and
// its history alone may well pass.
func JudgeTrace(t *traces.Trace, o RunOptions) (*Result, error) {
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := SpecFits(t.Spec, t.Scenario.Level); err != nil {
		return nil, fmt.Errorf("trace %s: %v", t.Impl, err)
	}
	r := ResultFromTrace(t)
	s, err := SpecFor(r.Spec, t.Scenario.Params, t.Policy)
	if err != nil {
		return nil, err
	}
	r.Verdict, r.Reason = JudgeHistory(s, r.History, o)
	return r, nil
}

// JudgeHistory judges a complete history — every op returned — observed
// anywhere (a stress run, a real kernel: pidcheck kernel --concurrent)
// against spec s with the judge every controlled run gets: the call and
// return orders as witnesses first, then porcupine, with the spec's reason;
// a porcupine timeout is Unknown.
func JudgeHistory(s spec.Spec, h []traces.Operation, o RunOptions) (traces.Verdict, string) {
	return judge(s, &sched.Outcome{Verdict: sched.Done}, &recorder{history: h}, o)
}
