//go:build !race

package pspace2006

const raceEnabled = false
