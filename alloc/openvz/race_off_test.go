//go:build !race

package openvz

const raceEnabled = false
