//go:build !amd64 && !arm64

package sched

import "runtime"

// getg returns an identity of the running goroutine that is unique among
// live goroutines: on architectures without goid_*.s, its goroutine id,
// parsed from the header of runtime.Stack ("goroutine 17 [running]:"). It
// is correct but costs about a microsecond.
func getg() uintptr {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = len("goroutine ")
	var id uintptr
	for i := prefix; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		id = id*10 + uintptr(b[i]-'0')
	}
	return id
}
