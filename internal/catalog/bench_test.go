package catalog_test

import (
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// cpuTime is the process's user+system CPU time: on a shared, loaded
// machine wall time per op includes waiting for a core, CPU time does not
// (it does include the garbage collector's background work, which is part
// of a schedule's cost).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op and, when perSecond names a unit, the ops per
// CPU-second, for the CPU time since start.
func reportCPU(b *testing.B, start time.Duration, perSecond string) {
	cpu := cpuTime() - start
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	if perSecond != "" && cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), perSecond)
	}
}

// BenchmarkExploreS1 is S1 end to end: pidcheck check --impl idr --threads 3
// --ops 4 --pid-max 16 --strategy pct --jobs 1, as the engine runs it (one
// worker, the drain, the judge, lean results), one schedule per op; it
// reports schedules per CPU-second. The sub-benchmarks run the same
// exploration on the other correct implementations (linux is the
// process-level target of the throughput work).
func BenchmarkExploreS1(b *testing.B) {
	for _, e := range entries(b, false) {
		b.Run(e.Name, func(b *testing.B) {
			o := checker.ExploreOptions{
				Strategy: checker.PCT, Seed: 1, Workers: 1, Schedules: b.N,
				Gen: checker.GenOptions{Threads: 3, Ops: 4, Params: model.Params{PidMax: 16, Floor: 4, MaxLevel: model.KernelMaxLevel}},
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := cpuTime()
			rep, err := checker.Explore(catalog.Target(e), o)
			reportCPU(b, start, "schedules/cpu-s")
			if err != nil {
				b.Fatal(err)
			}
			if rep.Verdict.Outcome != traces.Ok || rep.Schedules != b.N {
				b.Fatalf("%s after %d of %d schedules", rep.Verdict, rep.Schedules, b.N)
			}
		})
	}
}

// BenchmarkScenarioPidMax: BenchmarkScenario's whole small scenario on the
// allocator-level implementations at pid_max 16 and at the kernel's
// largest, 4194304: the cost of a schedule should not grow with the space
// (the generator's numbers, the drain and the witness check are bounded).
func BenchmarkScenarioPidMax(b *testing.B) {
	for _, e := range entries(b, false) {
		if e.Level != model.AllocLevel {
			continue
		}
		for _, pm := range []int{16, model.KernelPidMax} {
			b.Run(e.Name+"/"+strconv.Itoa(pm), func(b *testing.B) {
				p := model.Params{PidMax: pm, Floor: 4, MaxLevel: model.KernelMaxLevel}
				benchScenarios(b, e, p)
			})
		}
	}
}

// benchScenarios runs BenchmarkScenario's loop for e with parameters p.
func benchScenarios(b *testing.B, e alloc.Entry, p model.Params) {
	s, err := checker.SpecFor(e.Spec, p, e.Policy)
	if err != nil {
		b.Skip(err)
	}
	g := checker.GenOptions{Params: p, Oracle: func(ops []model.Op) []model.Result { return spec.Run(s, ops) }}
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; b.Loop(); i++ {
		seed := checker.ScenarioSeed(1, i)
		sc := checker.Generate(checker.SeedSource(seed), e.Level, g)
		r := checker.Run(catalog.Target(e), sc, sched.NewRandom(seed), checker.RunOptions{Drain: true, Lean: true})
		if r.Verdict.Outcome != traces.Ok {
			b.Fatalf("%s", checker.Banner(r, checker.Reproduce{}))
		}
	}
	reportCPU(b, start, "")
}
