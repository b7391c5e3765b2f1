package linux

// KillReleaseLate leaves the numbers of the tasks a kill released —
// threads of a killed group, children autoreaped by a parent that ignores
// SIGCHLD — detached but not freed when the kill returns: its free_pids
// is missed, and they are freed only by the next system call that frees
// anything. Since 6.15 release_task frees after dropping tasklist_lock, so
// every path that releases must free before it returns; one that does not
// holds numbers of tasks that are gone past its own return, and a fork
// after it finds them taken.
//
//	init: t0 fork t1; t1 thread t2
//	A: t0 kill 2 9          t2 released, its number 3 detached, not freed
//	post: t0 fork t3 tid=3  spec [3] (the kill returned: 3 is free); here EEXIST
//
// Found by the judge with late frees allowed only inside the freeing op:
// atomic or deferred, the number must be free once the kill has returned.
var KillReleaseLate Bug = killReleaseLate{}

// killReleaseLate is KillReleaseLate's end of kill.
type killReleaseLate struct{}

func (killReleaseLate) String() string     { return "linux-kill-release-late" }
func (b killReleaseLate) replace(z *seams) { z.killRelease = b }

// unlock drops the lock and leaves s.post for the next op that frees.
func (killReleaseLate) unlock(s *System) { s.tasklistLock.Unlock() }
