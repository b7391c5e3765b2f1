package sched

import (
	"testing"

	"go.uber.org/goleak"
	"pgregory.net/rapid"
)

// TestMain fails the package if any goroutine of any run outlives it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newRapid draws every contested decision from rt, as checker.NewRapidChooser does.
func newRapid(rt *rapid.T) Chooser {
	return NewDrawing(func(n int) int { return rapid.IntRange(0, n-1).Draw(rt, "thread") })
}
