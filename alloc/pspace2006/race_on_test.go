//go:build race

package pspace2006

// raceEnabled: under -race the runs are several times slower, so the
// exploration budgets shrink.
const raceEnabled = true
