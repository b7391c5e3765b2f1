// Command pidcheck explores, replays and compares PID-allocation concurrency.
//
//	pidcheck list                 implementations and strategies
//	pidcheck check                explore the correct implementations
//	pidcheck zoo                  show what the checker catches
//	pidcheck replay FILE          reproduce a saved trace exactly
//	pidcheck shrink FILE          minimize a saved trace
//	pidcheck compare              linux, openvz and pspace2006 side by side
//	pidcheck kernel               check the spec against the running kernel
//	pidcheck merge FILE...        join the --json results of check's shards
//
// Exit status: 0 ok, 1 violation found (or reproduced, or the exploration
// died), 2 bad usage or bad input, 3 inconclusive (Unknown, or check
// interrupted), 4 replay diverged.
//
// check and zoo explore in a child process they supervise, so that code
// under test that ends the process (os.Exit, a fatal error, a crash in a
// goroutine of its own) cannot end it with a false pass: see supervise.go.
package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is the collector's GOGC for pidcheck, unless the environment
// sets GOGC. An exploration's live heap is about a megabyte while it
// allocates some 30 KB a schedule, so at Go's default (100) the collector
// runs every hundred-odd schedules, 150–200 times a second, for a fifth of
// the CPU (BENCHMARKS.md, "Throughput, fifth pass"); at 400 it runs a
// quarter as often, for a heap still of a few megabytes.
const gcPercent = 400

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, config{supervise: true}))
}
