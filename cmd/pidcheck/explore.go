package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/traces"
)

// defaultShrinkTime bounds how long a violation is shrunk before its trace
// is written.
const defaultShrinkTime = 20 * time.Second

// finding is one implementation explored: the engine's report, the
// shrunk violation (or the first undecided run) and where its trace went.
type finding struct {
	entry  alloc.Entry
	rep    *checker.Report
	result *checker.Result // rep.Found shrunk, or rep.Unknown; nil when Ok
	path   string          // the trace written, "" when none
	werr   error           // why the trace could not be written
}

// explore runs checker.ExploreContext on e, shrinks a violation and writes
// its trace (or the first undecided run's) into dir. A violation's
// shrinking steps all fail the same way; keep, when set, must hold of them
// too. When ctx ends, exploration (or shrinking) stops early: the report
// says Canceled, and a violation found is written shrunk as far as it got.
// In a supervised child (report set, as entry k) a violation is written as
// found before it is shrunk, so that a death while shrinking (the code
// under test runs again) leaves it saved; the shrunk trace replaces it.
func explore(ctx context.Context, e alloc.Entry, o checker.ExploreOptions, keep func(*checker.Result) bool, dir, suffix string, report *reporter, k int) (*finding, error) {
	rep, err := checker.ExploreContext(ctx, catalog.Target(e), o)
	if err != nil {
		return nil, usageErrorf("%s: %v", e.Name, err)
	}
	f := &finding{entry: e, rep: rep}
	switch {
	case rep.Found != nil:
		if report != nil {
			path := filepath.Join(dir, e.Name+suffix+".trace")
			saved := os.MkdirAll(dir, 0o755) == nil && traces.WriteFile(path, rep.Found.Trace()) == nil
			report.shrinking(k, rep.Found.Seed, saved)
		}
		f.result = checker.Shrink(catalog.Target(e), rep.Found, checker.ShrinkOptions{Run: o.Run, Seed: o.Seed, Time: defaultShrinkTime, Keep: keep, Context: ctx})
		f.result.Schedules = rep.Found.Schedules
		f.path = filepath.Join(dir, e.Name+suffix+".trace")
	case rep.Unknown != nil:
		f.result = rep.Unknown
		f.path = filepath.Join(dir, e.Name+suffix+".unknown.trace")
	default:
		return f, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.werr, f.path = err, ""
		return f, nil
	}
	if err := traces.WriteFile(f.path, f.result.Trace()); err != nil {
		f.werr, f.path = err, ""
	}
	return f, nil
}

// perSecond is schedules per second, 0 for no time.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// ops is a result's scenario size without the drain: what shrinking cut.
func ops(r *checker.Result) int { return checker.Undrained(r.Scenario).Ops() }

// preemptions counts the decisions that switch away from a thread that
// could have gone on running.
func preemptions(ds []traces.Decision) int {
	n := 0
	for k := 1; k < len(ds); k++ {
		prev := ds[k-1].Thread
		if ds[k].Thread == prev {
			continue
		}
		if slices.Contains(ds[k].Runnable, prev) {
			n++
		}
	}
	return n
}

// shrunkLine says what shrinking did: "shrunk from 12 ops to 3".
func shrunkLine(f *finding) string {
	if f.rep.Original == nil || f.result == nil {
		return ""
	}
	return fmt.Sprintf("found after %d schedule(s); shrunk from %d ops, %d threads to %d ops, %d threads",
		f.rep.Original.Schedules, ops(f.rep.Original), len(f.rep.Original.Scenario.Threads),
		ops(f.result), len(f.result.Scenario.Threads))
}

// reproduce is how the banner points at f's trace: pidcheck replays it.
func (f *finding) reproduce() checker.Reproduce {
	r := checker.Reproduce{Trace: f.path, WriteErr: f.werr}
	if f.path != "" {
		r.Command = selfCommand() + " replay " + f.path
	}
	return r
}

// strategyList is the strategies for help and error messages.
func strategyList() string {
	var names []string
	for _, s := range checker.Strategies() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// selfCommand is how to run this pidcheck again: "go run
// github.com/pidcheck/pidcheck/cmd/pidcheck" when it was started by go run
// (its binary lives in a temporary build directory), else its own name.
func selfCommand() string {
	if exe, err := os.Executable(); err == nil && strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "go run github.com/pidcheck/pidcheck/cmd/pidcheck"
	}
	return filepath.Base(os.Args[0])
}
