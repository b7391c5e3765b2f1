//go:build !race

package idr

const raceEnabled = false
