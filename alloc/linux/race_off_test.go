//go:build !race

package linux_test

// raceEnabled: the race detector slows the controlled scheduler down a lot,
// so the schedule-heavy tests run fewer schedules under -race.
const raceEnabled = false
