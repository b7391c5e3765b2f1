package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/spf13/cobra"
)

// implJSON is one implementation in `pidcheck list --json`.
type implJSON struct {
	Name   string `json:"name"`
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
	{"dfs", "exhaustive depth-first search with a preemption bound and sleep sets"},
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
				out := make([]implJSON, 0, len(reg))
				for _, e := range reg {
					out = append(out, implJSON{Name: e.Name, Level: e.Level.String(), Spec: string(e.Spec),
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
	cmd.Flags().BoolVar(&asJSON, "json", false, "print a JSON array of implementations")
	return cmd
}
