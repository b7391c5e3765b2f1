package alloc

import (
	"github.com/pidcheck/pidcheck/alloc/openvz"
	"github.com/pidcheck/pidcheck/alloc/pspace2006"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// designs2006 lists the 2006 designs (openvz, pspace2006) and their zoo.
// Both claim Cyclic: a fork allocates and attaches in one critical section
// (openvz-alloc-before-attach shows what the 2006 two-step order breaks).
func designs2006() []Entry {
	ovz := func(bug openvz.Bug) func(sched.Env, model.Params) model.Impl {
		return func(env sched.Env, p model.Params) model.Impl { return openvz.New(env, p, bug) }
	}
	psp := func(bug pspace2006.Bug) func(sched.Env, model.Params) model.Impl {
		return func(env sched.Env, p model.Params) model.Impl { return pspace2006.New(env, p, bug) }
	}
	return []Entry{
		{Name: "openvz", Level: model.ProcessLevel, Spec: "openvz", Policy: model.Cyclic, New: ovz(openvz.None)},
		{Name: "pspace2006", Level: model.ProcessLevel, Spec: "pspace2006", Policy: model.Cyclic, New: psp(pspace2006.None)},
		{
			Name: "openvz-map-after-visible", Level: model.ProcessLevel, Spec: "openvz", Policy: model.Cyclic,
			Zoo: true, Fixed: "openvz", New: ovz(openvz.MapAfterVisible),
			Bug: "fork publishes the task before its virtual number is in the translation map: a concurrent getpid or translate reads 0",
		},
		{
			Name: "openvz-kill-global-leak", Level: model.ProcessLevel, Spec: "openvz", Policy: model.Cyclic,
			Zoo: true, Fixed: "openvz", New: ovz(openvz.KillGlobalLeak),
			Bug: "a container resolves a number without the VPID bit as global: it can kill and look up host tasks",
		},
		{
			Name: "openvz-alloc-before-attach", Level: model.ProcessLevel, Spec: "openvz", Policy: model.Cyclic,
			Zoo: true, Fixed: "openvz", New: ovz(openvz.AllocBeforeAttach),
			Bug: "fork allocates the global number before taking tasklist: a failed fork moves the cursor, a pid_max write overtakes it",
		},
		{
			Name: "pspace-wait-inner", Level: model.ProcessLevel, Spec: "pspace2006", Policy: model.Cyclic,
			Zoo: true, Fixed: "pspace2006", New: psp(pspace2006.WaitInner),
			Bug: "wait reports a pspace leader by its inner number 1 instead of its wait ID",
		},
		{
			Name: "pspace-kill-group-escape", Level: model.ProcessLevel, Spec: "pspace2006", Policy: model.Cyclic,
			Zoo: true, Fixed: "pspace2006", New: psp(pspace2006.KillGroupEscape),
			Bug: "kill(-wid) and kill(-1) collect their targets and signal them after dropping the lock: a task forked in between escapes",
		},
		{
			Name: "pspace-wait-id-freed-at-exit", Level: model.ProcessLevel, Spec: "pspace2006", Policy: model.Cyclic,
			Zoo: true, Fixed: "pspace2006", New: psp(pspace2006.WaitIDFreedAtExit),
			Bug: "a leader's wait ID goes back to the parent's allocator at exit, not at reap: a new task takes the zombie's number",
		},
	}
}
