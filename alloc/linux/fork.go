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
func (s *System) fork(h, child model.Handle, tids []int, f forkFlags) model.Result {
	for {
		res, restart := s.forkOnce(h, child, tids, f)
		if !restart {
			return res
		}
	}
}

// forkFlags are the clone flags of a fork: thread is CLONE_THREAD, parent
// CLONE_PARENT (the child's parent is the caller's real_parent), and into,
// when set, the new space of a CLONE_NEWPID (the child goes there, not to
// the caller's pid_ns_for_children).
type forkFlags struct {
	thread, parent bool
	into           *space
}

// clone is clone(2) with flags (model.CloneNewPid, CloneParent,
// CloneThread), checked before anything is allocated as copy_process and
// copy_namespaces check them: other bits, CLONE_PARENT from a space's init
// (SIGNAL_UNKILLABLE), CLONE_NEWPID with CLONE_THREAD, and CLONE_NEWPID when
// the caller's pid_ns_for_children is not its active space (copy_pid_ns)
// are EINVAL; CLONE_NEWPID past the depth limit is ENOSPC
// (create_pid_namespace). With CLONE_NEWPID the new space is created first,
// under tasklist_lock, and the child allocated into it like a fork into a
// new child space: it is that space's PID 1, and the caller's own
// children space is unchanged.
func (s *System) clone(h, child model.Handle, flags int) model.Result {
	s.tasklistLock.Lock()
	t := s.liveTask(h)
	var err model.Errno
	switch {
	case t == nil:
		err = model.ESRCH
	case child < 0 || s.tasks[child] != nil:
		err = model.EINVAL // the scenario reused a handle
	case flags&^(model.CloneNewPid|model.CloneParent|model.CloneThread) != 0:
		err = model.EINVAL
	case flags&model.CloneParent != 0 && isInitGroup(t):
		err = model.EINVAL
	case flags&model.CloneThread != 0 && flags&model.CloneNewPid != 0:
		err = model.EINVAL
	case flags&model.CloneNewPid != 0 && t.forChildren != t.ns:
		err = model.EINVAL
	case flags&model.CloneNewPid != 0 && t.ns.level+1 > s.p.MaxLevel:
		err = model.ENOSPC
	}
	f := forkFlags{thread: flags&model.CloneThread != 0, parent: flags&model.CloneParent != 0}
	if err == model.OK && flags&model.CloneNewPid != 0 {
		f.into = s.newSpace(t.ns)
	}
	s.tasklistLock.Unlock()
	if err != model.OK {
		return model.Fail(err)
	}
	return s.fork(h, child, nil, f)
}

// forkOnce is one attempt of fork; restart reports that the parent's
// children space changed under it, or that a number it holds went out of
// range.
func (s *System) forkOnce(h, child model.Handle, tids []int, f forkFlags) (res model.Result, restart bool) {
	thread := f.thread
	s.tasklistLock.RLock()
	parent := s.liveTask(h)
	var ns *space
	inUse := s.tasks[child] != nil
	refused := false
	sawNoInit := false
	if parent != nil {
		ns = parent.forChildren
		if f.into != nil {
			ns = f.into
		}
		refused = thread && !s.cloneThread.allowed(parent)
		sawNoInit = ns.init == nil
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
		alive, moved := parent.state == live, f.into == nil && parent.forChildren != ns
		s.tasklistLock.RUnlock()
		switch {
		case alive && f.into != nil && parent.forChildren != parent.ns:
			// CLONE_NEWPID, and an unshare or setns by the same task
			// (another harness thread) under it: copy_pid_ns would
			// refuse it now.
			return model.Fail(model.EINVAL), false
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
	case f.into == nil && parent.forChildren != ns:
		restart = true
	case f.into != nil && parent.forChildren != parent.ns:
		err = model.EINVAL // as above: the clone's check no longer holds
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
		switch {
		case restart:
			s.retract(p, ns)
		case err == model.ENOMEM:
			s.freePid(p)
		default:
			s.cancelledFork.undo(s, p, ns)
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
		par := parent
		if f.parent {
			par = parent.group.leader.parent // CLONE_PARENT: current->real_parent
		}
		t.parent = par
		par.children = append(par.children, t)
		// copy_process: the child is attached to current's process group
		// and session (attach_pid PIDTYPE_PGID, PIDTYPE_SID), leads
		// neither, is no subreaper, and copy_sighand gives it current's
		// SIGCHLD disposition.
		s.setPgrp(t.group, parent.group.pgrp)
		s.setSession(t.group, parent.group.session)
		t.group.sigchld = parent.group.sigchld
	}
	s.tasks[child] = t
	s.order = append(s.order, t)
	for _, u := range p.numbers {
		u.ns.nrTasks++
	}
	if s.childReaper.becomesInit(ns, p.numbers[ns.level].nr, sawNoInit) { // is_child_reaper
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

// childReaper is copy_process's decision that the new task is its space's
// child reaper.
type childReaper interface {
	// becomesInit is called at the attach, under tasklistLock, with the
	// task's number nr in its space ns and whether ns had no init when
	// the fork began.
	becomesInit(ns *space, nr int, sawNoInit bool) bool
}

// becomesInit is is_child_reaper(pid): the task numbered 1 in its space.
func (today) becomesInit(_ *space, nr int, _ bool) bool { return nr == 1 }

// cancelledFork undoes the published, not yet attached p of a fork that
// answers without attaching for a reason of its own (its parent was
// killed under it, a clone check no longer holds, the handle was reused);
// the caller holds pidmapLock.
type cancelledFork interface {
	undo(s *System, p *pid, ns *space)
}

// undo retracts p as a restart does: the fork is linearized at its
// answer, after the kill, as if it had allocated nothing, so the space it
// went to takes tasks as before and still gives 1 to its first one. The
// kernel frees p with free_pid, whose "Handle a fork failure of the first
// process" clears pid_allocated: a space whose first fork was killed after
// alloc_pid takes no task ever again, which only a task that joined it
// with setns_children can see (ENOMEM), and which no atomic order
// explains (KilledFirstFork keeps it).
func (today) undo(s *System, p *pid, ns *space) { s.retract(p, ns) }
