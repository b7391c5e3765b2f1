package linux

import (
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// exec is execve by h (kernel/exec.c de_thread), all of it under
// tasklist_lock held for writing, where the kernel's de_thread sleeps until
// the other threads are gone and then exchanges under tasklist_lock:
// every other thread but the leader is killed and released (its numbers
// freed, its children passed to h); the child-reaper role of an init's
// group passes to h. Exec by a non-leader then waits for the leader to die
// (here: it is killed too, its children passed to h), and under the lock
// takes over the leader's identity: exchange_tids gives h the leader's
// struct pid (the TGID in every level) and the leader h's old one,
// transfer_pid and list_replace give h the leader's parent and its place
// in the parent's children list, and the old leader is released, with h's
// old numbers (release_task of an EXIT_DEAD leader: no zombie, nothing for
// the parent to wait for).
func (s *System) exec(h model.Handle) model.Result {
	s.tasklistLock.Lock()
	t := s.liveTask(h)
	if t == nil {
		s.unlockTasklist()
		return model.Fail(model.ESRCH)
	}
	g := t.group
	wasInit := isInitGroup(t)
	for _, o := range slices.Clone(g.threads) {
		if o == t || o == g.leader {
			continue
		}
		// zap_other_threads: o exits and releases itself.
		moveChildren(o, t)
		o.state = zombie
		s.release.atExit(s, o)
		s.unhash(o)
	}
	if wasInit {
		t.ns.init = t
	}
	// begin_new_exec: PF_FORKNOEXEC is cleared (setpgid by the parent is
	// EACCES from now on); flush_signal_handlers keeps SIG_IGN but clears
	// sa_flags, so SA_NOCLDWAIT is gone.
	g.execed = true
	if g.sigchld == model.SigChldNoCldWait {
		g.sigchld = model.SigChldDefault
	}
	if t == g.leader {
		s.settle() // the released threads' numbers may let a dead space's init be reaped
		s.unlockTasklist()
		return model.Result{}
	}
	old := g.leader
	old.state = zombie // killed, and waited for: "while (leader->exit_state == 0)"
	moveChildren(old, t)
	s.deThread.exchange(s, t, old)
	// Freeing the old numbers may leave a dying init's child reapable
	// (never in today's exchange, whose thread is alive in every level:
	// only a release in a later hold, ExecLateRelease, can race a zap).
	s.settle()
	s.unlockTasklist()
	return model.Result{}
}

// deThread is de_thread's takeover of a leader old by the exec'ing thread
// t, called with tasklistLock held for writing; it returns with it held.
type deThread interface {
	exchange(s *System, t, old *task)
}

// exchange swaps the two tasks' struct pids, hands t the leader's parent,
// place and group, and releases old in the same hold of the lock.
func (today) exchange(s *System, t, old *task) {
	exchangeTids(t, old)
	takeLeadership(t, old)
	s.reap(old)
}

// exchangeTids is kernel/pid.c exchange_tids: t gets old's struct pid and
// old gets t's, each pid now pointing at its new task.
func exchangeTids(t, old *task) {
	t.pid, old.pid = old.pid, t.pid
	t.pid.task, old.pid.task = t, old
}

// takeLeadership is the rest of de_thread's exchange: transfer_pid of the
// TGID, t takes old's real_parent and its place in the parent's children
// list (list_replace), and leads the group (group_leader = tsk); old is
// left unlinked from its parent and from the thread list but for itself.
func takeLeadership(t, old *task) {
	g := t.group
	t.parent, old.parent = old.parent, nil
	if par := t.parent; par != nil {
		if i := slices.Index(par.children, old); i >= 0 {
			par.children[i] = t
		}
	}
	g.leader = t
	g.threads = slices.DeleteFunc(g.threads, func(c *task) bool { return c == t || c == old })
	g.threads = append([]*task{t}, g.threads...)
	// old is released as a one-thread group of its own (an EXIT_DEAD
	// leader that nobody waits for).
	old.group = &threadGroup{leader: old, threads: []*task{old}}
}
