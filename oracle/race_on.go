//go:build race

package oracle

// raceBuild reports a build with the race detector, whose instrumentation
// calls into the Go runtime from every function, the agents' too: a thread
// agent (CLONE_VM, a stand-in g) cannot run under it.
const raceBuild = true
