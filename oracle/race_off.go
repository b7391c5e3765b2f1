//go:build !race

package oracle

// raceBuild reports a build with the race detector (race_on.go).
const raceBuild = false
