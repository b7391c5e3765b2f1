//go:build !race

package pidmap

const raceEnabled = false
