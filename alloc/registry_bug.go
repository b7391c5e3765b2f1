package alloc

import (
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// withBug adapts a constructor that takes a zoo selector (NoBug / None for
// the correct implementation) to Entry.New, fixing the selector to bug.
func withBug[B any, I model.Impl](newImpl func(sched.Env, model.Params, B) I, bug B) func(sched.Env, model.Params) model.Impl {
	return func(env sched.Env, p model.Params) model.Impl { return newImpl(env, p, bug) }
}
