//go:build race

package checker

// raceEnabled: the race detector slows runs about tenfold.
const raceEnabled = true
