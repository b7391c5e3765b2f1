package checker

import (
	"fmt"
	"os"
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
	newImpl := func(env sched.Env, p model.Params) model.Impl { return toyTarget("linux", false).New(env, p) }
	Check(t, newImpl, CheckOptions{Spec: model.SpecLinux, Policy: model.Cyclic, Schedules: 300, Seed: 1})
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

// TestCheckFailsABrokenImplementation: Check fails the test with one
// banner naming the trace and the go test command that reproduces it from
// the test's module; the trace exists, records that command, and replays to
// the same verdict.
func TestCheckFailsABrokenImplementation(t *testing.T) {
	dir := t.TempDir()
	f := &fakeTB{}
	newImpl := func(env sched.Env, p model.Params) model.Impl { return toyTarget("alloc", true).New(env, p) }
	done := make(chan struct{})
	go func() {
		defer close(done)
		Check(f, newImpl, CheckOptions{Spec: model.SpecAlloc, Schedules: 3000, Seed: 1, TraceDir: dir})
	}()
	<-done
	path := filepath.Join(dir, "TestUserAllocator.trace")
	cmd := "go test -run '^TestUserAllocator$' ./checker"
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "violation linearizability") ||
		!strings.Contains(f.errors[0], "trace: "+path+"\n") || !strings.Contains(f.errors[0], "reproduce: "+cmd+"\n") {
		t.Fatalf("Check reported %q, want one banner with the trace and %q", f.errors, cmd)
	}
	tr, err := traces.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Reproduce != cmd {
		t.Errorf("the trace records reproduce %q, want %q", tr.Reproduce, cmd)
	}
	e := toyTarget("alloc", true)
	e.Name = tr.Impl
	rr, err := Replay(e, tr, RunOptions{})
	if err != nil || rr.Diverged || rr.Result.Verdict != tr.Verdict {
		t.Fatalf("replay: %v %+v", err, rr)
	}
}

// runCheck calls Check on a fakeTB in its own goroutine (Fatalf ends it).
func runCheck(newImpl func(env sched.Env, p model.Params) model.Impl, o CheckOptions) *fakeTB {
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
// explore, and the banner says it came from the saved file. Once the
// implementation is fixed, the stale trace fails the test once more with
// the commands that remove it; with Update it is removed and exploring
// goes on.
func TestCheckReplaysSavedFailureFirst(t *testing.T) {
	dir := t.TempDir()
	broken := func(env sched.Env, p model.Params) model.Impl { return toyTarget("alloc", true).New(env, p) }
	fixed := func(env sched.Env, p model.Params) model.Impl { return toyTarget("alloc", false).New(env, p) }
	if f := runCheck(broken, CheckOptions{Spec: model.SpecAlloc, Schedules: 3000, Seed: 1, TraceDir: dir}); len(f.errors) != 1 {
		t.Fatalf("first Check reported %q, want one violation", f.errors)
	}
	path := filepath.Join(dir, "TestUserAllocator.trace")
	f := runCheck(broken, CheckOptions{Spec: model.SpecAlloc, Schedules: 1, Seed: 99, TraceDir: dir})
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], "the failure saved in "+path+", replayed as recorded") ||
		!strings.Contains(f.errors[0], "violation linearizability") {
		t.Fatalf("second Check reported %q, want the saved violation at %s", f.errors, path)
	}
	f = runCheck(fixed, CheckOptions{Spec: model.SpecAlloc, Schedules: 200, Seed: 1, TraceDir: dir})
	if len(f.errors) != 1 || !strings.Contains(f.errors[0], path+" no longer reproduces") ||
		!strings.Contains(f.errors[0], "rm "+path) || !strings.Contains(f.errors[0], "PIDCHECK_UPDATE=1 go test -run '^TestUserAllocator$' ./checker") {
		t.Fatalf("Check of the fixed implementation reported %q, want the stale trace and how to remove it", f.errors)
	}
	f = runCheck(fixed, CheckOptions{Spec: model.SpecAlloc, Schedules: 200, Seed: 1, TraceDir: dir, Update: true})
	if len(f.errors) != 0 {
		t.Fatalf("Check with Update reported %q", f.errors)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("Update left the stale trace: %v", err)
	}
}

// TestReplayTraceHoldsAnImplementationToATrace: ReplayTrace fails on a
// trace whose failure still happens, and passes once the implementation is
// fixed (its scenario passing the trace's switches and fresh schedules).
func TestReplayTraceHoldsAnImplementationToATrace(t *testing.T) {
	dir := t.TempDir()
	broken := func(env sched.Env, p model.Params) model.Impl { return toyTarget("alloc", true).New(env, p) }
	fixed := func(env sched.Env, p model.Params) model.Impl { return toyTarget("alloc", false).New(env, p) }
	if f := runCheck(broken, CheckOptions{Spec: model.SpecAlloc, Schedules: 3000, Seed: 1, TraceDir: dir}); len(f.errors) != 1 {
		t.Fatalf("Check reported %q, want one violation", f.errors)
	}
	path := filepath.Join(dir, "TestUserAllocator.trace")
	replay := func(newImpl NewImpl) *fakeTB {
		f := &fakeTB{}
		done := make(chan struct{})
		go func() {
			defer close(done)
			ReplayTrace(f, newImpl, path)
		}()
		<-done
		return f
	}
	if f := replay(broken); len(f.errors) != 1 || !strings.Contains(f.errors[0], "replayed as recorded") {
		t.Fatalf("ReplayTrace of the broken implementation reported %q", f.errors)
	}
	if f := replay(fixed); len(f.errors) != 0 || len(f.logs) != 1 {
		t.Fatalf("ReplayTrace of the fixed implementation reported %q, logged %q", f.errors, f.logs)
	}
}
