package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// coverageJSON is one coverage report (check --coverage --json): counts by
// op kind (fork with set_tid is fork_tid), by kind and result, and by
// spec rule; expected, reached and missing are against the spec's
// contract (absent for a spec that declares none, and for the sum of
// several implementations).
type coverageJSON struct {
	Runs          int                       `json:"runs"`
	WitnessedRuns int                       `json:"witnessed_runs"`
	Ops           map[string]int            `json:"ops"`
	Results       map[string]map[string]int `json:"results"`
	Rules         map[string]int            `json:"rules"`
	Expected      *int                      `json:"expected,omitempty"`
	Reached       *int                      `json:"reached,omitempty"`
	Missing       []string                  `json:"missing,omitempty"`
}

// kindKey names a kind in coverage output.
func kindKey(k model.Kind) string {
	if k == model.ForkWithTid {
		return "fork_tid"
	}
	return k.String()
}

// coverageGoal is what e's spec's contract expects of a check with f's
// options, nil when the spec declares no rules.
func coverageGoal(e alloc.Entry, f *checkFlags) []checker.CoverageItem {
	s, err := checker.SpecFor(e.Spec, f.params(e), e.Policy)
	if err != nil || len(s.Rules) == 0 {
		return nil
	}
	return checker.Expected(spec.ContractOf(s), f.options(e).Gen.Leave)
}

// toCoverageJSON turns c into its JSON, against goal when there is one.
func toCoverageJSON(c *checker.Coverage, goal []checker.CoverageItem) *coverageJSON {
	out := &coverageJSON{Runs: c.Runs, WitnessedRuns: c.Witnessed, Ops: map[string]int{},
		Results: map[string]map[string]int{}, Rules: map[string]int{}}
	for _, it := range goal {
		switch {
		case it.Rule != 0:
			out.Rules[it.Rule.String()] = 0
		case it.IsResult:
			if out.Results[kindKey(it.Kind)] == nil {
				out.Results[kindKey(it.Kind)] = map[string]int{}
			}
			out.Results[kindKey(it.Kind)][it.Result.String()] = 0
		default:
			out.Ops[kindKey(it.Kind)] = 0
		}
	}
	for _, k := range model.Kinds() {
		if n := c.Ops[k]; n > 0 {
			out.Ops[kindKey(k)] = n
		}
		for _, e := range model.Errnos() {
			if n := c.Results[k][e]; n > 0 {
				if out.Results[kindKey(k)] == nil {
					out.Results[kindKey(k)] = map[string]int{}
				}
				out.Results[kindKey(k)][e.String()] = n
			}
		}
		if n := c.Other[k]; n > 0 {
			if out.Results[kindKey(k)] == nil {
				out.Results[kindKey(k)] = map[string]int{}
			}
			out.Results[kindKey(k)]["other"] = n
		}
	}
	for _, r := range spec.Rules() {
		if n := c.Rules[r]; n > 0 {
			out.Rules[r.String()] = n
		}
	}
	if goal != nil {
		missing := c.Missing(goal)
		want, got := len(goal), len(goal)-len(missing)
		out.Expected, out.Reached = &want, &got
		for _, it := range missing {
			out.Missing = append(out.Missing, it.String())
		}
	}
	return out
}

// coverageRow is a row of the coverage table: an item, and whether each
// implementation's contract expects it.
type coverageRow struct {
	item   checker.CoverageItem
	expect []bool
}

// printCoverage prints the coverage table of a check: a row per op kind,
// result kind and rule that some implementation's contract expects or
// some run reached; a column per implementation and one for all. "-" is an
// item the implementation's spec does not expect and did not reach; "0!"
// one it expects and did not reach.
func printCoverage(w io.Writer, names []string, covs []*checker.Coverage, goals [][]checker.CoverageItem) {
	total := &checker.Coverage{}
	for _, c := range covs {
		total.Add(c)
	}
	expects := func(i int, it checker.CoverageItem) bool { return slices.Contains(goals[i], it) }
	var rows []coverageRow
	add := func(it checker.CoverageItem) {
		r := coverageRow{item: it, expect: make([]bool, len(names))}
		any := total.Count(it) > 0
		for i := range names {
			r.expect[i] = expects(i, it)
			any = any || r.expect[i]
		}
		if any {
			rows = append(rows, r)
		}
	}
	for _, k := range model.Kinds() {
		add(checker.CoverageItem{Kind: k})
		for _, e := range model.Errnos() {
			add(checker.CoverageItem{Kind: k, Result: e, IsResult: true})
		}
	}
	for _, r := range spec.Rules() {
		add(checker.CoverageItem{Rule: r})
	}
	fmt.Fprintf(w, "\ncoverage: ops issued and results observed in every run; spec rules fired in the linearizations that witnessed the runs\n")
	width := 34
	fmt.Fprintf(w, "%-*s", width, "ITEM")
	for _, n := range names {
		fmt.Fprintf(w, " %*s", max(len(n), 8), n)
	}
	fmt.Fprintf(w, " %10s\n", "ALL")
	for _, r := range rows {
		label := r.item.String()
		if r.item.IsResult {
			label = "  " + r.item.Result.String()
		}
		fmt.Fprintf(w, "%-*s", width, label)
		for i, n := range names {
			cell := strconv.Itoa(covs[i].Count(r.item))
			switch {
			case cell == "0" && r.expect[i]:
				cell = "0!"
			case cell == "0":
				cell = "-"
			}
			fmt.Fprintf(w, " %*s", max(len(n), 8), cell)
		}
		fmt.Fprintf(w, " %10d\n", total.Count(r.item))
	}
	for i, n := range names {
		c := covs[i]
		if goals[i] == nil {
			fmt.Fprintf(w, "%s: %d runs; its spec declares no rules (no contract to hold it to)\n", n, c.Runs)
			continue
		}
		missing := c.Missing(goals[i])
		line := fmt.Sprintf("%s: %d of %d expected items reached (rules counted in %d of %d runs)", n,
			len(goals[i])-len(missing), len(goals[i]), c.Witnessed, c.Runs)
		if len(missing) > 0 {
			var ms []string
			for _, it := range missing {
				ms = append(ms, it.String())
			}
			line += "; missing: " + strings.Join(ms, ", ")
		}
		fmt.Fprintln(w, line)
	}
}
