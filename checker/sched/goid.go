package sched

import "runtime"

// goidFromStack returns the running goroutine's id, parsed from the header
// of its stack trace ("goroutine 17 [running]:"). Goroutine ids are never
// reused. It is getg where no assembly reads the runtime's g.
func goidFromStack() uintptr {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = len("goroutine ")
	var id uintptr
	for i := prefix; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		id = id*10 + uintptr(b[i]-'0')
	}
	return id
}
