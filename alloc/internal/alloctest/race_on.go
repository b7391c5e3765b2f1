//go:build race

package alloctest

// RaceEnabled: under -race the runs are several times slower, so tests
// shrink their exploration budgets and skip the long zoo measurements (the
// race run is for the stress tests).
const RaceEnabled = true
