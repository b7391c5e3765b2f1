//go:build amd64 || arm64

package sched

// getg returns the running goroutine's runtime descriptor (its g) as a
// number: an identity that is unique among live goroutines. It is read from
// the register or thread-local slot where the runtime keeps it (goid_*.s),
// so it costs a call and a load.
func getg() uintptr
