//go:build race

package idr

// raceEnabled: under -race the runs are ~5× slower; the long zoo budget
// measurements are skipped (the race run is for the stress tests).
const raceEnabled = true
