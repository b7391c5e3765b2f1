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
	errors, logs []string
}

func (f *fakeTB) Helper()      {}
func (f *fakeTB) Name() string { return "TestUserAllocator" }
func (f *fakeTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
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

// runCheck calls Check on a fakeTB in its own goroutine (Fatalf ends it).
func runCheck(newImpl func(env sched.Env, p model.Params) model.Impl, o Options) *fakeTB {
	f := &fakeTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Check(f, newImpl, o)
	}()
	<-done
	return f
}

// TestCheckReplaysSavedFailureFirst: a failure Check saved is replayed
// before any new exploration (STYLE 7; rapid does the same with its fail
// files), so it fails the next run at once, even with no budget left to
// explore; once the implementation is fixed, the saved run passes and only
// a log line says so.
func TestCheckReplaysSavedFailureFirst(t *testing.T) {
	dir := t.TempDir()
	broken := func(env sched.Env, p model.Params) model.Impl { return toyEntry("alloc", true).New(env, p) }
	fixed := func(env sched.Env, p model.Params) model.Impl { return toyEntry("alloc", false).New(env, p) }
	if f := runCheck(broken, Options{Spec: "alloc", Schedules: 3000, Seed: 1, TraceDir: dir}); len(f.errors) != 1 {
		t.Fatalf("first Check reported %q, want one violation", f.errors)
	}
	path := filepath.Join(dir, "TestUserAllocator.trace")
	f := runCheck(broken, Options{Spec: "alloc", Schedules: 1, Seed: 99, TraceDir: dir})
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], path) || !strings.Contains(f.errors[0], "violation linearizability") {
		t.Fatalf("second Check reported %q, want the saved violation at %s", f.errors, path)
	}
	f = runCheck(fixed, Options{Spec: "alloc", Schedules: 200, Seed: 1, TraceDir: dir})
	if len(f.errors) != 0 {
		t.Fatalf("Check of the fixed implementation reported %q", f.errors)
	}
	if !strings.Contains(strings.Join(f.logs, "\n"), path) {
		t.Fatalf("Check of the fixed implementation did not mention the saved run: %q", f.logs)
	}
}
