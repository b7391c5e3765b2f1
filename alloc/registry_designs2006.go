package alloc

import (
	"github.com/pidcheck/pidcheck/alloc/openvz"
	"github.com/pidcheck/pidcheck/alloc/pspace2006"
	"github.com/pidcheck/pidcheck/model"
)

// designs2006 lists the 2006 designs (openvz, pspace2006) and their zoo.
// Both claim Cyclic: a fork allocates and attaches in one critical section
// (openvz-alloc-before-attach shows what the 2006 two-step order breaks).
func designs2006() []Entry {
	ovz := correct("openvz", model.ProcessLevel, "openvz", model.Cyclic, openvz.New)
	psp := correct("pspace2006", model.ProcessLevel, "pspace2006", model.Cyclic, pspace2006.New)
	return []Entry{
		ovz, psp,
		zoo(Deep, ovz, model.Cyclic, openvz.NewZoo, openvz.MapAfterVisible,
			"fork publishes the task before its virtual number is in the translation map: a concurrent getpid or translate reads 0"),
		zoo(Sequential, ovz, model.Cyclic, openvz.NewZoo, openvz.KillGlobalLeak,
			"a container resolves a number without the VPID bit as global: it can kill and look up host tasks"),
		zoo(Deep, ovz, model.Cyclic, openvz.NewZoo, openvz.AllocBeforeAttach,
			"fork allocates the global number before taking tasklist: a failed fork moves the cursor, a pid_max write overtakes it"),
		zoo(Sequential, psp, model.Cyclic, pspace2006.NewZoo, pspace2006.WaitInner,
			"wait reports a pspace leader by its inner number 1 instead of its wait ID"),
		zoo(Deep, psp, model.Cyclic, pspace2006.NewZoo, pspace2006.KillGroupEscape,
			"kill(-wid) and kill(-1) collect their targets and signal them after dropping the lock: a task forked in between escapes"),
		zoo(Sequential, psp, model.Cyclic, pspace2006.NewZoo, pspace2006.WaitIDFreedAtExit,
			"a leader's wait ID goes back to the parent's allocator at exit, not at reap: a new task takes the zombie's number"),
	}
}
