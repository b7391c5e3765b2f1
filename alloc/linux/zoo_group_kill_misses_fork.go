package linux

// GroupKillMissesFork collects the members of a process group and only
// then, after dropping and retaking tasklist_lock, signals them: a member
// that forks in between attaches a child in the group that the signal
// never reaches, while the parent dies. The child escapes kill(-pgid) or
// kill(0), which no order of the two calls allows: the fork either comes
// first (its child is signalled too) or finds its parent killed. This is
// the race that made copy_process recheck signals under siglock (commit
// "make fork() atomic wrt pgrp/session signals", 2.6.28).
//
//	init: t0 fork t1; t1 setpgid 0 0; t1 fork t2
//	A: t1 kill -2 9          collects t1 and t2, drops the lock
//	B: t2 fork t3            attaches t3 in group 2
//	A:                       kills t1 and t2 only
//	B: t3 getpid             spec ESRCH (t3 killed, or never forked); here 4
//
// Needs the fork's attach to fall in the window.
var GroupKillMissesFork Bug = groupKillMissesFork{}

// groupKillMissesFork is GroupKillMissesFork's group walk.
type groupKillMissesFork struct{}

func (groupKillMissesFork) String() string     { return "linux-group-kill-misses-fork" }
func (b groupKillMissesFork) replace(z *seams) { z.pgrpWalk = b }

// members collects the group, then drops tasklist_lock and takes it again
// before the caller signals what it collected.
func (groupKillMissesFork) members(s *System, pg *pid) []*task {
	out := groupMembers(s.order, pg)
	s.unlockTasklist()
	s.tasklistLock.Lock()
	return out
}
