package spec_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/internal/spectest"
)

// TestPropertyLinuxExpectPassesStep holds spec.Linux to the variants'
// shared property over every op kind, absurd arguments included: its own
// answer passes Step, states are immutable, and a refusal (EINVAL, ESRCH)
// changes nothing.
func TestPropertyLinuxExpectPassesStep(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spectest.CheckExpectPassesStep(t, spec.Linux)
	})
}
