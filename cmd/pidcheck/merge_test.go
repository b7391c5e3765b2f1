package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pidcheckProcess starts the pidcheck binary (the test binary, put on
// PATH as pidcheck by testscript.Main) with env added; wait returns its
// exit status and stdout.
func pidcheckProcess(t *testing.T, env []string, args ...string) (wait func() (int, []byte)) {
	t.Helper()
	bin, err := exec.LookPath("pidcheck")
	if err != nil {
		t.Fatalf("pidcheck not on PATH (testscript.Main puts it there): %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return func() (int, []byte) {
		err := cmd.Wait()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("pidcheck %s: %v", strings.Join(args, " "), err)
		}
		if s := stderr.String(); s != "" {
			t.Logf("pidcheck %s: stderr:\n%s", strings.Join(args, " "), s)
		}
		return cmd.ProcessState.ExitCode(), stdout.Bytes()
	}
}

// TestMergeShardsEqualUnsharded: n processes of pidcheck check --shards n
// with JOB_COMPLETION_INDEX 0…n-1 and --schedules S, merged, give the
// result one unsharded check --schedules n·S gives: the same exit status
// and verdict and, per implementation, the same schedules, scenarios,
// undecided runs, verdict and reason; a violation is the one the
// unsharded run stops at (the same global scenario, the same trace bytes).
func TestMergeShardsEqualUnsharded(t *testing.T) {
	const n = 3
	for _, c := range []struct {
		name   string
		args   []string
		status int
	}{
		// Every correct implementation: nothing found, every total equal.
		{"ok", []string{"--schedules", "40", "--seed", "5"}, exitOK},
		{"random", []string{"--strategy", "random", "--impl", "idr,lockfree,linux", "--schedules", "60", "--seed", "9"}, exitOK},
		// Violations found in several shards: the merge reports the one
		// at the lowest global scenario index.
		{"violations", []string{"--impl", "idr,lockfree-lost-free,pidmap-nonatomic-claim", "--schedules", "300", "--seed", "1"}, exitViolation},
		// Coverage: the shards' counts add up to the unsharded run's.
		{"coverage", []string{"--impl", "idr,linux", "--schedules", "40", "--seed", "3", "--coverage"}, exitOK},
		// Undecided runs (the hidden --skip-search): added up, exit 3.
		{"unknown", []string{"--impl", "lockfree", "--schedules", "50", "--skip-search"}, exitUnknown},
	} {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && c.name != "ok" {
				t.Skip("-short: the ok case only (the race detector's run)")
			}
			schedules := 0
			for k, a := range c.args {
				if a == "--schedules" {
					schedules, _ = strconv.Atoi(c.args[k+1])
				}
			}
			unArgs := append([]string{"check", "--json", "--out", filepath.Join(t.TempDir(), "unsharded")}, c.args...)
			for k, a := range unArgs {
				if a == "--schedules" {
					unArgs[k+1] = strconv.Itoa(n * schedules)
				}
			}
			shardDir := filepath.Join(t.TempDir(), "shards")
			waits := []func() (int, []byte){pidcheckProcess(t, nil, unArgs...)}
			for i := range n {
				args := append([]string{"check", "--json", "--out", shardDir, "--shards", strconv.Itoa(n)}, c.args...)
				waits = append(waits, pidcheckProcess(t, []string{"JOB_COMPLETION_INDEX=" + strconv.Itoa(i)}, args...))
			}
			unStatus, unOut := waits[0]()
			var files []string
			for i, w := range waits[1:] {
				status, out := w()
				if status != c.status && status != exitOK { // a shard may find nothing
					t.Errorf("shard %d: exit status %d, want %d or 0", i, status, c.status)
				}
				f := filepath.Join(t.TempDir(), fmt.Sprintf("shard%d.json", i))
				if err := os.WriteFile(f, out, 0o644); err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
			// The shards in any order: merge sorts them by index.
			files[0], files[n-1] = files[n-1], files[0]
			mStatus, mOut := pidcheckProcess(t, nil, append([]string{"merge"}, files...)...)()

			var un checkJSON
			var m mergeJSON
			if err := json.Unmarshal(unOut, &un); err != nil {
				t.Fatalf("unsharded: %v in %q", err, unOut)
			}
			dec := json.NewDecoder(bytes.NewReader(mOut))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m); err != nil {
				t.Fatalf("merged: %v in %q", err, mOut)
			}
			if unStatus != c.status || mStatus != unStatus {
				t.Errorf("exit status: unsharded %d, merged %d; want %d", unStatus, mStatus, c.status)
			}
			if m.Verdict != un.Verdict || len(m.Missing) != 0 || !reflect.DeepEqual(m.Merged, []int{0, 1, 2}) || m.Shards != n || m.Seed != un.Seed || m.Strategy != un.Strategy {
				t.Errorf("merged: verdict %s, shards %v of %d, missing %v, seed %d, strategy %s; unsharded: %s, seed %d, %s",
					m.Verdict, m.Merged, m.Shards, m.Missing, m.Seed, m.Strategy, un.Verdict, un.Seed, un.Strategy)
			}
			if len(m.Results) != len(un.Results) || len(un.Results) == 0 {
				t.Fatalf("merged %d results, unsharded %d", len(m.Results), len(un.Results))
			}
			violations := 0
			for k, u := range un.Results {
				r := m.Results[k]
				if r.Impl != u.Impl || r.Strategy != u.Strategy || r.Seed != u.Seed || r.Verdict != u.Verdict || r.Reason != u.Reason {
					t.Errorf("%s: merged %s %s %q, unsharded %s %s %q", u.Impl, r.Impl, r.Verdict, r.Reason, u.Impl, u.Verdict, u.Reason)
					continue
				}
				if !reflect.DeepEqual(r.Shards, []int{0, 1, 2}) || len(r.Traces) > n {
					t.Errorf("%s: shards %v, traces %v", u.Impl, r.Shards, r.Traces)
				}
				if u.Verdict == "ok" || u.Verdict == "unknown" {
					// Nothing stopped a shard early: the shards covered
					// exactly the unsharded run's scenarios.
					if r.Scenarios != u.Scenarios || r.ScenariosTotal != u.Scenarios.Count || r.Schedules != u.Schedules || r.Unknowns != u.Unknowns {
						t.Errorf("%s: merged scenarios %+v (%d in all), %d schedules, %d unknowns; unsharded %+v, %d, %d",
							u.Impl, r.Scenarios, r.ScenariosTotal, r.Schedules, r.Unknowns, u.Scenarios, u.Schedules, u.Unknowns)
					}
					if u.Verdict == "unknown" && (u.Unknowns == 0 || r.Trace == "") {
						t.Errorf("%s: %d unknowns, trace %q: want some, and a trace", u.Impl, u.Unknowns, r.Trace)
					}
					continue
				}
				// A violation: the unsharded run stopped at its scenario
				// (u.Scenarios.Count-1); the merge picked the shard that
				// found the same one, and its trace is the same file.
				violations++
				foundAt := -1
				if r.FoundAt != nil {
					foundAt = *r.FoundAt
				}
				if foundAt != u.Scenarios.Count-1 || r.Scenarios.Count < u.Scenarios.Count {
					t.Errorf("%s: merged violation at scenario %d (prefix %d), unsharded at %d", u.Impl, foundAt, r.Scenarios.Count, u.Scenarios.Count-1)
				}
				a, errA := os.ReadFile(u.Trace)
				b, errB := os.ReadFile(r.Trace)
				if errA != nil || errB != nil || !bytes.Equal(a, b) || len(a) == 0 {
					t.Errorf("%s: traces %s and %s differ (%v, %v)", u.Impl, u.Trace, r.Trace, errA, errB)
				}
			}
			if want := map[int]int{exitOK: 0, exitUnknown: 0, exitViolation: 2}[c.status]; violations != want {
				t.Errorf("%d violations compared, want %d", violations, want)
			}
			if c.status != exitViolation && m.Schedules != un.Schedules {
				t.Errorf("merged %d schedules, unsharded %d", m.Schedules, un.Schedules)
			}
			if !slices.Contains(c.args, "--coverage") {
				if m.Coverage != nil {
					t.Errorf("merged coverage %+v without --coverage", m.Coverage)
				}
				return
			}
			if m.Coverage == nil || !reflect.DeepEqual(m.Coverage, un.Coverage) {
				t.Errorf("merged coverage %+v, unsharded %+v", m.Coverage, un.Coverage)
			}
			for k, u := range un.Results {
				if r := m.Results[k]; u.Coverage == nil || !reflect.DeepEqual(r.Coverage, u.Coverage) {
					t.Errorf("%s: merged coverage %+v, unsharded %+v", u.Impl, r.Coverage, u.Coverage)
				}
			}
		})
	}
}

// TestCoveredPrefix: the scenarios shards cover in a row from index 0.
func TestCoveredPrefix(t *testing.T) {
	for _, c := range []struct {
		counts []int
		want   int
	}{
		{[]int{5}, 5},
		{[]int{2, 2, 2}, 6},
		{[]int{3, 2, 2}, 7},
		{[]int{3, 3, 2}, 8},
		{[]int{2, 3, 3}, 6}, // shard 0 stopped after index 3; 6 is missing
		{[]int{0, 4, 4}, 0},
		{[]int{4, 0, 4}, 1},
		{[]int{1, 1, 0}, 2},
	} {
		if got := coveredPrefix(c.counts); got != c.want {
			t.Errorf("coveredPrefix(%v) = %d, want %d", c.counts, got, c.want)
		}
	}
}

// shardOf is a synthetic result of shard i of n of a two-implementation
// search: a and b are the implementations' verdicts ("" for no result).
func shardOf(i, n int, a, b string) shardInput {
	s := shardInput{where: fmt.Sprintf("s%d.json:1", i), out: checkJSON{Strategy: "pct", Seed: 1, Shard: i, Shards: n,
		Search: &searchJSON{Version: "v", Impls: []string{"a", "b"}, Strategy: "pct", Seed: 1, Shards: n, Schedules: 10}}}
	for k, v := range []string{a, b} {
		if v == "" {
			continue
		}
		r := checkResultJSON{Impl: []string{"a", "b"}[k], Strategy: "pct depth=3", Seed: 1, Shard: i, Shards: n,
			Scenarios: seedsJS{First: i, Step: n, Count: 10}, Schedules: 10, Verdict: v}
		if strings.HasPrefix(v, "violation") {
			r.Scenarios.Count = 3 - i // shard i stops at its local scenario 2-i: global (2-i)·n+i
			r.Schedules = r.Scenarios.Count
			r.Reason, r.Trace = fmt.Sprintf("found by shard %d", i), fmt.Sprintf("a.shard%dof%d.trace", i, n)
		}
		if v == "unknown" {
			r.Unknowns, r.Reason = 1, "interrupted before the budget was spent"
			r.Interrupted = true
			s.out.Interrupted = true
		}
		s.out.Results = append(s.out.Results, r)
	}
	return s
}

// TestMergeWorstStatus: the merged verdict is the worst of the shards'
// (a violation over an undecided or interrupted shard over ok), an
// implementation a shard never reached is undecided, and of several
// violations the one at the lowest global scenario index is reported.
func TestMergeWorstStatus(t *testing.T) {
	for _, c := range []struct {
		name    string
		shards  []shardInput
		verdict string
		a, b    string // the merged verdicts of a and b
	}{
		{"ok", []shardInput{shardOf(0, 2, "ok", "ok"), shardOf(1, 2, "ok", "ok")}, "ok", "ok", "ok"},
		{"interrupted", []shardInput{shardOf(0, 2, "ok", "ok"), shardOf(1, 2, "unknown", "")}, "unknown", "unknown", "unknown"},
		{"violation beats interrupted", []shardInput{shardOf(0, 2, "violation linearizability", "ok"), shardOf(1, 2, "ok", "unknown")}, "violation", "violation linearizability", "unknown"},
		{"missing shard", []shardInput{shardOf(0, 3, "ok", "ok"), shardOf(2, 3, "ok", "ok")}, "unknown", "unknown", "unknown"},
	} {
		m, err := mergeShards(c.shards)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if m.Verdict != c.verdict || len(m.Results) != 2 || m.Results[0].Verdict != c.a || m.Results[1].Verdict != c.b {
			t.Errorf("%s: verdict %s, results %+v; want %s, a %s, b %s", c.name, m.Verdict, m.Results, c.verdict, c.a, c.b)
		}
	}
	// Three shards each find a violation of a: shard i at global scenario
	// (2-i)·3+i, so shard 2's (at 2) comes first.
	m, err := mergeShards([]shardInput{shardOf(0, 3, "violation x", "ok"), shardOf(1, 3, "violation y", "ok"), shardOf(2, 3, "violation z", "ok")})
	if err != nil {
		t.Fatal(err)
	}
	a := m.Results[0]
	if a.Verdict != "violation z" || a.Reason != "found by shard 2" || a.Trace != "a.shard2of3.trace" || a.FoundAt == nil || *a.FoundAt != 2 ||
		len(a.Traces) != 3 || a.Scenarios.Count != 5 || a.ScenariosTotal != 6 { // 0,3,6 | 1,4 | 2: 0…4 in a row
		t.Errorf("first violation: %+v", a)
	}
}

// TestMergeDFS: the shards of a dfs search merge into their exhausted
// scenarios added up, in all and per implementation, and every shard's
// scenarios in global order; a shard without --coverage does not join
// shards with it.
func TestMergeDFS(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: merge.txtar merges dfs shards too")
	}
	const n = 2
	var files []string
	exhausted := 0
	var indexes []int
	for i := range n {
		status, out := pidcheckProcess(t, []string{"JOB_COMPLETION_INDEX=" + strconv.Itoa(i)}, "check", "--json", "--out", t.TempDir(),
			"--shards", strconv.Itoa(n), "--impl", "idr", "--strategy", "dfs", "--bound", "-1", "--threads", "2", "--ops", "2", "--schedules", "200")()
		var sh checkJSON
		if err := json.Unmarshal(out, &sh); status != exitOK || err != nil || sh.ExhaustedScenarios == nil {
			t.Fatalf("shard %d: exit %d, %v, %s", i, status, err, out)
		}
		exhausted += *sh.ExhaustedScenarios
		for _, d := range sh.Results[0].DFSScenarios {
			indexes = append(indexes, d.Index)
		}
		f := filepath.Join(t.TempDir(), fmt.Sprintf("shard%d.json", i))
		if err := os.WriteFile(f, out, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	status, out := pidcheckProcess(t, nil, append([]string{"merge"}, files...)...)()
	var m mergeJSON
	if err := json.Unmarshal(out, &m); status != exitOK || err != nil {
		t.Fatalf("merge: exit %d, %v, %s", status, err, out)
	}
	slices.Sort(indexes)
	r := m.Results[0]
	var got []int
	for _, d := range r.DFSScenarios {
		got = append(got, d.Index)
	}
	if exhausted == 0 || m.ExhaustedScenarios == nil || *m.ExhaustedScenarios != exhausted ||
		r.ExhaustedScenarios == nil || *r.ExhaustedScenarios != exhausted || !slices.Equal(got, indexes) {
		t.Errorf("merged exhausted %v (result %v), scenarios %v; the shards: %d exhausted, scenarios %v",
			m.ExhaustedScenarios, r.ExhaustedScenarios, got, exhausted, indexes)
	}

	status, cov := pidcheckProcess(t, []string{"JOB_COMPLETION_INDEX=0"}, "check", "--json", "--out", t.TempDir(),
		"--shards", strconv.Itoa(n), "--impl", "idr", "--strategy", "dfs", "--bound", "-1", "--threads", "2", "--ops", "2", "--schedules", "200", "--coverage")()
	f := filepath.Join(t.TempDir(), "coverage.json")
	if err := os.WriteFile(f, cov, 0o644); status != exitOK || err != nil {
		t.Fatalf("exit %d, %v", status, err)
	}
	status, out = pidcheckProcess(t, nil, "merge", f, files[1])()
	if status != exitBadInput || len(out) != 0 {
		t.Errorf("a shard with --coverage and one without: exit %d, %s", status, out)
	}
}
