package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/alloc"
)

// maxMergeInput bounds one input of merge: a shard's JSON is a few
// kilobytes per implementation.
const maxMergeInput = 64 << 20

// searchJSON says which search a check's --json output is a part of: the
// flags that decide what is explored and the pidcheck that explored it.
// Shards of one search have equal searchJSON values; merge joins nothing
// else. A zero Schedules and TimeSeconds is check's default budget.
type searchJSON struct {
	Version      string   `json:"version"`
	Impls        []string `json:"impls"`
	Strategy     string   `json:"strategy"`
	Seed         uint64   `json:"seed"`
	Shards       int      `json:"shards"`
	Schedules    int      `json:"schedules"`    // per implementation and shard; 0: a time budget
	TimeSeconds  float64  `json:"time_seconds"` // --time as given; 0: none
	Threads      int      `json:"threads"`      // as given; 0: the default
	Ops          int      `json:"ops"`
	PidMax       int      `json:"pid_max"`
	Floor        int      `json:"floor"`
	CheckTimeout float64  `json:"check_timeout_seconds"`
	SkipSearch   bool     `json:"skip_search,omitempty"`
	// Coverage: --coverage was given. Shards must agree, so that a
	// merged coverage counts every shard's runs.
	Coverage bool `json:"coverage,omitempty"`
}

// search is the searchJSON of a check of entries with flags f.
func (f *checkFlags) search(entries []alloc.Entry) *searchJSON {
	s := &searchJSON{Version: toolVersion(), Strategy: f.strategy, Seed: f.seed, Shards: f.shardN,
		Schedules: f.schedules, TimeSeconds: f.budget.Seconds(), Threads: f.threads, Ops: f.ops,
		PidMax: f.pidMax, Floor: f.floor, CheckTimeout: f.checkTimeout.Seconds(), SkipSearch: f.skipSearch,
		Coverage: f.coverage}
	for _, e := range entries {
		s.Impls = append(s.Impls, e.Name)
	}
	return s
}

// fields are s's fields as (name, value) pairs, in order, for saying which
// one two searches disagree on.
func (s *searchJSON) fields() [][2]string {
	return [][2]string{
		{"version", strconv.Quote(s.Version)},
		{"impls", strings.Join(s.Impls, ",")},
		{"strategy", s.Strategy},
		{"seed", strconv.FormatUint(s.Seed, 10)},
		{"shards", strconv.Itoa(s.Shards)},
		{"schedules", strconv.Itoa(s.Schedules)},
		{"time_seconds", strconv.FormatFloat(s.TimeSeconds, 'g', -1, 64)},
		{"threads", strconv.Itoa(s.Threads)},
		{"ops", strconv.Itoa(s.Ops)},
		{"pid_max", strconv.Itoa(s.PidMax)},
		{"floor", strconv.Itoa(s.Floor)},
		{"check_timeout_seconds", strconv.FormatFloat(s.CheckTimeout, 'g', -1, 64)},
		{"skip_search", strconv.FormatBool(s.SkipSearch)},
		{"coverage", strconv.FormatBool(s.Coverage)},
	}
}

// mergeJSON is merge's output: the shards of one search joined, as one
// unsharded run of the same search reports it where they can agree.
type mergeJSON struct {
	jsonHeader
	Search    *searchJSON `json:"search"`
	Strategy  string      `json:"strategy"`
	Seed      uint64      `json:"seed"`
	Shards    int         `json:"shards"`
	Merged    []int       `json:"merged"`            // the shard indexes given
	Missing   []int       `json:"missing,omitempty"` // the shard indexes not given
	Verdict   string      `json:"verdict"`
	Schedules int         `json:"schedules"`
	// Elapsed is the longest shard's; ShardSeconds adds them all up.
	Elapsed      float64            `json:"elapsed_seconds"`
	ShardSeconds float64            `json:"shard_seconds"`
	Results      []mergedResultJSON `json:"results"`
	Interrupted  bool               `json:"interrupted,omitempty"`
	// ExhaustedScenarios (dfs) and Coverage (--coverage) sum the
	// results' own, as check's do.
	ExhaustedScenarios *int          `json:"exhausted_scenarios,omitempty"`
	Coverage           *coverageJSON `json:"coverage,omitempty"`
}

// mergedResultJSON is one implementation's exploration over every shard.
type mergedResultJSON struct {
	Impl     string `json:"impl"`
	Strategy string `json:"strategy"`
	Seed     uint64 `json:"seed"`
	// Scenarios is the prefix of the global scenario indexes the shards
	// covered between them, as one unsharded run of that many scenarios
	// covers it; ScenariosTotal counts every scenario run, those past a
	// gap too (a shard that stopped at a violation leaves one).
	Scenarios      seedsJS `json:"scenarios"`
	ScenariosTotal int     `json:"scenarios_total"`
	Schedules      int     `json:"schedules"`
	Unknowns       int     `json:"unknowns"`
	Elapsed        float64 `json:"elapsed_seconds"` // all shards' time on it, added up
	Verdict        string  `json:"verdict"`
	// Reason and Trace are those of the violation at the lowest global
	// scenario index (the one an unsharded run stops at), else of the
	// first undecided run of the lowest shard that had one.
	Reason string `json:"reason,omitempty"`
	Trace  string `json:"trace,omitempty"`
	// FoundAt is the global scenario index of that violation: an
	// unsharded run stops after scenario FoundAt, its count FoundAt+1.
	FoundAt *int `json:"found_at_scenario,omitempty"`
	// Traces are every shard's traces for this implementation, by shard.
	Traces      []string `json:"traces,omitempty"`
	Shards      []int    `json:"shards"` // the shards that have a result for it
	Interrupted bool     `json:"interrupted,omitempty"`

	// ExhaustedScenarios (dfs) adds up the shards' own, and DFSScenarios
	// joins theirs, by global scenario index.
	ExhaustedScenarios *int              `json:"exhausted_scenarios,omitempty"`
	DFSScenarios       []dfsScenarioJSON `json:"dfs_scenarios,omitempty"`
	// Coverage (--coverage) adds up the shards' counts; against the
	// contract, an item is missing when every shard missed it.
	Coverage *coverageJSON `json:"coverage,omitempty"`
}

func newMergeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "merge [FILE...]",
		Short: "Merge the --json results of the shards of one check",
		Long: `merge joins the JSON results of pidcheck check --json --shard i/n (or
--shards n, a Kubernetes Indexed Job) into one, printed on stdout. It reads
each FILE, or stdin when none is given or FILE is "-"; an input may hold
several results one after another (the concatenated stdout of the shards).

The results must belong to one search: the same pidcheck version, seed, n,
implementations, strategy and budget, and each shard index at most once.
Each implementation's schedules and undecided runs are added up, and its
scenarios say how far the shards covered the global scenario order between
them: with --schedules S and a strategy of one schedule per scenario
(random, pct, rapid), n shards that found nothing cover what one unsharded
check --schedules n·S does, and the merged totals are its totals. A
violation is reported by the one at the lowest global scenario index: the
one an unsharded run finds.
With --coverage (every shard must have it, or none) the coverage counts
are added up, and an item a contract expects is missing only when every
shard missed it; a dfs search's exhausted scenarios are added up too.

Exit status: the worst among the shards: 1 if any found a violation, else 3
if any was undecided or interrupted, or a shard is missing (not a pass);
0 when every shard is there and ok. Input that is not one search's shards
gets 2, with file:line: what is wrong, and no output.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMerge(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args)
		},
	}
}

// shardInput is one shard's result and where it came from.
type shardInput struct {
	where string // "file:line", the line its object starts on
	out   checkJSON
}

func runMerge(stdin io.Reader, stdout, stderr io.Writer, args []string) error {
	if len(args) == 0 {
		args = []string{"-"}
	}
	var shards []shardInput
	var errs []string
	for _, name := range args {
		got, err := readShards(stdin, name)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		shards = append(shards, got...)
	}
	if len(errs) == 0 && len(shards) == 0 {
		errs = append(errs, "no results to merge")
	}
	var m *mergeJSON
	if len(errs) == 0 {
		var err error
		if m, err = mergeShards(shards); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return usageErrorf("%s", strings.Join(errs, "\npidcheck: "))
	}
	if err := writeJSON(stdout, m); err != nil {
		return err
	}
	for _, r := range m.Results {
		if strings.HasPrefix(r.Verdict, "violation") {
			fmt.Fprintf(stderr, "%s: %s: %s\n  trace: %s\n", r.Impl, r.Verdict, r.Reason, r.Trace)
		}
	}
	if len(m.Missing) > 0 {
		fmt.Fprintf(stderr, "missing shard(s) %s of %d: the search is not covered; inconclusive, not a pass\n", joinInts(m.Missing), m.Shards)
	}
	if m.Interrupted {
		fmt.Fprintf(stderr, "a shard was interrupted before its budget was spent; inconclusive, not a pass\n")
	}
	status := exitOK
	switch m.Verdict {
	case "violation":
		status = exitViolation
	case "unknown":
		status = exitUnknown
	}
	return statusErr(status)
}

// readShards reads the results in one input: a file, or stdin for "-".
func readShards(stdin io.Reader, name string) ([]shardInput, error) {
	where := name
	var r io.Reader = stdin
	if name == "-" {
		where = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxMergeInput+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", where, err)
	}
	if len(data) > maxMergeInput {
		return nil, fmt.Errorf("%s: larger than %d MiB: not a check result", where, maxMergeInput>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var out []shardInput
	for {
		// The line the next object starts on: after the white space
		// before it.
		start := int(dec.InputOffset())
		start += len(data[start:]) - len(bytes.TrimLeft(data[start:], " \t\r\n"))
		at := fmt.Sprintf("%s:%d", where, lineAt(data, start))
		// Each object is read whole, its schema looked at (another
		// command's JSON is named as such), then decoded strictly.
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			break
		}
		var s checkJSON
		if err == nil {
			var h struct {
				Schema *string `json:"schema"`
			}
			if json.Unmarshal(raw, &h) == nil && h.Schema != nil && *h.Schema != schemaID("check") {
				return nil, fmt.Errorf("%s: schema %q: not a result of pidcheck check --json (%s)", at, *h.Schema, schemaID("check"))
			}
			strict := json.NewDecoder(bytes.NewReader(raw))
			strict.DisallowUnknownFields()
			if err = strict.Decode(&s); err != nil {
				err = shiftOffset(err, int64(start))
			}
		}
		if err != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &se):
				at = fmt.Sprintf("%s:%d", where, lineAt(data, int(se.Offset)))
			case errors.As(err, &te):
				at = fmt.Sprintf("%s:%d", where, lineAt(data, int(te.Offset)))
			case errors.Is(err, io.ErrUnexpectedEOF):
				at = fmt.Sprintf("%s:%d", where, lineAt(data, len(data)))
			}
			if te != nil {
				what := "the top level"
				if te.Field != "" {
					what = strconv.Quote(te.Field)
				}
				err = fmt.Errorf("%s is a JSON %s, want %s", what, te.Value, jsonKind(te.Type.Kind()))
			}
			return nil, fmt.Errorf("%s: not a result of pidcheck check --json: %v", at, err)
		}
		if err := validShard(&s); err != nil {
			return nil, fmt.Errorf("%s: %v", at, err)
		}
		out = append(out, shardInput{where: at, out: s})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: empty: no result of pidcheck check --json", where)
	}
	return out, nil
}

// shiftOffset moves the offset of a JSON error in one object by start,
// the object's offset in its input.
func shiftOffset(err error, start int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		se.Offset += start
	case errors.As(err, &te):
		te.Offset += start
	}
	return err
}

// lineAt is the 1-based line of byte offset off in data.
func lineAt(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// validShard checks that one result is whole and agrees with itself.
func validShard(s *checkJSON) error {
	if s.Search == nil {
		return errors.New(`no "search": not a result of pidcheck check --json, or one from a pidcheck without merge`)
	}
	if s.Schema != schemaID("check") {
		return fmt.Errorf("no schema %q: a result of an older pidcheck check --json", schemaID("check"))
	}
	if s.Shards < 1 || s.Shard < 0 || s.Shard >= s.Shards {
		return fmt.Errorf("shard %d of %d: want 0 ≤ shard < shards", s.Shard, s.Shards)
	}
	if s.Search.Shards != s.Shards || s.Search.Seed != s.Seed || s.Search.Strategy != s.Strategy {
		return fmt.Errorf("shards %d, seed %d, strategy %q disagree with its search (%d, %d, %q)",
			s.Shards, s.Seed, s.Strategy, s.Search.Shards, s.Search.Seed, s.Search.Strategy)
	}
	if len(s.Search.Impls) == 0 {
		return errors.New("search has no implementations")
	}
	seen := map[string]bool{}
	for k, r := range s.Results {
		if !slices.Contains(s.Search.Impls, r.Impl) {
			return fmt.Errorf("results.%d: implementation %q is not in the search's %s", k, r.Impl, strings.Join(s.Search.Impls, ","))
		}
		if seen[r.Impl] {
			return fmt.Errorf("results.%d: implementation %q twice", k, r.Impl)
		}
		seen[r.Impl] = true
		if r.Seed != s.Seed || r.Shard != s.Shard || r.Shards != s.Shards {
			return fmt.Errorf("results.%d (%s): seed %d, shard %d/%d, but the result says seed %d, shard %d/%d", k, r.Impl, r.Seed, r.Shard, r.Shards, s.Seed, s.Shard, s.Shards)
		}
		if r.Scenarios.First != s.Shard || r.Scenarios.Step != s.Shards || r.Scenarios.Count < 0 {
			return fmt.Errorf("results.%d (%s): scenarios first %d, step %d, count %d: want first %d, step %d of shard %d/%d",
				k, r.Impl, r.Scenarios.First, r.Scenarios.Step, r.Scenarios.Count, s.Shard, s.Shards, s.Shard, s.Shards)
		}
		if r.Schedules < 0 || r.Unknowns < 0 || r.Unknowns > r.Schedules {
			return fmt.Errorf("results.%d (%s): %d schedules, %d unknowns", k, r.Impl, r.Schedules, r.Unknowns)
		}
		if r.Verdict != "ok" && r.Verdict != "unknown" && !strings.HasPrefix(r.Verdict, "violation") {
			return fmt.Errorf("results.%d (%s): verdict %q: want ok, unknown or violation …", k, r.Impl, r.Verdict)
		}
	}
	return nil
}

// mergeShards joins the results of the shards of one search.
func mergeShards(shards []shardInput) (*mergeJSON, error) {
	first := shards[0]
	search := first.out.Search
	byIndex := map[int]shardInput{}
	for _, s := range shards {
		if err := sameSearch(s, first); err != nil {
			return nil, err
		}
		if prev, ok := byIndex[s.out.Shard]; ok {
			return nil, fmt.Errorf("%s: shard %d of %d again (also at %s)", s.where, s.out.Shard, s.out.Shards, prev.where)
		}
		byIndex[s.out.Shard] = s
	}
	n := search.Shards
	m := &mergeJSON{jsonHeader: header("merge"), Search: search, Strategy: search.Strategy, Seed: search.Seed, Shards: n, Merged: []int{}}
	for i := range n {
		s, ok := byIndex[i]
		if !ok {
			m.Missing = append(m.Missing, i)
			continue
		}
		m.Merged = append(m.Merged, i)
		m.Elapsed = max(m.Elapsed, s.out.Elapsed)
		m.ShardSeconds += s.out.Elapsed
		m.Interrupted = m.Interrupted || s.out.Interrupted
	}
	status := exitOK
	for _, impl := range search.Impls {
		r := mergeImpl(impl, n, m.Merged, byIndex)
		if r == nil {
			continue // no shard reached it (interrupted before it began)
		}
		m.Results = append(m.Results, *r)
		m.Schedules += r.Schedules
		if r.ExhaustedScenarios != nil {
			m.ExhaustedScenarios = addInt(m.ExhaustedScenarios, *r.ExhaustedScenarios)
		}
		if r.Coverage != nil {
			m.Coverage = addCoverage(m.Coverage, r.Coverage, false)
		}
		m.Interrupted = m.Interrupted || r.Interrupted
		switch {
		case strings.HasPrefix(r.Verdict, "violation"):
			status = exitViolation
		case r.Verdict != "ok" && status == exitOK:
			status = exitUnknown
		}
	}
	if m.Results == nil {
		m.Results = []mergedResultJSON{}
	}
	if (len(m.Missing) > 0 || m.Interrupted) && status == exitOK {
		status = exitUnknown
	}
	switch status {
	case exitOK:
		m.Verdict = "ok"
	case exitViolation:
		m.Verdict = "violation"
	default:
		m.Verdict = "unknown"
	}
	return m, nil
}

// sameSearch reports how s's search differs from first's, if it does.
func sameSearch(s, first shardInput) error {
	a, b := s.out.Search.fields(), first.out.Search.fields()
	for k := range a {
		if a[k][1] != b[k][1] {
			return fmt.Errorf("%s: %s %s, but %s has %s: not shards of one search", s.where, a[k][0], a[k][1], first.where, b[k][1])
		}
	}
	return nil
}

// mergeImpl joins implementation impl's results from the shards given
// (merged, in order), nil when none has one.
func mergeImpl(impl string, n int, merged []int, byIndex map[int]shardInput) *mergedResultJSON {
	var r *mergedResultJSON
	counts := make([]int, n) // scenarios run by each shard
	complete := len(merged) == n
	bestViolation := -1 // the lowest global scenario index of a violation
	unknownTrace := ""
	for _, i := range merged {
		res, ok := findResult(byIndex[i].out.Results, impl)
		if !ok {
			complete = false
			continue
		}
		if r == nil {
			r = &mergedResultJSON{Impl: impl, Strategy: res.Strategy, Seed: res.Seed, Verdict: "ok", Shards: []int{}}
		}
		r.Shards = append(r.Shards, i)
		counts[i] = res.Scenarios.Count
		r.ScenariosTotal += res.Scenarios.Count
		r.Schedules += res.Schedules
		r.Unknowns += res.Unknowns
		r.Elapsed += res.Elapsed
		r.Interrupted = r.Interrupted || res.Interrupted
		if res.Trace != "" {
			r.Traces = append(r.Traces, res.Trace)
		}
		if res.ExhaustedScenarios != nil {
			r.ExhaustedScenarios = addInt(r.ExhaustedScenarios, *res.ExhaustedScenarios)
		}
		r.DFSScenarios = append(r.DFSScenarios, res.DFSScenarios...)
		if res.Coverage != nil {
			r.Coverage = addCoverage(r.Coverage, res.Coverage, true)
		}
		switch {
		case strings.HasPrefix(res.Verdict, "violation"):
			// Exploration stops at a shard's first violation: it is in the
			// shard's last scenario.
			at := res.Scenarios.First + (res.Scenarios.Count-1)*res.Scenarios.Step
			if bestViolation < 0 || at < bestViolation {
				bestViolation = at
				r.Verdict, r.Reason, r.Trace, r.FoundAt = res.Verdict, res.Reason, res.Trace, &at
			}
		case res.Verdict != "ok" && bestViolation < 0 && r.Verdict == "ok":
			r.Verdict, r.Reason, unknownTrace = res.Verdict, res.Reason, res.Trace
		}
	}
	if r == nil {
		return nil
	}
	if bestViolation < 0 {
		r.Trace = unknownTrace
		if !complete || r.Interrupted {
			r.Verdict = "unknown"
			if r.Reason == "" {
				r.Reason = "not every shard explored it"
			}
		}
	}
	r.Scenarios = seedsJS{First: 0, Step: 1, Count: coveredPrefix(counts)}
	slices.SortFunc(r.DFSScenarios, func(a, b dfsScenarioJSON) int { return a.Index - b.Index })
	return r
}

// addInt is *p + n, in a new int (p nil: n).
func addInt(p *int, n int) *int {
	if p != nil {
		n += *p
	}
	return &n
}

// addCoverage is the sum of coverages a and b (a nil: a copy of b). With
// contract, both are one implementation's against its spec's contract
// (shards of one search expect the same items): an item is missing from
// the sum when both missed it. Without, the sum has no contract, as
// check's total has none.
func addCoverage(a, b *coverageJSON, contract bool) *coverageJSON {
	out := &coverageJSON{Ops: map[string]int{}, Results: map[string]map[string]int{}, Rules: map[string]int{}}
	for _, c := range []*coverageJSON{a, b} {
		if c == nil {
			continue
		}
		out.Runs += c.Runs
		out.WitnessedRuns += c.WitnessedRuns
		for k, n := range c.Ops {
			out.Ops[k] += n
		}
		for k, rs := range c.Results {
			if out.Results[k] == nil {
				out.Results[k] = map[string]int{}
			}
			for e, n := range rs {
				out.Results[k][e] += n
			}
		}
		for r, n := range c.Rules {
			out.Rules[r] += n
		}
	}
	if !contract || b.Expected == nil {
		// With no contract no item is expected, so none is listed at 0.
		maps.DeleteFunc(out.Ops, func(_ string, n int) bool { return n == 0 })
		maps.DeleteFunc(out.Rules, func(_ string, n int) bool { return n == 0 })
		for k, rs := range out.Results {
			if maps.DeleteFunc(rs, func(_ string, n int) bool { return n == 0 }); len(rs) == 0 {
				delete(out.Results, k)
			}
		}
		return out
	}
	if a == nil {
		out.Expected, out.Reached, out.Missing = b.Expected, b.Reached, slices.Clone(b.Missing)
		return out
	}
	for _, it := range a.Missing {
		if slices.Contains(b.Missing, it) {
			out.Missing = append(out.Missing, it)
		}
	}
	want := *b.Expected
	got := want - len(out.Missing)
	out.Expected, out.Reached = &want, &got
	return out
}

// coveredPrefix is how many global scenario indexes 0, 1, 2, … in a row
// shards with counts[i] scenarios each (shard i runs indexes i, i+n, …)
// covered between them.
func coveredPrefix(counts []int) int {
	n := len(counts)
	for j := 0; ; j++ {
		if counts[j%n] <= j/n {
			return j
		}
	}
}

func findResult(rs []checkResultJSON, impl string) (checkResultJSON, bool) {
	for _, r := range rs {
		if r.Impl == impl {
			return r, true
		}
	}
	return checkResultJSON{}, false
}

// jsonKind names the JSON value a Go kind decodes from.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	}
	return "a number"
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for k, x := range xs {
		s[k] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
