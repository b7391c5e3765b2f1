package sched

import "testing"

// TestGoroutineIdentity: getg (assembly on amd64 and arm64) and
// goidFromStack (every other architecture) are stable within a goroutine,
// non-zero, and differ between two live goroutines.
func TestGoroutineIdentity(t *testing.T) {
	for _, id := range []struct {
		name string
		f    func() uintptr
	}{{"getg", getg}, {"goidFromStack", goidFromStack}} {
		a := id.f()
		other := make(chan uintptr)
		release := make(chan struct{})
		go func() {
			other <- id.f()
			<-release
		}()
		b := <-other
		if a == 0 || b == 0 || a == b || id.f() != a {
			t.Errorf("%s: this goroutine %d (then %d), another %d: want stable, non-zero, distinct", id.name, a, id.f(), b)
		}
		close(release)
	}
}
