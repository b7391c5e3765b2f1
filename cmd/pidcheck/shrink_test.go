package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/traces"
)

// TestShrinkWritesOnlyWhatItShrank: shrink of a violation as found (not
// yet shrunk) writes NAME.min.trace; shrink of that, already minimal, says
// so and writes no second file.
func TestShrinkWritesOnlyWhatItShrank(t *testing.T) {
	e, err := alloc.Lookup("linux-kill-all-leak")
	if err != nil {
		t.Fatal(err)
	}
	o := catalog.Options(e)
	o.Strategy, o.Seed, o.Schedules = checker.PCT, 1, 5000
	rep, err := checker.Explore(catalog.Target(e), o)
	if err != nil {
		t.Fatal(err)
	}
	found := rep.Original
	if found == nil {
		found = rep.Found
	}
	if found == nil {
		t.Fatalf("linux-kill-all-leak: no violation in %d schedules", rep.Schedules)
	}
	dir := t.TempDir()
	raw := filepath.Join(dir, "raw.trace")
	if err := traces.WriteFile(raw, found.Trace()); err != nil {
		t.Fatal(err)
	}
	shrink := func(path string) string {
		var out, errOut bytes.Buffer
		if st := Main([]string{"shrink", path, "--time", "5s"}, nil, &out, &errOut); st != exitViolation {
			t.Fatalf("shrink %s: status %d, want %d\n%s%s", path, st, exitViolation, out.String(), errOut.String())
		}
		return out.String()
	}
	got := shrink(raw)
	min := filepath.Join(dir, "raw.min.trace")
	if !strings.Contains(got, "wrote "+min) {
		t.Fatalf("shrink of the violation as found (%d ops):\n%s", ops(found), got)
	}
	got = shrink(min)
	if !strings.Contains(got, "is already minimal: shrinking removed no op") || strings.Contains(got, "wrote") {
		t.Fatalf("shrink of a shrunk trace:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "raw.min.min.trace")); !os.IsNotExist(err) {
		t.Fatalf("shrink that removed nothing wrote raw.min.min.trace (stat: %v)", err)
	}
}
