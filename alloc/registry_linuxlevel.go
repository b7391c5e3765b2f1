package alloc

import (
	"github.com/pidcheck/pidcheck/alloc/linux"
	"github.com/pidcheck/pidcheck/model"
)

// linuxLevel lists today's Linux process-level implementation and its zoo.
func linuxLevel() []Entry {
	l := correct("linux", model.ProcessLevel, "linux", model.CyclicAlone, linux.New)
	return []Entry{
		l,
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.PublishEarly,
			"each level is published as it is reserved; undoing a failed first fork kills the new space"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.UnwindLeak,
			"a fork failing at an outer level never releases its innermost number"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.NoDeadCheck,
			"no PIDNS_ADDING check at all: fork enters a space whose init died (before 2012)"),
		zoo(Deep, l, model.CyclicAlone, linux.NewZoo, linux.NoForkRecheck,
			"copy_process does not re-check PIDNS_ADDING: a fork racing init's death attaches a live task to a dead space"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.FirstForkPublish,
			"a failed first fork leaves the new space's cursor past 1: the next task gets 2 and the space has no init"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.FreeAtExit,
			"numbers are freed at exit instead of at reap: zombies vanish from lookup and kill"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.KillAllLeak,
			"kill(-1) picks targets by root-space number and reaches tasks outside the sender's space (CVE-2009-1338)"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.TranslateDying,
			"translating a zombie gives 0, as if it were invisible"),
		zoo(Deep, l, model.CyclicAlone, linux.NewZoo, linux.PidmaxWindow,
			"the kernel's own behaviour: pid_max is read once before the allocation, so a pid_max lowered before the task became visible leaves it with an out-of-range number"),
		zoo(Deep, l, model.CyclicAlone, linux.NewZoo, linux.InflightVisible,
			"the kernel's own behaviour: a number held by a fork still in flight answers EEXIST/EAGAIN at once, not linearizable when that fork fails"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.LeaderFreedTwice,
			"a delayed group leader's numbers are freed when its last thread is released, and again when its parent reaps it"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.ExecNoExchange,
			"de_thread without exchange_tids: exec from a non-leader frees the TGID and the process lives on under the thread's number"),
		zoo(Deep, l, model.CyclicAlone, linux.NewZoo, linux.ExecLateRelease,
			"the kernel's own shape: de_thread publishes the new leader, drops tasklist_lock and only then releases the old one, which still holds the exec'ing thread's old number"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.ReaperNotHandedOn,
			"a multi-threaded init's reaper role is not handed to a live thread: the space dies when init's reaper thread exits"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.CloneThreadAfterUnshare,
			"CLONE_THREAD allowed after unshare(CLONE_NEWPID) or setns: a thread joins its group from another pid namespace"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.KillThreadOnly,
			"kill(2) to a thread's number ends only that thread, as tkill would, not its thread group"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.PgidFreedEarly,
			"a process-group leader's numbers are freed at its reap while members remain: the next fork reuses the group's id"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.AutoreapTwice,
			"autoreap frees a child's numbers but leaves it a zombie: wait reports it and frees it again"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.SubreaperCrossesNamespace,
			"find_new_reaper does not stop at the orphan's namespace: a subreaper outside a container gets its orphans"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.SetsidByGroupLeader,
			"setsid by a process-group leader is allowed: two sessions share one process group id"),
		zoo(Shallow, l, model.CyclicAlone, linux.NewZoo, linux.FirstForkTwoReapers,
			"the child reaper is chosen by 'no init when the fork began': two racing first forks into a joined init-less space both become its reaper"),
		zoo(Deep, l, model.CyclicAlone, linux.NewZoo, linux.GroupKillMissesFork,
			"kill by process group collects the members, drops tasklist_lock and signals them later: a child forked in between escapes"),
		zoo(Shallow, l, model.CyclicAlone, linux.NewZoo, linux.KilledFirstFork,
			"the kernel's own behaviour: a first fork into a joined init-less space killed after alloc_pid leaves the space refusing every task (free_pid's first-process rule)"),
		zoo(Sequential, l, model.CyclicAlone, linux.NewZoo, linux.KillReleaseLate,
			"kill misses free_pids after dropping tasklist_lock (6.15's deferred release): the numbers of the threads and children it released stay taken after it returns"),
	}
}
