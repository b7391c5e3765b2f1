package linux

// FreeAtExit frees a task's numbers when it exits instead of when it is
// reaped: detach_pid/free_pid moved from release_task into do_exit. The
// zombie still waits for its parent, but its number is already free: a
// lookup no longer finds it, kill(pid) answers ESRCH for a task that
// exists, and a later fork can take the number while the zombie holds it,
// so a wait then reports a number that now belongs to someone else.
//
//	t0 fork t1              [2]
//	t1 exit 0
//	t0 lookup 2             spec t1 (zombies are visible); FreeAtExit ESRCH
//
// Detected sequentially by porcupine; Validate also sees a zombie with no
// numbers. The kernel has always kept a zombie's pid until release_task
// (kernel/exit.c release_task → __exit_signal → __unhash_process →
// detach_pid → free_pid); LINUX-PID.md "Lifetime".
var FreeAtExit Bug = freeAtExit{}

// freeAtExit is FreeAtExit's release.
type freeAtExit struct{}

func (freeAtExit) String() string     { return "linux-free-at-exit" }
func (b freeAtExit) replace(z *seams) { z.release = b }

// atExit releases t's numbers as it becomes a zombie.
func (freeAtExit) atExit(s *System, t *task) {
	s.pidmapLock.Lock()
	s.freePid(t.pid)
	s.pidmapLock.Unlock()
	t.pid.freed = true // nothing frees it again, even as a process group
}

// atReap has nothing left to free.
func (freeAtExit) atReap(*System, *task) {}
