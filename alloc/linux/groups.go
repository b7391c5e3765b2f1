package linux

import "github.com/pidcheck/pidcheck/model"

// This file holds process groups and sessions (kernel/sys.c setpgid,
// ksys_setsid), the pid attachments that keep a reaped task's numbers
// taken (kernel/pid.c attach_pid, detach_pid, free_pid), SIGCHLD
// dispositions and subreapers (kernel/signal.c do_sigaction, kernel/sys.c
// PR_SET_CHILD_SUBREAPER), all under tasklist_lock held for writing.

// findPid is find_vpid: the struct pid with number nr in sp, a task's or
// one still held as a process group or session; nil when none (or only a
// fork still in flight has it). The caller holds tasklistLock.
func (s *System) findPid(sp *space, nr int) *pid {
	s.pidmapLock.Lock()
	p := sp.idr[nr]
	s.pidmapLock.Unlock()
	if p == nil || !p.attached {
		return nil
	}
	return p
}

// setPgrp is change_pid(PIDTYPE_PGID): g's process group becomes p (nil:
// none, a group going away), and the old one loses a member. The caller
// holds tasklistLock for writing.
func (s *System) setPgrp(g *threadGroup, p *pid) {
	old := g.pgrp
	g.pgrp = p
	if p != nil {
		p.pgrps++
	}
	if old != nil {
		old.pgrps--
		s.putPid(old)
	}
}

// setSession is change_pid(PIDTYPE_SID), as setPgrp.
func (s *System) setSession(g *threadGroup, p *pid) {
	old := g.session
	g.session = p
	if p != nil {
		p.sessions++
	}
	if old != nil {
		old.sessions--
		s.putPid(old)
	}
}

// putPid frees p once nothing is attached to it any more: its task reaped
// and no thread group has it as process group or session (detach_pid →
// free_pid). The caller holds tasklistLock for writing.
func (s *System) putPid(p *pid) {
	if p.freed || s.pidRefs.held(p) || p.task == nil || p.task.state != reaped {
		return
	}
	p.freed = true
	for _, u := range p.numbers {
		u.ns.nrHeld--
	}
	s.releasePid(p)
}

// pidRefs is whether a reaped task's struct pid stays in the IDRs.
type pidRefs interface {
	// held reports whether some thread group is still attached to p as
	// its process group or session; the caller holds tasklistLock.
	held(p *pid) bool
}

// held: "if (pid_has_task(pid, tmp)) return;" for every pid type.
func (today) held(p *pid) bool { return p.pgrps > 0 || p.sessions > 0 }

// leaveGroups detaches a reaped leader's thread group from its process
// group and session (__exit_signal → __unhash_process: detach_pid
// PIDTYPE_PGID and PIDTYPE_SID). The caller holds tasklistLock for writing.
func (s *System) leaveGroups(g *threadGroup) {
	s.setPgrp(g, nil)
	s.setSession(g, nil)
}

// setpgid is kernel/sys.c setpgid(pid, pgid) by h; pid and pgid are
// numbers in h's space, pid 0 is h's group, pgid 0 means pid.
func (s *System) setpgid(h model.Handle, nr, pgid int) model.Result {
	s.tasklistLock.Lock()
	defer s.unlockTasklist()
	t := s.liveTask(h)
	if t == nil {
		return model.Fail(model.ESRCH)
	}
	lead := t.group.leader // group_leader
	home := t.ns
	if nr == 0 {
		nr = numberIn(lead, home)
	}
	if pgid == 0 {
		pgid = nr
	}
	if pgid < 0 {
		return model.Fail(model.EINVAL)
	}
	p := s.findTask(home, nr) // find_task_by_vpid: zombies count
	switch {
	case p == nil:
		return model.Fail(model.ESRCH)
	case p.group.leader != p:
		return model.Fail(model.EINVAL) // !thread_group_leader(p)
	}
	if p.parent != nil && p.parent.group == t.group { // same_thread_group(p->real_parent, group_leader)
		if p.group.session != t.group.session {
			return model.Fail(model.EPERM)
		}
		if p.group.execed {
			return model.Fail(model.EACCES)
		}
	} else if p != lead {
		return model.Fail(model.ESRCH)
	}
	if p.group.sessLeader {
		return model.Fail(model.EPERM)
	}
	to := p.pid
	if pgid != nr {
		// pgrp = find_vpid(pgid); g = pid_task(pgrp, PIDTYPE_PGID);
		// if (!g || task_session(g) != task_session(group_leader)).
		to = s.findPid(home, pgid)
		if to == nil || !s.groupInSession(to, t.group.session) {
			return model.Fail(model.EPERM)
		}
	}
	s.setPgrp(p.group, to)
	s.settle()
	return model.Result{}
}

// groupInSession reports whether some thread group has process group pg
// and session sess (every group of one process group is in one session,
// so this is the kernel's look at the first). The caller holds
// tasklistLock.
func (s *System) groupInSession(pg, sess *pid) bool {
	for _, m := range s.order {
		if m.group.leader == m && m.group.pgrp == pg && m.group.session == sess {
			return true
		}
	}
	return false
}

// setsid is kernel/sys.c ksys_setsid by h: h's group leader starts a new
// session and a new process group, both its own pid; the result is its
// number in h's space.
func (s *System) setsid(h model.Handle) model.Result {
	s.tasklistLock.Lock()
	defer s.unlockTasklist()
	t := s.liveTask(h)
	if t == nil {
		return model.Fail(model.ESRCH)
	}
	lead := t.group.leader
	if !s.sessionChecks.mayStartSession(lead) {
		return model.Fail(model.EPERM)
	}
	t.group.sessLeader = true
	s.setSession(t.group, lead.pid)
	s.setPgrp(t.group, lead.pid)
	s.settle()
	return model.Result{N: numberIn(lead, t.ns)}
}

// sessionChecks is ksys_setsid's refusal.
type sessionChecks interface {
	// mayStartSession reports whether lead's group may start a session;
	// the caller holds tasklistLock.
	mayStartSession(lead *task) bool
}

// mayStartSession: "if (group_leader->signal->leader) goto out;" and
// "Fail if a process group id already exists that equals the proposed
// session id": pid_task(sid, PIDTYPE_PGID).
func (today) mayStartSession(lead *task) bool {
	return !lead.group.sessLeader && lead.pid.pgrps == 0
}

// setSignalAttr sets h's thread group's SIGCHLD disposition
// (sigaction(SIGCHLD): SIG_DFL, SIG_IGN, SIG_DFL with SA_NOCLDWAIT) or its
// subreaper flag (prctl(PR_SET_CHILD_SUBREAPER)). A zombie child already
// reapable (its parent told) is not reaped by the change: it stays until
// waited for (checked on 6.18).
func (s *System) setSignalAttr(op model.Op) model.Result {
	s.tasklistLock.Lock()
	defer s.unlockTasklist()
	t := s.liveTask(op.Task)
	if t == nil {
		return model.Fail(model.ESRCH)
	}
	if op.Kind == model.Subreaper {
		t.group.subreaper = op.N != 0
		return model.Result{}
	}
	switch op.N {
	case model.SigChldDefault, model.SigChldIgnore, model.SigChldNoCldWait:
		t.group.sigchld = op.N
		return model.Result{}
	}
	return model.Fail(model.EINVAL)
}

// reaperSearch is where the orphans of a thread group's last thread go.
type reaperSearch interface {
	// newReaper is find_new_reaper past find_alive_thread for t, the last
	// live thread of its group; the caller holds tasklistLock.
	newReaper(t *task) *task
}

// newReaper walks real_parent up from t's group leader: the nearest
// ancestor group at t's level (in t's space: it never passes the space's
// init) that is a child subreaper and has a live thread gives its first
// live thread; else the space's child reaper (kernel/exit.c
// find_new_reaper: "if (!reaper->signal->has_child_subreaper) ...; for
// (reaper = reaper->real_parent; task_pid(reaper)->level == ns_level;
// ...)").
func (today) newReaper(t *task) *task {
	lvl := t.ns.level
	for a := t.group.leader; a.parent != nil; {
		p := a.parent.group.leader
		if p.ns.level != lvl {
			break
		}
		if p.group.subreaper {
			if r := p.group.firstLive(); r != nil {
				return r
			}
		}
		a = p
	}
	return t.ns.init
}

// notify is do_notify_parent for z, a zombie leader that has just become
// reapable: when its parent's thread group ignores SIGCHLD (SIG_IGN, or
// SA_NOCLDWAIT) z is reaped at once (autoreap: EXIT_DEAD, release_task).
// The caller holds tasklistLock for writing.
type notify interface {
	autoreap(s *System, z *task)
}

// autoreap releases z as its own exit path would.
func (today) autoreap(s *System, z *task) { s.reap(z) }

// ignoresSigchld reports whether par's group would have its children
// reaped at exit. The caller holds tasklistLock.
func ignoresSigchld(par *task) bool {
	return par != nil && par.group.sigchld != model.SigChldDefault
}
