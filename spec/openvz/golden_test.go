package openvz

import (
	"testing"

	"github.com/pidcheck/pidcheck/spec/internal/spectest"
)

// TestGolden runs the conformance cases in testdata/ (commands: see
// spectest.RunGolden). Each file says at its top what it covers; regenerate
// the expected output with
//
//	go test ./spec/openvz -run TestGolden -rewrite
//
// and read the diff before keeping it: a changed line is a changed claim
// about the kernel.
func TestGolden(t *testing.T) {
	spectest.RunGolden(t, "testdata", spectest.Specs{Name: Name, Process: New})
}
