package catalog_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// classSchedules is how many random schedules of a finding's scenario the
// shallow/deep measurement runs.
const classSchedules = 200

// nonPreemptive runs the thread that made the last step for as long as it
// can run, else the first runnable one: a run with no preemption at all.
type nonPreemptive struct{}

func (nonPreemptive) Begin()             {}
func (nonPreemptive) End(*sched.Outcome) {}
func (nonPreemptive) Choose(p *sched.Point) (int, error) {
	for i, r := range p.Runnable {
		if r.Thread == p.Last {
			return i, nil
		}
	}
	return 0, nil
}

// sequentialRuns are the scenarios a sequential run of sc executes: its
// parallel part as one thread, the threads' ops one thread after another,
// in every order of the threads.
func sequentialRuns(sc model.Scenario) []model.Scenario {
	var out []model.Scenario
	var perm func(order []int, rest []int)
	perm = func(order, rest []int) {
		if len(rest) == 0 {
			one := sc
			one.Threads = [][]model.Op{nil}
			for _, i := range order {
				one.Threads[0] = append(one.Threads[0], sc.Threads[i]...)
			}
			out = append(out, one)
			return
		}
		for k, i := range rest {
			perm(append(slices.Clone(order), i), append(slices.Clone(rest[:k]), rest[k+1:]...))
		}
	}
	var all []int
	for i := range sc.Threads {
		all = append(all, i)
	}
	perm(nil, all)
	return out
}

// measured is what classify measured of one finding.
type measured struct {
	class      alloc.Class
	sequential int // sequential runs that fail (and that the fix passes)
	orders     int // sequential runs tried
	failed     int // random schedules, of classSchedules, that fail
}

// classify measures e's class on the scenario sc of a finding: sequential
// when a run without preemption of the parallel part as one thread fails
// (and e's fixed implementation passes that run), else shallow when more
// than half of classSchedules random schedules fail, else deep.
func classify(t *testing.T, e alloc.Entry, sc model.Scenario) measured {
	t.Helper()
	fixed, err := alloc.Lookup(e.Fixed)
	if err != nil {
		t.Fatal(err)
	}
	ro := checker.RunOptions{Drain: true, Lean: true}
	var m measured
	for _, one := range sequentialRuns(sc) {
		m.orders++
		if checker.Run(catalog.Target(e), one, nonPreemptive{}, ro).Verdict.Outcome == traces.Violation &&
			checker.Run(catalog.Target(fixed), one, nonPreemptive{}, ro).Verdict.Outcome == traces.Ok {
			m.sequential++
		}
	}
	for k := range classSchedules {
		if checker.Run(catalog.Target(e), sc, sched.NewRandom(uint64(k)), ro).Verdict.Outcome == traces.Violation {
			m.failed++
		}
	}
	switch {
	case m.sequential > 0:
		m.class = alloc.Sequential
	case 2*m.failed > classSchedules:
		m.class = alloc.Shallow
	default:
		m.class = alloc.Deep
	}
	return m
}

// TestZooClass: every zoo variant's registered class is the one measured
// on its saved finding (traces/zoo/<name>.trace): sequential if a run with
// no preemption fails, shallow if more than half of 200 random schedules
// fail, else deep. -v prints the table.
func TestZooClass(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "| variant | class | sequential runs failing | random schedules failing (of %d) |\n|---|---|---|---|\n", classSchedules)
	for _, e := range entries(t, true) {
		tr, err := traces.ReadFile(filepath.Join(corpusDir, e.Name+".trace"))
		if err != nil {
			t.Errorf("%s: %v (go test ./internal/catalog -run 'TestUpdateCorpus/^%s$' -update-corpus)", e.Name, err, e.Name)
			continue
		}
		m := classify(t, e, checker.Undrained(tr.Scenario))
		fmt.Fprintf(&b, "| %s | %s | %d/%d | %d |\n", e.Name, m.class, m.sequential, m.orders, m.failed)
		if m.class != e.Class {
			t.Errorf("%s: registered class %q, measured %q (%d/%d sequential runs fail, %d/%d random schedules)",
				e.Name, e.Class, m.class, m.sequential, m.orders, m.failed, classSchedules)
		}
	}
	t.Logf("zoo classes:\n%s", b.String())
}
