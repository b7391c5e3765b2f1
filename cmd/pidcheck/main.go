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
// Exit status: 0 ok, 1 violation found (or reproduced), 2 bad usage or bad
// input, 3 inconclusive (Unknown, or check interrupted), 4 replay diverged.
package main

import "os"

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
