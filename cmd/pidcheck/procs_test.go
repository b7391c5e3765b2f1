package main

import (
	"runtime"
	"testing"
)

// TestFitProcs: fitProcs lowers GOMAXPROCS to the schedules run at once and
// puts it back; a GOMAXPROCS from the environment, or a count at or above
// the current one, leaves it alone.
func TestFitProcs(t *testing.T) {
	start := runtime.GOMAXPROCS(0)
	if start < 2 {
		t.Skipf("GOMAXPROCS is %d: nothing to lower", start)
	}
	restore := fitProcs(1)
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("after fitProcs(1): GOMAXPROCS %d, want 1", got)
	}
	restore()
	if got := runtime.GOMAXPROCS(0); got != start {
		t.Fatalf("after restore: GOMAXPROCS %d, want %d", got, start)
	}
	fitProcs(start)()
	fitProcs(start + 1)()
	if got := runtime.GOMAXPROCS(0); got != start {
		t.Errorf("fitProcs(%d) and (%d) changed GOMAXPROCS to %d", start, start+1, got)
	}
	t.Setenv("GOMAXPROCS", "2")
	restore = fitProcs(1)
	if got := runtime.GOMAXPROCS(0); got != start {
		t.Errorf("with GOMAXPROCS in the environment, fitProcs(1) set it to %d", got)
	}
	restore()
}
