package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// demoScenario is what compare runs when given nothing: a container is
// born, looks at itself, is looked at from the host, and its init dies —
// where the three 2006 designs part ways.
const demoScenario = `# the host's shell t0 starts a container: t1 unshares, its first child
# t2 is the container's init.
t0 fork t1
t1 unshare
t1 fork t2
t2 getpid
t2 getppid
t2 fork t3
t3 getpid
t3 getppid
# the same task from the host and from its parent
t0 translate t3
t1 translate t2
t0 lookup 4
t2 lookup 2
# the container's init dies: what happens to t3, and what does t1 reap?
t2 exit 0
t3 getpid
t1 wait -1
t1 wait -1
t0 lookup 4
`

func newCompareCmd() *cobra.Command {
	var (
		random        int
		seed          uint64
		pidMax, floor int
		asJSON        bool
	)
	cmd := &cobra.Command{
		Use:   "compare [--random N | FILE]",
		Short: "Run sequential scenarios through linux, openvz and pspace2006 side by side",
		Long: `compare runs one sequential scenario through the specs of today's Linux
PID namespaces, OpenVZ's virtual PIDs and Biederman's 2006 pspaces, and shows
every op's answers side by side, marking (≠) where they differ: the 2006
debate, made concrete.

FILE is either a list of process-level ops, one a line ("t0 fork t1",
"t1 unshare", "t2 getpid"; # starts a comment), or a trace file (its scenario,
flattened). With --random N it runs N generated scenarios (seeds --seed,
--seed+1, …). With neither, a built-in scenario: a container's life.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErrorf("compare takes at most one file, got %d arguments", len(args))
			}
			if random < 0 || pidMax < 0 || floor < 0 {
				return usageErrorf("--random, --pid-max and --floor must not be negative")
			}
			if len(args) == 1 && cmd.Flags().Changed("random") {
				return usageErrorf("give --random N or a FILE, not both")
			}
			p := model.SmallParams()
			if pidMax > 0 {
				p.PidMax = pidMax
			}
			if floor > 0 {
				p.Floor = floor
			}
			if err := p.Validate(); err != nil {
				return usageErrorf("--pid-max/--floor: %v", err)
			}
			w := cmd.OutOrStdout()
			out := compareJSON{jsonHeader: header("compare"), Scenarios: []compareScenarioJSON{}}
			if asJSON {
				w = io.Discard
			}
			one := func(title string, seed *uint64, ops []model.Op, p model.Params) error {
				c, err := compareOne(w, title, ops, p)
				if err != nil {
					return err
				}
				out.Scenarios = append(out.Scenarios, scenarioJSON(title, seed, c, p))
				out.Ops += len(c.Rows)
				if n := c.Differences(); n > 0 {
					out.Differ++
					out.Differences += n
				}
				return nil
			}
			var err error
			switch {
			case len(args) == 1:
				var ops []model.Op
				var fp *model.Params
				if ops, fp, err = readOps(args[0]); err != nil {
					return err
				}
				if fp != nil && !cmd.Flags().Changed("pid-max") && !cmd.Flags().Changed("floor") {
					p = *fp
				}
				err = one(args[0], nil, ops, p)
			case random > 0:
				for i := 0; i < random && err == nil; i++ {
					s := seed + uint64(i)
					err = one(fmt.Sprintf("random scenario, seed %d", s), &s, checker.RandomSequential(s, p), p)
					fmt.Fprintln(w)
				}
				if err == nil {
					fmt.Fprintf(w, "%d of %d scenarios show a difference\n", out.Differ, random)
				}
			default:
				var ops []model.Op
				if ops, err = parseOps("demo", strings.NewReader(demoScenario)); err != nil {
					return err
				}
				err = one("a container's life (built in; pidcheck compare FILE runs your own)", nil, ops, p)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), out)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&random, "random", 0, "run this many generated scenarios")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "first seed of --random")
	cmd.Flags().IntVar(&pidMax, "pid-max", 0, "pid_max of every space (default 16)")
	cmd.Flags().IntVar(&floor, "floor", 0, "the number allocation wraps to (default 4)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print every scenario's answers as JSON")
	return cmd
}

// compareJSON is compare's --json output.
type compareJSON struct {
	jsonHeader
	Scenarios   []compareScenarioJSON `json:"scenarios"`
	Ops         int                   `json:"ops"`         // ops run, in all scenarios
	Differences int                   `json:"differences"` // ops answered differently, in all
	Differ      int                   `json:"differ"`      // scenarios with a difference
}

// compareScenarioJSON is one scenario run through every design.
type compareScenarioJSON struct {
	Title       string           `json:"title"`
	Seed        *uint64          `json:"seed,omitempty"` // --random's scenarios
	PidMax      int              `json:"pid_max"`
	Floor       int              `json:"floor"`
	Specs       []string         `json:"specs"`
	Rows        []compareRowJSON `json:"rows"`
	Differences int              `json:"differences"`
}

// compareRowJSON is one op and every design's answer, in specs' order.
type compareRowJSON struct {
	Op      string   `json:"op"`
	Results []string `json:"results"`
	Differ  bool     `json:"differ"`
}

// scenarioJSON is c as JSON.
func scenarioJSON(title string, seed *uint64, c *checker.Comparison, p model.Params) compareScenarioJSON {
	s := compareScenarioJSON{Title: title, Seed: seed, PidMax: p.PidMax, Floor: p.Floor, Specs: c.Specs,
		Rows: make([]compareRowJSON, 0, len(c.Rows)), Differences: c.Differences()}
	for _, row := range c.Rows {
		r := compareRowJSON{Op: row.Op.String(), Differ: row.Differ}
		for _, res := range row.Results {
			r.Results = append(r.Results, res.Format(row.Op.Kind))
		}
		s.Rows = append(s.Rows, r)
	}
	return s
}

// compareOne runs ops through the three designs and prints them side by
// side. It returns the comparison.
func compareOne(w io.Writer, title string, ops []model.Op, p model.Params) (*checker.Comparison, error) {
	c, err := checker.Compare(ops, p, model.Cyclic)
	if err != nil {
		return nil, badInput(fmt.Errorf("%s: %v", title, err))
	}
	fmt.Fprintf(w, "%s: %d ops, pid_max %d, floor %d\n", title, len(ops), p.PidMax, p.Floor)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  \tOP\t%s\n", strings.Join(c.Specs, "\t"))
	for _, row := range c.Rows {
		mark := " "
		if row.Differ {
			mark = "≠"
		}
		cells := make([]string, len(row.Results))
		for j, r := range row.Results {
			cells[j] = r.Format(row.Op.Kind)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", mark, row.Op, strings.Join(cells, "\t"))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d of %d ops answered differently\n", c.Differences(), len(c.Rows))
	return c, nil
}

// readOps reads the ops of FILE: a trace (its scenario, flattened, and its
// parameters) or a list of ops, one a line.
func readOps(path string) ([]model.Op, *model.Params, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, badInput(err)
	}
	if bytes.HasPrefix(data, []byte("pidcheck trace")) {
		t, err := readTrace(path)
		if err != nil {
			return nil, nil, err
		}
		if t.Scenario.Level != model.ProcessLevel {
			return nil, nil, badInput(fmt.Errorf("%s:%d: a %s-level trace: compare runs process-level scenarios", path, keyLine(path, "level"), t.Scenario.Level))
		}
		p := t.Scenario.Params
		return checker.Sequential(t.Scenario), &p, nil
	}
	ops, err := parseOps(path, bytes.NewReader(data))
	return ops, nil, err
}

// parseOps parses one op a line; blank lines and # comments are skipped.
func parseOps(name string, r io.Reader) ([]model.Op, error) {
	var ops []model.Op
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), traces.MaxLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		op, err := model.ParseOp(line)
		if err != nil {
			return nil, badInput(fmt.Errorf("%s:%d: %v", name, n, err))
		}
		if op.Kind.Level() != model.ProcessLevel {
			return nil, badInput(fmt.Errorf("%s:%d: %q is an allocator op: compare runs process-level ops", name, n, line))
		}
		ops = append(ops, op)
		if len(ops) > traces.MaxOps {
			return nil, badInput(fmt.Errorf("%s:%d: more than %d ops", name, n, traces.MaxOps))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, badInput(fmt.Errorf("%s:%d: %v", name, n+1, err))
	}
	if len(ops) == 0 {
		return nil, badInput(fmt.Errorf("%s:%d: no ops", name, max(n, 1)))
	}
	return ops, nil
}
