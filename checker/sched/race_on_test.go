//go:build race

package sched

// raceEnabled: the race detector slows runs about tenfold.
const raceEnabled = true
