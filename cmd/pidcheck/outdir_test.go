package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCheckJSONCarriesTraceError: when a trace cannot be written after
// all (--out checked at the start, then made unwritable: here a file where
// the directory should be), the JSON result says why, instead of having
// neither a trace nor an error.
func TestCheckJSONCarriesTraceError(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(out, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	var f checkFlags
	cfg := &config{}
	cmd := checkCmd(cfg, &f)
	if err := cmd.ParseFlags([]string{"--impl", "pidmap-nonatomic-claim", "--strategy", "pct", "--schedules", "2000", "--jobs", "1", "--json", "--out", out}); err != nil {
		t.Fatal(err)
	}
	entries, err := f.resolve(cmd, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	// runCheck itself, past the start's check of --out.
	err = runCheck(context.Background(), &stdout, &stderr, entries, &f, nil)
	if statusOf(err) != exitViolation {
		t.Fatalf("status %d (%v), want %d\nstderr:\n%s", statusOf(err), err, exitViolation, stderr.String())
	}
	var got checkJSON
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v in %q", err, stdout.String())
	}
	if len(got.Results) != 1 || got.Results[0].Trace != "" || !strings.Contains(got.Results[0].TraceError, "not a directory") {
		t.Fatalf("results %+v: want no trace and a trace_error saying why", got.Results)
	}
}

// TestGitIgnoresWhatPidcheckWrites: the traces check writes by default and
// the pages replay --html writes are not picked up by git add, wherever in
// the tree pidcheck ran.
func TestGitIgnoresWhatPidcheckWrites(t *testing.T) {
	root := repoRoot(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	if err := exec.Command("git", "-C", root, "rev-parse", "--git-dir").Run(); err != nil {
		t.Skip("not a git work tree")
	}
	paths := []string{"pidcheck-failures/idr.trace", "cmd/pidcheck/pidcheck-failures/idr.unknown.trace", "page.html", "traces/x/replay.html"}
	out, err := exec.Command("git", append([]string{"-C", root, "check-ignore", "--no-index"}, paths...)...).Output()
	if err != nil {
		t.Fatalf("git check-ignore: %v (ignored: %q)", err, out)
	}
	if got := strings.Fields(string(out)); len(got) != len(paths) {
		t.Fatalf("git ignores %q of %q", got, paths)
	}
	// And not the trace corpus.
	if err := exec.Command("git", "-C", root, "check-ignore", "--no-index", "-q", "traces/zoo/idr-short-wrap.trace").Run(); err == nil {
		t.Fatalf("git ignores the trace corpus")
	}
}

// TestCheckTimeIsShared: one budget rule. --time, like the default 40s, is
// the whole check's wall-clock budget, split between rounds of --jobs
// implementations (it was per implementation: check --time 20s of three
// implementations ran 60s); --schedules is per implementation.
func TestCheckTimeIsShared(t *testing.T) {
	for _, c := range []struct {
		args    []string
		total   time.Duration
		perImpl time.Duration
	}{
		{[]string{"--impl", "idr,pidmap,linux", "--jobs", "1", "--time", "21s"}, 21 * time.Second, 7 * time.Second},
		{[]string{"--impl", "idr,pidmap,linux", "--jobs", "2", "--time", "20s"}, 20 * time.Second, 10 * time.Second},
		{[]string{"--impl", "idr,pidmap", "--jobs", "2", "--time", "20s"}, 20 * time.Second, 20 * time.Second},
		{[]string{"--impl", "idr,pidmap,linux,pidmap", "--jobs", "1"}, defaultCheckTime, defaultCheckTime / 4},
		{[]string{"--impl", "idr,pidmap", "--jobs", "1", "--schedules", "5"}, 0, 0},
	} {
		var f checkFlags
		cfg := &config{}
		cmd := checkCmd(cfg, &f)
		if err := cmd.ParseFlags(c.args); err != nil {
			t.Fatal(err)
		}
		if _, err := f.resolve(cmd, cfg); err != nil {
			t.Fatal(err)
		}
		if f.total != c.total || f.perImpl != c.perImpl {
			t.Errorf("%v: whole budget %v, each %v; want %v, %v", c.args, f.total, f.perImpl, c.total, c.perImpl)
		}
	}
}
