package model

import (
	"fmt"
	"strings"
)

// SpecName names a sequential spec an implementation claims to follow.
// The engine (package checker) builds the spec from it; an implementation
// names it without seeing the spec itself.
type SpecName string

// The specs, in the order pidcheck lists them.
const (
	SpecAlloc      SpecName = "alloc"      // one space's allocator (Alloc, Free, AllocAt, …)
	SpecLinux      SpecName = "linux"      // today's Linux PID namespaces
	SpecOpenVZ     SpecName = "openvz"     // OpenVZ's virtual PIDs (2006)
	SpecPspace2006 SpecName = "pspace2006" // Biederman's PID spaces (2006)
)

// SpecNames lists every spec, in order.
func SpecNames() []SpecName {
	return []SpecName{SpecAlloc, SpecLinux, SpecOpenVZ, SpecPspace2006}
}

// Level is the level of scenarios the spec judges: the allocator level for
// SpecAlloc, the process level for the others.
func (s SpecName) Level() Level {
	if s == SpecAlloc {
		return AllocLevel
	}
	return ProcessLevel
}

// Valid reports whether s is one of SpecNames.
func (s SpecName) Valid() bool {
	for _, n := range SpecNames() {
		if n == s {
			return true
		}
	}
	return false
}

// ParseSpecName parses a spec name.
func ParseSpecName(s string) (SpecName, error) {
	if n := SpecName(s); n.Valid() {
		return n, nil
	}
	names := make([]string, 0, 4)
	for _, n := range SpecNames() {
		names = append(names, string(n))
	}
	return "", fmt.Errorf("no spec named %q: want one of %s", s, strings.Join(names, ", "))
}
