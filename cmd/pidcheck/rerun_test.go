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
		got := c.f.rerun("idr", at)
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
