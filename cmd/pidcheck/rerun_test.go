package main

import (
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/checker"
)

// TestRerunCarriesTheStrategysFlags: the command that reruns a check up
// to a schedule (printed when the exploration dies) explores as the check
// did: PCT's depth, DFS's bound, sleep sets and cap go with it, defaults
// are left out.
func TestRerunCarriesTheStrategysFlags(t *testing.T) {
	at := checker.ScheduleStart{Scenario: 4, Schedule: 0}
	for _, c := range []struct {
		f         checkFlags
		want, not []string
	}{
		{checkFlags{strategy: "pct", depth: 5, bound: checker.DefaultDFSBound}, []string{"--strategy pct", "--depth 5"}, []string{"--bound"}},
		{checkFlags{strategy: "pct", depth: checker.DefaultPCTDepth, bound: checker.DefaultDFSBound}, []string{"--strategy pct"}, []string{"--depth", "--bound"}},
		{checkFlags{strategy: "dfs", depth: checker.DefaultPCTDepth, bound: -1, noSleepSets: true, perScenario: 7}, []string{"--strategy dfs", "--bound -1", "--no-sleep-sets", "--per-scenario 7"}, []string{"--depth"}},
		{checkFlags{strategy: "pos", depth: checker.DefaultPCTDepth, bound: checker.DefaultDFSBound}, []string{"--strategy pos"}, []string{"--depth", "--bound"}},
	} {
		c.f.impl, c.f.out, c.f.shardN = "idr", "pidcheck-failures", 1
		got := c.f.rerun("idr", at, 1)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%+v: %q lacks %q", c.f, got, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("%+v: %q has %q", c.f, got, n)
			}
		}
	}
}

// TestRerunBudgetReachesTheScenario: the rerun's --schedules covers every
// schedule before the one that was running: one per earlier scenario for
// pct, the cap per earlier scenario with --per-scenario, and for dfs with
// no cap (a scenario takes as many runs as its interleavings) the runs
// that had started.
func TestRerunBudgetReachesTheScenario(t *testing.T) {
	at := checker.ScheduleStart{Scenario: 4, Schedule: 2}
	for _, c := range []struct {
		f       checkFlags
		started int
		want    string
	}{
		{checkFlags{strategy: "pct", depth: checker.DefaultPCTDepth}, 9, "--schedules 7 "},
		{checkFlags{strategy: "dfs", bound: checker.DefaultDFSBound, perScenario: 7}, 9, "--schedules 31 "},
		{checkFlags{strategy: "pct", depth: checker.DefaultPCTDepth, perScenario: 3}, 9, "--schedules 15 "},
		{checkFlags{strategy: "dfs", bound: checker.DefaultDFSBound}, 1234, "--schedules 1234 "},
		{checkFlags{strategy: "dfs", bound: checker.DefaultDFSBound}, 3, "--schedules 7 "},
	} {
		c.f.impl, c.f.out, c.f.shardN = "idr", "pidcheck-failures", 1
		if got := c.f.rerun("idr", at, c.started); !strings.Contains(got, c.want) {
			t.Errorf("%+v, %d started: %q lacks %q", c.f, c.started, got, c.want)
		}
	}
	// A shard's scenarios are counted within the shard.
	f := checkFlags{strategy: "pct", depth: checker.DefaultPCTDepth, impl: "idr", out: "pidcheck-failures", shardI: 1, shardN: 3}
	if got := f.rerun("idr", checker.ScheduleStart{Scenario: 7}, 0); !strings.Contains(got, "--schedules 3 ") || !strings.Contains(got, "--shard 1/3") {
		t.Errorf("shard 1/3, scenario 7: %q", got)
	}
}
