package checker

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// TestCheckPassesACorrectImplementation: the library entry point, as a
// user calls it from a test.
func TestCheckPassesACorrectImplementation(t *testing.T) {
	newImpl := func(env sched.Env, p model.Params) model.Impl { return toyEntry("linux", false).New(env, p) }
	Check(t, newImpl, Options{Spec: "linux", Policy: model.Cyclic, Schedules: 300, Seed: 1})
}

// fakeTB records what Check reports instead of failing the real test.
type fakeTB struct {
	testing.TB
	errors []string
}

func (f *fakeTB) Helper()             {}
func (f *fakeTB) Name() string        { return "TestUserAllocator" }
func (f *fakeTB) Logf(string, ...any) {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

// TestCheckFailsABrokenImplementation: Check fails the test with the
// banner, and the trace it names exists and replays to the same verdict.
func TestCheckFailsABrokenImplementation(t *testing.T) {
	dir := t.TempDir()
	f := &fakeTB{}
	newImpl := func(env sched.Env, p model.Params) model.Impl { return toyEntry("alloc", true).New(env, p) }
	done := make(chan struct{})
	go func() {
		defer close(done)
		Check(f, newImpl, Options{Spec: "alloc", Schedules: 3000, Seed: 1, TraceDir: dir})
	}()
	<-done
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "violation linearizability") || !strings.Contains(f.errors[0], "replay") {
		t.Fatalf("Check reported %q", f.errors)
	}
	tr, err := traces.ReadFile(filepath.Join(dir, "TestUserAllocator.trace"))
	if err != nil {
		t.Fatal(err)
	}
	e := toyEntry("alloc", true)
	e.Name = tr.Impl
	rr, err := ReplayWith(e, tr, RunOptions{})
	if err != nil || rr.Diverged || rr.Result.Verdict != tr.Verdict {
		t.Fatalf("replay: %v %+v", err, rr)
	}
}
