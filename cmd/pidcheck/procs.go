package main

import (
	"os"
	"runtime"
)

// fitProcs lowers GOMAXPROCS to running, the schedules the process runs at
// once, unless the environment sets GOMAXPROCS or it is already that low,
// and returns what puts it back. A schedule's goroutines take turns (the
// run's driver, its threads' coroutines and the goroutine waiting for the
// run never run at the same time), so a P beyond the explorers only idles,
// and each hand-off between two of them wakes an idle P to find nothing
// (runtime.wakep, a futex wake and an M put back to sleep): at --jobs 1 on
// two cores, 1.6–1.8× the CPU for the same schedules (BENCHMARKS.md,
// "Throughput, sixth pass"). Stress runs need every core and never call it.
func fitProcs(running int) (restore func()) {
	if _, set := os.LookupEnv("GOMAXPROCS"); set || running < 1 || running >= runtime.GOMAXPROCS(0) {
		return func() {}
	}
	prev := runtime.GOMAXPROCS(running)
	return func() { runtime.GOMAXPROCS(prev) }
}
