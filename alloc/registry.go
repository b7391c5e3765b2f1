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
	// Class is a zoo variant's class: how much of the scheduler its bug
	// needs (internal/catalog's TestZooClass measures it); "" for a
	// correct implementation.
	Class Class
	// New builds a fresh instance on env with the given parameters.
	New func(env sched.Env, p model.Params) model.Impl
}

// Class says how much of the scheduler a zoo variant's bug needs, measured
// on its saved finding (traces/zoo/<name>.trace).
type Class string

// The classes, from the least scheduling to the most.
const (
	// Sequential: a run without any preemption fails (the parallel part
	// run as one thread, its threads one after another in some order).
	Sequential Class = "sequential"
	// Shallow: more than half of 200 random schedules of the finding's
	// scenario fail.
	Shallow Class = "shallow"
	// Deep: no sequential run fails and at most half of the random
	// schedules do: it needs a preemption at a particular point.
	Deep Class = "deep"
)

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
