package sched

import (
	"iter"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. The machines are shared
// and loaded, so wall time per op (ns/op) includes waiting for a core;
// cpu-ns/op, reported beside it, does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the cpu-ns/op metric for the CPU time since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkCoroBaseline is the floor: one iter.Pull round trip (resume a
// coroutine, which yields straight back).
func BenchmarkCoroBaseline(b *testing.B) {
	next, stop := iter.Pull(func(yield func(struct{}) bool) {
		for yield(struct{}{}) {
		}
	})
	defer stop()
	start := cpuTime()
	for b.Loop() {
		next()
	}
	reportCPU(b, start)
}

// alternate always switches to another runnable thread when there is one.
type alternate struct{}

func (alternate) Begin()       {}
func (alternate) End(*Outcome) {}
func (alternate) Choose(p *Point) (int, error) {
	for i, q := range p.Runnable {
		if q.Thread != p.Last {
			return i, nil
		}
	}
	return 0, nil
}

// opsPerRun splits a benchmark into runs of this many scheduling points
// (the decision record grows with a run).
const opsPerRun = 10000

// benchRuns runs body(env, ops) in runs of opsPerRun until b.N points.
func benchRuns(b *testing.B, c Chooser, body func(env Env, ops int)) {
	b.ReportAllocs()
	start := cpuTime()
	defer reportCPU(b, start)
	for left := b.N; left > 0; left -= opsPerRun {
		ops := min(left, opsPerRun)
		o := Run(c, Options{MaxSteps: 2 * opsPerRun}, func(env Env) { body(env, ops) })
		if o.Verdict != Done {
			b.Fatal(o)
		}
	}
}

// BenchmarkSwitch: per op, one scheduling point (a Yield) where control
// passes to the other thread: main and A alternate.
func BenchmarkSwitch(b *testing.B) {
	benchRuns(b, alternate{}, func(env Env, ops int) {
		env.Go("A", func() {
			for range ops / 2 {
				env.Yield()
			}
		})
		for range ops - ops/2 - 1 {
			env.Yield()
		}
	})
}

// BenchmarkPointNoSwitch: per op, one scheduling point (a Yield) where the
// same thread continues.
func BenchmarkPointNoSwitch(b *testing.B) {
	benchRuns(b, NewRandom(1), func(env Env, ops int) {
		for range ops {
			env.Yield()
		}
	})
}

// BenchmarkRunLostUpdate: one whole run of the 2 threads × 2 increments
// counter (14 decisions, 3 threads), random chooser: the per-run cost a
// small scenario pays (driver goroutine, coroutines, watchdog timer,
// outcome and hash).
func BenchmarkRunLostUpdate(b *testing.B) {
	b.ReportAllocs()
	var final int32
	body := counter(2, 2, false, &final)
	c := NewRandom(1)
	start := cpuTime()
	for b.Loop() {
		if o := Run(c, Options{}, body); o.Verdict != Done {
			b.Fatal(o)
		}
	}
	reportCPU(b, start)
}
