package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
	"github.com/pidcheck/pidcheck/traces"
)

// readTrace reads the trace at path. Anything wrong with the file is bad
// input (exit status 2), reported as "file:line: what is wrong".
func readTrace(path string) (*traces.Trace, error) {
	t, err := traces.ReadFile(path)
	if err != nil {
		var pe *traces.ParseError
		if errors.As(err, &pe) {
			return nil, badInput(pe)
		}
		return nil, badInput(err) // "open FILE: no such file or directory"
	}
	return t, nil
}

// replayed is a trace file rerun (replay, shrink).
type replayed struct {
	t  *traces.Trace
	e  checker.Target // the implementation it names, held to its spec and policy
	rr *checker.ReplayReport
	r  *checker.Result // rr.Result
	// diverged: the rerun did not follow the trace. A verdict that alone
	// changed (to or from Unknown) is no divergence: see onlyVerdictDiffers.
	diverged bool
}

// replayFile reads the trace at path and reruns it with ro. A file that
// is not a trace, or names an implementation that cannot run it, is bad
// input (exit status 2).
func replayFile(path string, ro checker.RunOptions) (*replayed, error) {
	t, err := readTrace(path)
	if err != nil {
		return nil, err
	}
	if t.Source != "" {
		return nil, badInput(fmt.Errorf("%s:%d: an observed history (source %s) cannot be re-run; pidcheck replay shows it and judges it again", path, keyLine(path, "source"), t.Source))
	}
	e, err := traceEntry(path, t)
	if err != nil {
		return nil, err
	}
	rr, err := checker.Replay(e, t, ro)
	if err != nil {
		return nil, badInput(fmt.Errorf("%s: %v", path, err))
	}
	return &replayed{t: t, e: e, rr: rr, r: rr.Result, diverged: rr.Diverged && !onlyVerdictDiffers(t, rr.Result)}, nil
}

// traceEntry finds the implementation a trace names, judged against the
// trace's own spec and policy. A name the registry does not know is bad
// input, reported at the trace's impl line.
func traceEntry(path string, t *traces.Trace) (checker.Target, error) {
	e, err := alloc.Lookup(t.Impl)
	if err != nil {
		how := "with checker.ReplayTrace(t, newImpl, \"" + path + "\") in a test of its own"
		if t.Reproduce != "" {
			how = "where it lives: " + t.Reproduce
		}
		return checker.Target{}, badInput(fmt.Errorf("%s:%d: implementation %q is not one of pidcheck's own (pidcheck list shows them), so pidcheck cannot run it; replay it %s",
			path, keyLine(path, "impl"), t.Impl, how))
	}
	if e.Level != t.Scenario.Level {
		return checker.Target{}, badInput(fmt.Errorf("%s:%d: implementation %s is at the %s level, the trace's scenario at the %s level",
			path, keyLine(path, "level"), e.Name, e.Level, t.Scenario.Level))
	}
	if err := checker.SpecFits(t.Spec, t.Scenario.Level); err != nil {
		return checker.Target{}, badInput(fmt.Errorf("%s:%d: %v", path, keyLine(path, "spec"), err))
	}
	return catalog.Target(e), nil
}

// keyLine is the line of path where the header key is, or 1 when it cannot
// be found (the file has been parsed once already, so it is a trace).
func keyLine(path, key string) int {
	f, err := os.Open(path)
	if err != nil {
		return 1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), traces.MaxLine)
	for n := 1; sc.Scan(); n++ {
		if fields := strings.Fields(sc.Text()); len(fields) > 0 && fields[0] == key {
			return n
		}
	}
	return 1
}
