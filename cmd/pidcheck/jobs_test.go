package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/alloc"
)

// checkJobs runs pidcheck check with --jobs n and args, its traces into a
// fresh directory, and returns the exit status, the JSON result and that
// directory.
func checkJobs(t *testing.T, n string, args ...string) (int, checkJSON, string) {
	t.Helper()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	status := Main(append([]string{"check", "--json", "--jobs", n, "--out", dir}, args...), strings.NewReader(""), &stdout, &stderr)
	var got checkJSON
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("--jobs %s: %v in %q\nstderr:\n%s", n, err, stdout.String(), stderr.String())
	}
	return status, got, dir
}

// TestCheckJobsDeterministic: with --schedules, --jobs 2 gives every
// implementation the result --jobs 1 gives (schedules, scenarios,
// verdict, reason, the trace's bytes), in the registry's order, and the
// same exit status; only the timings differ.
func TestCheckJobsDeterministic(t *testing.T) {
	// Every correct implementation and two zoo variants whose violations
	// 300 schedules find, so that traces are compared too.
	var impls []string
	for _, e := range alloc.Registry() {
		if !e.Zoo {
			impls = append(impls, e.Name)
		}
	}
	impls = append(impls, "pidmap-nonatomic-claim", "lockfree-lost-free")
	for _, c := range []struct {
		args       []string
		violations int
	}{
		{[]string{"--impl", strings.Join(impls, ",")}, 2},
		// One implementation: its search is split between the jobs.
		{[]string{"--impl", "lockfree-lost-free"}, 1},
		{[]string{"--impl", "idr", "--strategy", "dfs"}, 0},
	} {
		sameJobs(t, append([]string{"--schedules", "300", "--seed", "3"}, c.args...), c.violations)
	}
}

// sameJobs runs check with args under --jobs 1 and --jobs 2 and fails
// unless the results match; violations is how many violations (each with
// its trace) to expect.
func sameJobs(t *testing.T, args []string, violations int) {
	t.Helper()
	s1, j1, d1 := checkJobs(t, "1", args...)
	s2, j2, d2 := checkJobs(t, "2", args...)
	if s1 != s2 || j1.Verdict != j2.Verdict || j1.Schedules != j2.Schedules || len(j1.Results) != len(j2.Results) {
		t.Fatalf("--jobs 1: status %d, %+v\n--jobs 2: status %d, %+v", s1, j1, s2, j2)
	}
	traced := 0
	for i := range j1.Results {
		a, b := j1.Results[i], j2.Results[i]
		if a.Elapsed <= 0 || b.Elapsed <= 0 {
			t.Errorf("%s: elapsed %v and %v, want positive", a.Impl, a.Elapsed, b.Elapsed)
		}
		a.Elapsed, a.PerSecond, b.Elapsed, b.PerSecond = 0, 0, 0, 0
		a.Trace = strings.TrimPrefix(a.Trace, d1)
		b.Trace = strings.TrimPrefix(b.Trace, d2)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("result %d differs:\n--jobs 1: %+v\n--jobs 2: %+v", i, a, b)
			continue
		}
		if a.Trace == "" {
			continue
		}
		traced++
		t1, err1 := os.ReadFile(filepath.Join(d1, a.Trace))
		t2, err2 := os.ReadFile(filepath.Join(d2, b.Trace))
		if err1 != nil || err2 != nil || !bytes.Equal(t1, t2) {
			t.Errorf("%s: traces differ (%v, %v)", a.Impl, err1, err2)
		}
	}
	want := exitOK
	if violations > 0 {
		want = exitViolation
	}
	if s1 != want || traced != violations || j1.Verdict == "" {
		t.Errorf("%v: status %d, %d violations with traces; want %d and %d", args, s1, traced, want, violations)
	}
}

// TestCheckJobsCappedByWork: --jobs beyond what can run at once is capped
// (at most 2×GOMAXPROCS explorations, and no more explorers of one
// implementation than --schedules has scenarios): --jobs 1024 with one
// implementation ran 1024 explorers, 45× slower and 7× the memory of
// --jobs 1 (the checker-edges audit).
func TestCheckJobsCappedByWork(t *testing.T) {
	most := 2 * runtime.GOMAXPROCS(0)
	for _, c := range []struct {
		args          []string
		jobs, workers int
	}{
		{[]string{"--impl", "idr", "--jobs", "1024"}, 1, most},
		{[]string{"--impl", "idr", "--jobs", "1024", "--schedules", "1"}, 1, 1},
		{[]string{"--impl", "idr,pidmap,lockfree", "--jobs", "1024"}, min(3, most), min(1024/3, most)},
		{[]string{"--impl", "idr", "--jobs", "1"}, 1, 1},
		{[]string{"--impl", "idr,pidmap", "--jobs", "1"}, 1, 1},
	} {
		var f checkFlags
		cfg := &config{}
		cmd := checkCmd(cfg, &f)
		if err := cmd.ParseFlags(c.args); err != nil {
			t.Fatal(err)
		}
		if _, err := f.resolve(cmd, cfg); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		if f.jobs != c.jobs || f.workers != c.workers {
			t.Errorf("%v: %d jobs of %d workers, want %d of %d", c.args, f.jobs, f.workers, c.jobs, c.workers)
		}
	}
}
