package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker"
	"github.com/spf13/cobra"
)

// listJSON is list's --json output.
type listJSON struct {
	jsonHeader
	Impls      []implJSON     `json:"impls"`
	Strategies []strategyJSON `json:"strategies"`
}

// strategyJSON is one strategy in `pidcheck list --json`.
type strategyJSON struct {
	Strategy string `json:"strategy"`
	What     string `json:"what"`
	Default  bool   `json:"default"` // check's and zoo's --strategy when not given
}

// implJSON is one implementation in `pidcheck list --json`.
type implJSON struct {
	Impl   string `json:"impl"`
	Level  string `json:"level"`
	Spec   string `json:"spec"`
	Policy string `json:"policy"`
	Zoo    bool   `json:"zoo"`
	Bug    string `json:"bug"`
	Fixed  string `json:"fixed,omitempty"`
	Class  string `json:"class"` // zoo: sequential, shallow or deep; "" for a correct one
}

// strategies are the exploration strategies check accepts, with a line each.
var strategies = []struct{ name, what string }{
	{"random", "uniform among runnable threads at every scheduling point (seeded)"},
	{"pct", "probabilistic concurrency testing: random priorities, depth-1 change points"},
	{"pos", "partial-order sampling: random priorities per operation, redrawn for the operations that race with each step"},
	{"dfs", "exhaustive depth-first search with a preemption bound and sleep sets"},
	{"rapid", "every decision drawn from rapid's bit stream (seeded), as in the go test properties"},
	{"stress", "real goroutines, same scenarios and judge, for comparison (not deterministic, traces do not replay)"},
}

func newListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List every implementation and strategy",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg := alloc.Registry()
			if asJSON {
				out := listJSON{jsonHeader: header("list"), Impls: make([]implJSON, 0, len(reg))}
				for _, s := range strategies {
					out.Strategies = append(out.Strategies, strategyJSON{Strategy: s.name, What: s.what, Default: s.name == string(checker.DefaultStrategy)})
				}
				for _, e := range reg {
					out.Impls = append(out.Impls, implJSON{Impl: e.Name, Level: e.Level.String(), Spec: string(e.Spec),
						Policy: e.Policy.String(), Zoo: e.Zoo, Bug: e.Bug, Fixed: e.Fixed, Class: string(e.Class)})
				}
				return writeJSON(cmd.OutOrStdout(), out)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "IMPLEMENTATION\tLEVEL\tSPEC\tPOLICY\tCLASS\tBUG")
			for _, e := range reg {
				bug, class := "-", "-"
				if e.Zoo {
					bug, class = e.Bug, string(e.Class)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, e.Level, e.Spec, e.Policy, class, bug)
			}
			fmt.Fprintln(w)
			fmt.Fprintln(w, "STRATEGY\tWHAT")
			for _, s := range strategies {
				fmt.Fprintf(w, "%s\t%s\n", s.name, s.what)
			}
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the implementations and strategies as JSON")
	return cmd
}
