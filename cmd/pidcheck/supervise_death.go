package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/traces"
)

// died reports a child that ended without its status: how it ended, and
// a trace of each schedule that was running.
func (p *plan) died(stdout, stderr io.Writer, ps *os.ProcessState, forwarded int, fl *inFlight, elapsed time.Duration) error {
	running := fl.running
	how, hint := ps.String(), ""
	ws, _ := ps.Sys().(syscall.WaitStatus)
	interrupted := false
	switch {
	case ws.Signaled() && (ws.Signal() == syscall.SIGINT || ws.Signal() == syscall.SIGTERM) && forwarded > 0:
		// check stops cleanly at the first signal and dies at the second;
		// zoo dies at the first.
		hint = "stopped at once by the signal pidcheck was sent: interrupted"
		interrupted = true
	case ws.Signaled() && ws.Signal() == syscall.SIGKILL:
		hint = "killed: out of memory (the kernel's OOM killer), or by a person"
	case ws.Signaled():
		hint = "killed by a signal"
	case ws.ExitStatus() == 0:
		hint = "it exited without a result: the code under test called os.Exit"
	case ws.ExitStatus() == 2:
		hint = "a Go fatal error (stack overflow, out of memory, concurrent map writes, a deadlock of every goroutine) or a panic in a goroutine the code under test started itself: its message is above"
	default:
		hint = "it exited without a result: the code under test called os.Exit"
	}
	reason := fmt.Sprintf("the exploration died: %s (%s)", how, hint)
	fmt.Fprintf(stderr, "pidcheck: %s; not a pass\n", reason)
	keys := make([][2]int, 0, len(running))
	for key := range running {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return running[a].Scenario - running[b].Scenario
	})
	if len(keys) == 0 {
		fmt.Fprintf(stderr, "  no schedule was running: it died between schedules (while judging or shrinking a run, or in a goroutine the code under test left behind)\n")
	}
	if len(keys) > 1 {
		fmt.Fprintf(stderr, "  %d schedules were running (or being shrunk) at once: one of them (or a goroutine an earlier one left behind) died\n", len(keys))
	}
	perEntry := map[int]int{}
	for _, key := range keys {
		perEntry[key[0]]++
	}
	var deaths []death
	for _, key := range keys {
		d := death{k: key[0], start: running[key], reason: reason, schedules: fl.started[key[0]], elapsed: elapsed}
		name := p.names[d.k] + p.suffix + ".crashed"
		if perEntry[d.k] > 1 {
			name += "." + strconv.Itoa(d.start.Scenario)
		}
		d.path = filepath.Join(p.out, name+".trace")
		rerun := p.rerun(d.k, d.start, d.schedules)
		if saved, ok := fl.shrinking[key]; ok {
			// The violation was found, and saved as found: that trace
			// replays; the death came while shrinking it.
			d.path = filepath.Join(p.out, p.names[d.k]+p.suffix+".trace")
			if !saved {
				d.path, d.werr = "", errors.New("the violation as found could not be saved")
			}
			d.reason += "; while shrinking the violation found in scenario " + strconv.Itoa(d.start.Scenario)
			fmt.Fprintf(stderr, "  %s: it died while shrinking the violation found in scenario %d (schedule %d, seed %d)\n", p.names[d.k], d.start.Scenario, d.start.Schedule, d.start.Seed)
			if d.path != "" {
				fmt.Fprintf(stderr, "  trace: %s (the violation as found, not shrunk)\n  reproduce: %s replay %s\n", d.path, selfCommand(), d.path)
			} else {
				fmt.Fprintf(stderr, "  trace: not written: %v\n  rerun: %s\n", d.werr, rerun)
			}
			deaths = append(deaths, d)
			continue
		}
		if d.werr = p.writeCrash(d, rerun); d.werr != nil {
			d.path = ""
		}
		fmt.Fprintf(stderr, "  %s: scenario %d (schedule %d, seed %d) was running\n", p.names[d.k], d.start.Scenario, d.start.Schedule, d.start.Seed)
		if d.path != "" {
			fmt.Fprintf(stderr, "  trace: %s (the scenario and the seed, verdict unknown: no decisions were recorded)\n", d.path)
		} else {
			fmt.Fprintf(stderr, "  trace: not written: %v\n", d.werr)
		}
		fmt.Fprintf(stderr, "  rerun: %s\n", rerun)
		deaths = append(deaths, d)
	}
	if p.deathJSON != nil {
		if err := p.deathJSON(stdout, deaths); err != nil {
			return err
		}
	} else {
		// The last line of stdout, where a pass says "ok: ...".
		n := 0
		for _, c := range fl.started {
			n += c
		}
		what := "died"
		if interrupted {
			what = "interrupted"
		}
		fmt.Fprintf(stdout, "%s: %d schedule(s) started in %.1fs; the exploration died, not a pass\n", what, n, elapsed.Seconds())
	}
	if interrupted {
		return withStatus(exitUnknown)
	}
	return withStatus(exitViolation)
}

// writeCrash writes the trace of death d: the scenario that was running
// and its seed, verdict unknown, the death as its reason.
func (p *plan) writeCrash(d death, rerun string) error {
	target, o := p.options(d.k)
	sc, err := checker.ScenarioAt(target, o, d.start.Scenario)
	if err != nil {
		return err
	}
	strategy := string(o.Strategy)
	if strategy == "" {
		strategy = string(checker.DefaultStrategy)
	}
	t := &traces.Trace{
		Impl: target.Name, Spec: string(target.Spec), Policy: target.Policy,
		Strategy: strategy, Seed: d.start.Seed, Reproduce: rerun, Scenario: sc,
		Verdict: traces.Verdict{Outcome: traces.Unknown},
		Reason: fmt.Sprintf("%s while running schedule %d of scenario %d (seed %d) of this exploration;\n"+
			"no decisions were recorded: this trace holds the scenario and the seed, and does not replay;\n"+
			"rerun the exploration up to it: %s", d.reason, d.start.Schedule, d.start.Scenario, d.start.Seed, rerun),
	}
	if err := os.MkdirAll(p.out, 0o755); err != nil {
		return err
	}
	return traces.WriteFile(d.path, t)
}
