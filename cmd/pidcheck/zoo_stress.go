package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/traces"
)

// stressZoo runs variant e's scenarios as stress runs (zoo --stress) and
// fills in row's stress fields: the same scenarios as the exploration
// (same seed, same derivation), judged the same way, a finding counted
// only when it is the variant's own bug. The finding is written as found
// (no shrinking: it has no schedule to shrink) to NAME.stress.trace.
func stressZoo(row *zooJSON, e alloc.Entry, f *zooFlags, pr *progress, k, n int, stderr io.Writer) error {
	o := catalog.Options(e)
	o.Strategy, o.Seed = checker.Stress, f.seed
	o.Schedules, o.Time = f.stressRuns, f.stressTime
	o.Accept = catalog.OwnBug(e, 20)
	if pr.on {
		o.ProgressEvery = 500
		o.Progress = func(p checker.Progress) {
			pr.show("zoo --stress %s [%d/%d]: %d stress runs, %.0f/s", e.Name, k+1, n, p.Schedules, p.PerSecond)
		}
	}
	rep, err := checker.ExploreContext(context.Background(), catalog.Target(e), o)
	pr.clear()
	if err != nil {
		return usageErrorf("%s: %v", e.Name, err)
	}
	row.Class = string(e.Class)
	row.Stress = true
	row.StressSchedules, row.StressSeconds, row.StressRejected = rep.Schedules, rep.Elapsed.Seconds(), rep.Rejected
	if rep.Found == nil {
		return nil
	}
	row.StressFound = true
	if row.Found && row.Schedules > 0 {
		r := float64(row.StressSchedules) / float64(row.Schedules)
		row.Ratio = &r
	}
	path := filepath.Join(f.out, e.Name+".stress.trace")
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		fmt.Fprintf(stderr, "pidcheck: %s: %v\n", e.Name, err)
		return nil
	}
	if err := traces.WriteFile(path, rep.Found.Trace()); err != nil {
		fmt.Fprintf(stderr, "pidcheck: %s: %v\n", e.Name, err)
		return nil
	}
	row.StressTrace = path
	return nil
}

// printStressTable is zoo --stress's table: per variant its class, the
// schedules to the first failure under the strategy and under stress, and
// their ratio ("> R" when stress did not find it).
func printStressTable(w io.Writer, rows []zooJSON, f *zooFlags) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "VARIANT\tCLASS\t%s\tSTRESS\tRATIO\tSTRESS TIME\n", upper(f.strategy))
	for _, r := range rows {
		ctl := "NO"
		if r.Found {
			ctl = fmt.Sprint(r.Schedules)
		}
		st := fmt.Sprintf("not found in %d", r.StressSchedules)
		if r.StressFound {
			st = fmt.Sprint(r.StressSchedules)
		}
		ratio := "-"
		switch {
		case r.Ratio != nil:
			ratio = fmt.Sprintf("%.1f", *r.Ratio)
		case r.Found && !r.StressFound:
			ratio = fmt.Sprintf("> %.1f", float64(r.StressSchedules)/float64(r.Schedules))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.1fs\n", r.Impl, r.Class, ctl, st, ratio, r.StressSeconds)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n(strategy %s, seed %d, at most %d schedules each; stress: at most %d runs or %v each, not deterministic: counts vary from run to run)\n",
		f.strategy, f.seed, f.schedules, f.stressRuns, f.stressTime)
}

// upper is s in capitals, for a column head.
func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
