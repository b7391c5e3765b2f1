package alloc

import (
	"fmt"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// Entry describes one implementation under test.
type Entry struct {
	Name   string         // "idr", "idr-stale-cursor"
	Level  model.Level    // allocator or process level
	Spec   model.SpecName // the spec it is checked against
	Policy model.Policy
	Zoo    bool   // a deliberately broken variant
	Bug    string // zoo only: what is broken, in one line
	Fixed  string // zoo only: the correct implementation it breaks
	// PidMax is the pid_max a zoo variant's bug needs to show at all (a
	// bitmap of two words needs more than 64); 0: the default parameters'.
	PidMax int
	// New builds a fresh instance on env with the given parameters.
	New func(env sched.Env, p model.Params) model.Impl
}

// Registry lists every implementation: the correct ones first, then the
// zoo. The order is fixed.
func Registry() []Entry {
	var all []Entry
	for _, part := range [][]Entry{allocLevel(), linuxLevel(), designs2006()} {
		all = append(all, part...)
	}
	var correct, zoo []Entry
	for _, e := range all {
		if e.Zoo {
			zoo = append(zoo, e)
		} else {
			correct = append(correct, e)
		}
	}
	return append(correct, zoo...)
}

// Lookup finds an implementation by name.
func Lookup(name string) (Entry, error) {
	for _, e := range Registry() {
		if e.Name == name {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("no implementation named %q (pidcheck list shows them)", name)
}
