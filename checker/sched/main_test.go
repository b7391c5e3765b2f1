package sched

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine of any run outlives it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
