//go:build race

package openvz

// raceEnabled: under -race the runs are several times slower, so the
// exploration budgets shrink.
const raceEnabled = true
