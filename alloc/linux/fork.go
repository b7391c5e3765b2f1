package linux

import "github.com/pidcheck/pidcheck/model"

// fork is kernel/fork.c copy_process, reduced: alloc_pid without any task
// lock, then, under tasklist_lock, the last checks and the attach, which is
// the fork's linearization point.
//
// If the parent's children space changed while the fork was under way (a
// concurrent unshare or setns by the same task, which on Linux cannot
// happen, a task being one thread here), or a pid_max write left one of
// its numbers out of range, the attempt is undone and the fork restarts,
// as copy_process restarts with -ERESTARTNOINTR when a signal arrives; so
// the child always goes where the parent's children go, with numbers in
// range, at the moment it is attached.
//
// With thread set it is clone(CLONE_THREAD): refused with EINVAL when the
// parent's children space is not its own (copy_process: "Thread groups
// must share signals as well, and detached threads can only be started up
// within the thread group" — and CLONE_THREAD into another pid namespace),
// else allocated exactly like a fork, in the parent's own space; the new
// task joins the parent's thread group and no children list.
func (s *System) fork(h, child model.Handle, tids []int, thread bool) model.Result {
	for {
		res, restart := s.forkOnce(h, child, tids, thread)
		if !restart {
			return res
		}
	}
}

// forkOnce is one attempt of fork; restart reports that the parent's
// children space changed under it, or that a number it holds went out of
// range.
func (s *System) forkOnce(h, child model.Handle, tids []int, thread bool) (res model.Result, restart bool) {
	s.tasklistLock.RLock()
	parent := s.liveTask(h)
	var ns *space
	inUse := s.tasks[child] != nil
	refused := false
	if parent != nil {
		ns = parent.forChildren
		refused = thread && !s.cloneThread.allowed(parent)
	}
	s.tasklistLock.RUnlock()
	switch {
	case parent == nil:
		return model.Fail(model.ESRCH), false
	case inUse || child < 0:
		return model.Fail(model.EINVAL), false // the scenario reused a handle
	case refused:
		return model.Fail(model.EINVAL), false
	}

	p, err := s.allocPid(ns, tids)
	if err != model.OK {
		s.tasklistLock.RLock()
		alive, moved := parent.state == live, parent.forChildren != ns
		s.tasklistLock.RUnlock()
		switch {
		case alive && moved:
			return model.Result{}, true
		case !alive:
			// The parent died while the fork was under way: killed
			// (fatal_signal_pending, so the fork never returns to user
			// space; an ENOMEM means the zap that cleared PIDNS_ADDING
			// killed it), or it exited on another harness thread. Its
			// error may have been decided after the death (an EAGAIN
			// under a pid_max lowered after the parent's exit), when only
			// ESRCH holds.
			return model.Fail(model.ESRCH), false
		}
		return model.Fail(err), false
	}

	s.tasklistLock.Lock()
	switch {
	case parent.state != live:
		// fatal_signal_pending(current): "Let kill terminate clone/fork
		// in the middle".
		err = model.ESRCH
	case parent.forChildren != ns:
		restart = true
	case s.tasks[child] != nil:
		err = model.EINVAL // the scenario reused a handle
	case s.pidMaxReads.outOfRange(p, 0):
		// A pid_max write lowered some level's pid_max below the
		// number reserved there (pid_max writes hold tasklist_lock, so
		// this is the attach's own moment): the task would appear with
		// an out-of-range number. Not in the kernel; see the package
		// doc, "pid_max".
		restart = true
	case !s.adding.copyProcessAccepts(ns):
		// "Don't start children in a dying pid namespace"
		// (commit 3fd37226216620).
		err = model.ENOMEM
	}
	if err != model.OK || restart {
		s.tasklistLock.Unlock()
		s.pidmapLock.Lock()
		if restart {
			s.retract(p, ns)
		} else {
			s.freePid(p)
		}
		s.pidmapLock.Unlock()
		return model.Fail(err), restart
	}
	t := &task{h: child, pid: p, ns: ns, forChildren: ns, state: live}
	p.task = t
	s.pidmapLock.Lock()
	s.attach(p)
	s.pidmapLock.Unlock()
	if thread {
		// A thread joins its creator's group, at the end of the thread
		// list; it is nobody's child.
		t.group = parent.group
		t.group.threads = append(t.group.threads, t)
	} else {
		newGroup(t)
		t.parent = parent
		parent.children = append(parent.children, t)
	}
	s.tasks[child] = t
	s.order = append(s.order, t)
	for _, u := range p.numbers {
		u.ns.nrTasks++
	}
	if p.numbers[ns.level].nr == 1 { // is_child_reaper
		ns.init = t
		ns.reaper.Store(int32(child) + 1)
	}
	s.tasklistLock.Unlock()
	return model.Result{NSpid: nspid(p)}, false
}

// copyProcessAccepts is copy_process's re-check of PIDNS_ADDING under
// tasklist_lock, read without pidmap_lock as the kernel does; the caller
// holds tasklistLock, which the zap also holds while it disables the space.
func (today) copyProcessAccepts(ns *space) bool {
	return ns.allocatedPub.Load()&pidnsAdding != 0
}

// retract undoes the published, not yet attached p of a fork that
// restarts: unlike freePid (a fork that failed), it never treats the count
// of ns falling back to bare PIDNS_ADDING as a failed first process, and it
// gives a space that has no task yet its cursor 0 back, so the restarted
// fork (or another) still gets 1 there. The caller holds pidmapLock.
func (s *System) retract(p *pid, ns *space) {
	for i := 0; i <= p.level; i++ {
		u := p.numbers[i]
		u.ns.setAllocated(u.ns.allocated - 1)
		delete(u.ns.idr, u.nr)
		u.ns.resolved()
	}
	if ns.allocated == pidnsAdding {
		ns.cursor = 0
	}
}

// cloneThread is copy_process's check of CLONE_THREAD against the
// caller's pid namespaces; the caller holds tasklistLock.
type cloneThread interface {
	allowed(parent *task) bool
}

// allowed: "if ((clone_flags & CLONE_THREAD) &&
// task_active_pid_ns(current) != current->nsproxy->pid_ns_for_children)
// return ERR_PTR(-EINVAL)".
func (today) allowed(parent *task) bool { return parent.forChildren == parent.ns }
