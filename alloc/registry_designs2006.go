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
	correct := func(name string, newImpl func(sched.Env, model.Params) model.Impl) Entry {
		return Entry{Name: name, Level: model.ProcessLevel, Spec: model.SpecName(name), Policy: model.Cyclic, New: newImpl}
	}
	zoo := func(name, fixed string, newImpl func(sched.Env, model.Params) model.Impl, bug string) Entry {
		e := correct(fixed, newImpl)
		e.Name, e.Zoo, e.Fixed, e.Bug = name, true, fixed, bug
		return e
	}
	return []Entry{
		correct("openvz", withBug(openvz.New, openvz.None)),
		correct("pspace2006", withBug(pspace2006.New, pspace2006.None)),

		zoo("openvz-map-after-visible", "openvz", withBug(openvz.New, openvz.MapAfterVisible),
			"fork publishes the task before its virtual number is in the translation map: a concurrent getpid or translate reads 0"),
		zoo("openvz-kill-global-leak", "openvz", withBug(openvz.New, openvz.KillGlobalLeak),
			"a container resolves a number without the VPID bit as global: it can kill and look up host tasks"),
		zoo("openvz-alloc-before-attach", "openvz", withBug(openvz.New, openvz.AllocBeforeAttach),
			"fork allocates the global number before taking tasklist: a failed fork moves the cursor, a pid_max write overtakes it"),
		zoo("pspace-wait-inner", "pspace2006", withBug(pspace2006.New, pspace2006.WaitInner),
			"wait reports a pspace leader by its inner number 1 instead of its wait ID"),
		zoo("pspace-kill-group-escape", "pspace2006", withBug(pspace2006.New, pspace2006.KillGroupEscape),
			"kill(-wid) and kill(-1) collect their targets and signal them after dropping the lock: a task forked in between escapes"),
		zoo("pspace-wait-id-freed-at-exit", "pspace2006", withBug(pspace2006.New, pspace2006.WaitIDFreedAtExit),
			"a leader's wait ID goes back to the parent's allocator at exit, not at reap: a new task takes the zombie's number"),
	}
}
