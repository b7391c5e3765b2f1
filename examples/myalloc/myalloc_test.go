package myalloc

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// TestAllocator checks the correct allocator: it claims Linux's exact
// cyclic order. AdaptAllocator turns its methods into an implementation
// and names the ops it lacks (set_max, disable), which no scenario then
// holds.
func TestAllocator(t *testing.T) {
	newImpl, leave := checker.AdaptAllocator(New)
	checker.Check(t, newImpl, checker.CheckOptions{
		Spec:      model.SpecAlloc,
		Policy:    model.Cyclic,
		Schedules: 2000,
		Gen:       checker.GenOptions{Leave: leave},
	})
}

// racy picks the allocator TestRacyAllocator and FuzzRacyAllocator check:
// MYALLOC_RACY=1 the racy one, anything else the correct one (the fix).
// Only TestRacyAllocatorIsCaught and TestFuzzFindLeavesATrace set it, in
// a copy of this module.
func racy() checker.NewImpl {
	newA := New
	if os.Getenv("MYALLOC_RACY") == "1" {
		newA = NewRacy
	}
	newImpl, _ := checker.AdaptAllocator(newA)
	return newImpl
}

func TestRacyAllocator(t *testing.T) {
	if os.Getenv("MYALLOC_RACY") == "" {
		t.Skip("run by TestRacyAllocatorIsCaught")
	}
	_, leave := checker.AdaptAllocator(New)
	checker.Check(t, racy(), checker.CheckOptions{Spec: model.SpecAlloc, Policy: model.Cyclic, Schedules: 2000,
		Gen: checker.GenOptions{Leave: leave}})
}

func FuzzRacyAllocator(f *testing.F) {
	_, leave := checker.AdaptAllocator(New)
	checker.Fuzz(f, racy(), checker.CheckOptions{Spec: model.SpecAlloc, Policy: model.Cyclic,
		Gen: checker.GenOptions{Leave: leave}})
}

// TestRacyAllocatorIsCaught runs the racy allocator's test as a user would,
// in a copy of this module: it fails with one banner, saves the trace,
// and the command the banner prints reproduces the failure from the saved
// trace. After the fix the stale trace fails the test once, saying how to
// remove it, and PIDCHECK_UPDATE=1 removes it.
func TestRacyAllocatorIsCaught(t *testing.T) {
	dir := copyModule(t)
	out, err := goTest(t, dir, "MYALLOC_RACY=1", "-run", "^TestRacyAllocator$", ".")
	if err == nil {
		t.Fatalf("the racy allocator passed:\n%s", out)
	}
	if n := strings.Count(out, "pidcheck: TestRacyAllocator: violation linearizability"); n != 1 {
		t.Fatalf("%d banners, want 1:\n%s", n, out)
	}
	path := filepath.Join(dir, "testdata", "pidcheck", "TestRacyAllocator.trace")
	tr, err := traces.ReadFile(path)
	if err != nil {
		t.Fatalf("no saved trace: %v\n%s", err, out)
	}
	if tr.Impl != "TestRacyAllocator" || tr.Verdict.Outcome != traces.Violation {
		t.Fatalf("saved trace: %s %s", tr.Impl, tr.Verdict)
	}
	cmd := reproduceLine(t, out)
	if cmd != "go test -run '^TestRacyAllocator$' ." || tr.Reproduce != cmd {
		t.Fatalf("banner says reproduce: %q, the trace %q", cmd, tr.Reproduce)
	}
	// The printed command, as printed: the saved trace is replayed first.
	out, err = sh(t, dir, "MYALLOC_RACY=1", cmd)
	if err == nil || !strings.Contains(out, "the failure saved in testdata/pidcheck/TestRacyAllocator.trace, replayed as recorded") {
		t.Fatalf("%s did not reproduce the saved failure (%v):\n%s", cmd, err, out)
	}
	// Fixed: the stale trace fails once, with the commands that remove it.
	out, err = sh(t, dir, "MYALLOC_RACY=fixed", cmd)
	if err == nil || !strings.Contains(out, "no longer reproduces") || !strings.Contains(out, "PIDCHECK_UPDATE=1 "+cmd) {
		t.Fatalf("stale trace (%v):\n%s", err, out)
	}
	if out, err = sh(t, dir, "MYALLOC_RACY=fixed PIDCHECK_UPDATE=1", cmd); err != nil {
		t.Fatalf("PIDCHECK_UPDATE=1 %s: %v\n%s", cmd, err, out)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the stale trace is still there: %v", err)
	}
}

// TestFuzzFindLeavesATrace: a failure Go's fuzzer finds is shrunk, saved as
// a pidcheck trace and reported in one banner, and the documented command
// (go test -run '^FuzzRacyAllocator$' .) reproduces it from that trace.
func TestFuzzFindLeavesATrace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the fuzzer (about half a minute)")
	}
	dir := copyModule(t)
	out, err := goTest(t, dir, "MYALLOC_RACY=1", "-run", "^$", "-fuzz", "^FuzzRacyAllocator$", "-fuzztime", "120s", "-fuzzminimizetime", "5s", ".")
	if err == nil {
		t.Fatalf("the fuzzer found nothing:\n%s", out)
	}
	if strings.Contains(out, "[rapid]") {
		t.Errorf("rapid's draw log in the output:\n%s", out)
	}
	path := filepath.Join(dir, "testdata", "pidcheck", "FuzzRacyAllocator.trace")
	tr, err := traces.ReadFile(path)
	if err != nil || tr.Verdict.Outcome != traces.Violation {
		t.Fatalf("saved trace: %v\n%s", err, out)
	}
	cmd := reproduceLine(t, out)
	out, err = sh(t, dir, "MYALLOC_RACY=1", cmd)
	if err == nil || !strings.Contains(out, "the failure saved in testdata/pidcheck/FuzzRacyAllocator.trace, replayed as recorded") {
		t.Fatalf("%s did not reproduce the fuzz find (%v):\n%s", cmd, err, out)
	}
}

// TestReadmeShowsThisExample: the README's section on checking your own
// implementation quotes this file, so what it tells users is what CI runs.
func TestReadmeShowsThisExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.ReadFile("myalloc_test.go")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllSubmatch(readme, -1)
	quoted := 0
	for _, b := range blocks {
		if bytes.Contains(b[1], []byte("checker.Check(t, newImpl")) {
			quoted++
			if !bytes.Contains(self, b[1]) {
				t.Errorf("README's code block is not in myalloc_test.go:\n%s", b[1])
			}
		}
	}
	if quoted == 0 {
		t.Error("README quotes no checker.Check call from this example")
	}
}

var reproduce = regexp.MustCompile(`(?m)^\s*reproduce: (.+)$`)

// reproduceLine is the command a banner in out prints.
func reproduceLine(t *testing.T, out string) string {
	t.Helper()
	m := reproduce.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no reproduce line in:\n%s", out)
	}
	return m[1]
}

// copyModule copies this module into a temporary directory, its replace
// pointing at the repository, so that what the tests run there (saved
// traces, fuzz corpora) leaves the repository alone.
func copyModule(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"myalloc.go", "myalloc_test.go", "go.mod", "go.sum"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if name == "go.mod" {
			b = bytes.ReplaceAll(b, []byte("=> ../.."), []byte("=> "+root))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// goTest runs go test with args in dir, with the environment assignments
// in env ("A=1 B=2"), and returns its combined output.
func goTest(t *testing.T, dir, env string, args ...string) (string, error) {
	t.Helper()
	return run(t, dir, env, exec.Command("go", append([]string{"test"}, args...)...))
}

// sh runs a printed command line in dir, as a user pastes it.
func sh(t *testing.T, dir, env, line string) (string, error) {
	t.Helper()
	return run(t, dir, env, exec.Command("sh", "-c", line))
}

func run(t *testing.T, dir, env string, c *exec.Cmd) (string, error) {
	t.Helper()
	c.Dir = dir
	c.Env = append(os.Environ(), "GOFLAGS=-count=1", "PIDCHECK_UPDATE=", "MYALLOC_RACY=")
	c.Env = append(c.Env, strings.Fields(env)...)
	out, err := c.CombinedOutput()
	t.Logf("%s %s: %v", env, strings.Join(c.Args, " "), err)
	return string(out), err
}
