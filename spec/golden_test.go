package spec_test

import (
	"testing"

	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/internal/spectest"
)

// TestGolden runs the conformance cases in testdata/golden/. Each file says
// at its top what it covers; regenerate the expected output with
//
//	go test ./spec -run TestGolden -rewrite
//
// and read the diff before keeping it: a changed line is a changed claim
// about the kernel. The commands (run, check) are spectest.RunGolden's.
func TestGolden(t *testing.T) {
	spectest.RunGolden(t, "testdata/golden", spectest.Specs{Name: "linux", Process: spec.Linux, Alloc: spec.Allocator})
}
