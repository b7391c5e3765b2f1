package checker

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// CompareSpecs are the process-level designs pidcheck compare puts side by
// side: today's Linux, OpenVZ's virtual PIDs and Biederman's 2006 pspaces.
func CompareSpecs() []model.SpecName {
	return []model.SpecName{model.SpecLinux, model.SpecOpenVZ, model.SpecPspace2006}
}

// Comparison is one sequential op list run through several specs.
type Comparison struct {
	Specs []string     // the columns: spec or implementation names
	Rows  []CompareRow // one per op
}

// CompareRow is one op and what each spec answered.
type CompareRow struct {
	Op      model.Op
	Results []model.Result // one per spec, in Specs order
	Differ  bool           // not every spec answered the same
}

// Differences counts the rows where the specs disagree.
func (c *Comparison) Differences() int {
	n := 0
	for _, r := range c.Rows {
		if r.Differ {
			n++
		}
	}
	return n
}

// Compare runs ops in order through each named spec (CompareSpecs when
// none) with the same parameters and policy, each from its initial state,
// and returns the answers side by side. A spec's answer is what the spec
// itself does (Expect), so an op after a divergence may differ only because
// the worlds already differ; Differ marks every row where they disagree.
func Compare(ops []model.Op, p model.Params, pol model.Policy, specs ...model.SpecName) (*Comparison, error) {
	if len(specs) == 0 {
		specs = CompareSpecs()
	}
	for i, op := range ops {
		if op.Kind.Level() != model.ProcessLevel {
			return nil, fmt.Errorf("op %d %q: compare runs process-level ops only", i, op)
		}
	}
	c := &Comparison{Rows: make([]CompareRow, len(ops))}
	for _, name := range specs {
		c.Specs = append(c.Specs, string(name))
	}
	for i, op := range ops {
		c.Rows[i] = CompareRow{Op: op, Results: make([]model.Result, len(specs))}
	}
	for j, name := range specs {
		s, err := SpecFor(name, p, pol)
		if err != nil {
			return nil, err
		}
		if s.Level != model.ProcessLevel {
			return nil, fmt.Errorf("spec %s is not a process-level spec", name)
		}
		for i, r := range spec.Run(s, ops) {
			c.Rows[i].Results[j] = r
		}
	}
	c.mark()
	return c, nil
}

// Sequential flattens a scenario into one op list: the init part, each
// thread's ops in turn, then the post part (drain ops excluded).
func Sequential(sc model.Scenario) []model.Op {
	ops := slices.Clone(sc.Init)
	for _, t := range sc.Threads {
		ops = append(ops, t...)
	}
	for _, op := range sc.Post {
		if !IsDrainOp(op) {
			ops = append(ops, op)
		}
	}
	return ops
}

// RandomSequential is a generated process-level op list for compare
// --random: the scenario Generate makes from seed, made sequential, with a
// drain (every task waits, twice) before the final look-ups.
func RandomSequential(seed uint64, p model.Params) []model.Op {
	sc := Generate(SeedSource(seed), model.ProcessLevel, GenOptions{Params: p})
	ops := slices.Clone(sc.Init)
	for _, t := range sc.Threads {
		ops = append(ops, t...)
	}
	hs := Handles(sc)
	for range 2 {
		for _, h := range hs {
			ops = append(ops, model.Op{Kind: model.Wait, Task: h, Pid: -1})
		}
	}
	return append(ops, sc.Post...)
}

// Table prints the comparison as aligned text, one op a line, with a "≠"
// in the first column where the specs disagree.
func (c *Comparison) Table() string {
	head := append([]string{"", "op"}, c.Specs...)
	rows := [][]string{head}
	for _, r := range c.Rows {
		mark := ""
		if r.Differ {
			mark = "≠"
		}
		line := []string{mark, r.Op.String()}
		for _, res := range r.Results {
			line = append(line, res.Format(r.Op.Kind))
		}
		rows = append(rows, line)
	}
	width := make([]int, len(head))
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell)+2))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// CompareImpls is Compare for implementations: ops run in order on the
// thread main of a fresh instance of each target, and the rows hold what
// each answered (a column per target, by name). A run the scheduler stops
// (panic, deadlock) is an error naming it.
func CompareImpls(ops []model.Op, p model.Params, targets ...Target) (*Comparison, error) {
	c := &Comparison{Rows: make([]CompareRow, len(ops))}
	for _, t := range targets {
		c.Specs = append(c.Specs, t.Name)
	}
	for i, op := range ops {
		if op.Kind.Level() != model.ProcessLevel {
			return nil, fmt.Errorf("op %d %q: compare runs process-level ops only", i, op)
		}
		c.Rows[i] = CompareRow{Op: op, Results: make([]model.Result, len(targets))}
	}
	for j, t := range targets {
		if t.Level() != model.ProcessLevel {
			return nil, fmt.Errorf("implementation %s is not a process-level implementation", t.Name)
		}
		sc := model.Scenario{Level: model.ProcessLevel, Params: p, Init: slices.Clone(ops)}
		r := Run(t, sc, sched.NewRandom(0), RunOptions{})
		if r.Verdict.Outcome == traces.Violation && r.Verdict.Kind.Stopped() {
			return nil, fmt.Errorf("implementation %s: %s: %s", t.Name, r.Verdict, r.Reason)
		}
		for i, h := range r.History {
			c.Rows[i].Results[j] = h.Result
		}
	}
	c.mark()
	return c, nil
}

// mark sets Differ on every row where the columns disagree.
func (c *Comparison) mark() {
	for i := range c.Rows {
		row := &c.Rows[i]
		row.Differ = false
		for _, r := range row.Results[1:] {
			if !r.Equal(row.Op.Kind, row.Results[0]) {
				row.Differ = true
			}
		}
	}
}
