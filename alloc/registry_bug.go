package alloc

import (
	"fmt"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// correct is the entry of a correct implementation, built by its design's
// New(env, p).
func correct[I model.Impl](name string, level model.Level, spec model.SpecName, pol model.Policy, newImpl func(sched.Env, model.Params) I) Entry {
	return Entry{Name: name, Level: level, Spec: spec, Policy: pol,
		New: func(env sched.Env, p model.Params) model.Impl { return newImpl(env, p) }}
}

// zoo is the entry of bug, a zoo variant of the correct entry fixed, built
// by its design's NewZoo(env, p, bug), named by the bug itself and checked
// under pol; line says what is broken, in one line, and c is its class
// (internal/catalog's TestZooClass checks it against the measured one).
func zoo[B fmt.Stringer, I model.Impl](c Class, fixed Entry, pol model.Policy, newZoo func(sched.Env, model.Params, B) I, bug B, line string) Entry {
	return Entry{Name: bug.String(), Level: fixed.Level, Spec: fixed.Spec, Policy: pol,
		Zoo: true, Bug: line, Fixed: fixed.Name, Class: c,
		New: func(env sched.Env, p model.Params) model.Impl { return newZoo(env, p, bug) }}
}
