package openvz

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/spec/internal/spectest"
)

// TestPropertyExpectPassesStep: under every policy, the spec's own answer
// passes its Step and both reach the same state; states are immutable
// (stepping does not change the receiver's Key); Init is deterministic.
func TestPropertyExpectPassesStep(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spectest.CheckExpectPassesStep(t, New)
	})
}
