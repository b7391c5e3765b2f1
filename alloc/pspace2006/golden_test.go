package pspace2006

import (
	"testing"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
)

// TestGoldenImplAgrees runs every golden case of spec/pspace2006 through the
// implementation, on one thread, and expects the spec's answers line for
// line (the state dump of "run state" cases is the spec's own and is not
// compared). Never run this test with -rewrite: the file belongs to the
// spec.
func TestGoldenImplAgrees(t *testing.T) {
	alloctest.GoldenImplAgrees(t, "../../spec/pspace2006/testdata/pspace2006", correct.New)
}
