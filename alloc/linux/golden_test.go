package linux_test

import (
	"path/filepath"
	"testing"

	"github.com/pidcheck/pidcheck/alloc/internal/alloctest"
	"github.com/pidcheck/pidcheck/alloc/linux"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// TestGoldenImplAgrees runs every process-level golden case of spec.Linux
// (spec/testdata/golden: threads, groups, lifetime, signals, namespaces, …; each
// rule cites its kernel source there) through linux, on one thread, and
// expects the spec's answers line for line. Never run it with -rewrite:
// the files belong to the spec.
func TestGoldenImplAgrees(t *testing.T) {
	files, err := filepath.Glob("../../spec/testdata/golden/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			alloctest.GoldenImplAgrees(t, f, func(env sched.Env, p model.Params) model.Impl { return linux.New(env, p) })
		})
	}
}
