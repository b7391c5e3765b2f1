package catalog_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/internal/catalog"
)

// TestZooStats measures, per zoo variant and strategy, the schedules to the
// first failure (a failure its fixed implementation shares does not count)
// over several seeds and prints the medians as a table. It
// runs only with -zoostats:
//
//	go test ./internal/catalog -run TestZooStats -v -zoostats
func TestZooStats(t *testing.T) {
	if !*flagZooStats {
		t.Skip("measurement: run with -zoostats")
	}
	const seeds, limit = 5, 50000
	strategies := []checker.Strategy{checker.Random, checker.PCT, checker.POS, checker.Rapid}
	var b strings.Builder
	fmt.Fprintf(&b, "| variant | %s |\n|---|%s\n", strings.ReplaceAll(strings.Trim(fmt.Sprint(strategies), "[]"), " ", " | "), strings.Repeat("---|", len(strategies)))
	for _, e := range entries(t, true) {
		fmt.Fprintf(&b, "| %s |", e.Name)
		for _, strat := range strategies {
			var counts []int
			missed := 0
			for seed := uint64(1); seed <= seeds; seed++ {
				o := catalog.Options(e)
				o.Strategy, o.Seed, o.Schedules = strat, seed, limit
				o.Accept = catalog.OwnBug(e, 20)
				rep, err := checker.Explore(catalog.Target(e), o)
				if err != nil {
					t.Fatal(err)
				}
				if rep.Found == nil {
					missed++
					counts = append(counts, limit+1)
					continue
				}
				counts = append(counts, rep.Schedules)
			}
			slices.Sort(counts)
			med := fmt.Sprint(counts[len(counts)/2])
			if counts[len(counts)/2] > limit {
				med = fmt.Sprintf(">%d", limit)
			}
			if missed > 0 {
				med += fmt.Sprintf(" (%d/%d missed)", missed, seeds)
			}
			fmt.Fprintf(&b, " %s |", med)
		}
		b.WriteString("\n")
	}
	t.Logf("median schedules to first failure over %d seeds (limit %d):\n%s", seeds, limit, b.String())
}
