package linux

// AutoreapTwice releases an autoreaped child's numbers from
// do_notify_parent's caller but forgets to mark it EXIT_DEAD and unlink it:
// the child stays a zombie in its parent's children list. A parent that
// ignores SIGCHLD then sees it in wait (the spec: ECHILD), and the wait
// frees its numbers a second time, possibly under a task that has taken
// them since (free_pid of a pid whose number now names another task).
//
//	t0 fork t1; t0 sigchld ignore
//	t1 exit 1                 spec: t1 reaped at once
//	t0 wait -1                spec ECHILD; AutoreapTwice "2 exited 1"
//
// Detected sequentially by porcupine. The kernel's exit_notify sets
// "autoreap ? EXIT_DEAD : EXIT_ZOMBIE" and calls release_task, which
// unlinks the task (kernel/exit.c exit_notify, release_task).
var AutoreapTwice Bug = autoreapTwice{}

// autoreapTwice is AutoreapTwice's notify.
type autoreapTwice struct{}

func (autoreapTwice) String() string     { return "linux-autoreap-twice" }
func (b autoreapTwice) replace(z *seams) { z.notify = b }

// autoreap frees z's numbers and leaves it a zombie child.
func (autoreapTwice) autoreap(s *System, z *task) {
	s.pidmapLock.Lock()
	s.freePid(z.pid)
	s.pidmapLock.Unlock()
}
