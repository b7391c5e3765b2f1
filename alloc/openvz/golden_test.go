package openvz

import (
	"testing"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
)

// TestGoldenImplAgrees runs every golden case of spec/openvz through the
// implementation, on one thread, and expects the spec's answers line for
// line (the state dump of "run state" cases is the spec's own and is not
// compared). Never run this test with -rewrite: the file belongs to the
// spec.
func TestGoldenImplAgrees(t *testing.T) {
	alloctest.GoldenImplAgrees(t, "../../spec/openvz/testdata/openvz", correct.New)
}
