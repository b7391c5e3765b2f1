package spec

import (
	"fmt"

	"github.com/pidcheck/pidcheck/model"
)

// This file holds process groups and sessions (kernel/sys.c), SIGCHLD
// dispositions, subreapers (kernel/sys.c prctl), clone flags
// (kernel/fork.c copy_process), setns to a children space and the reads.

// cloneFlags checks a Clone's flags before anything is allocated
// (copy_process, then copy_namespaces → copy_pid_ns and
// create_pid_namespace); ok is false with the refusal.
func (s *linuxState) cloneFlags(op model.Op, ai int, explain bool) (model.Result, *linuxState, string, bool) {
	a := &s.tasks[ai]
	f := op.N
	no := func(e model.Errno, format string, args ...any) (model.Result, *linuxState, string, bool) {
		return model.Fail(e), s, explainf(explain, format, args...), false
	}
	switch {
	case f&^(model.CloneNewPid|model.CloneParent|model.CloneThread) != 0:
		s.hit(CloneFlags)
		return no(model.EINVAL, "clone flags %s are not modelled", model.FormatCloneFlags(f))
	case f&model.CloneParent != 0 && s.isInit(a):
		s.hit(CloneParentInit)
		return no(model.EINVAL, "CLONE_PARENT from %s's init (SIGNAL_UNKILLABLE)", spaceName(a.space))
	case f&model.CloneThread != 0 && f&model.CloneNewPid != 0:
		s.hit(CloneThreadNewPid)
		return no(model.EINVAL, "CLONE_THREAD with CLONE_NEWPID")
	case f&model.CloneNewPid != 0 && a.kids != a.space:
		s.hit(CloneNewPidUnshared)
		return no(model.EINVAL, "CLONE_NEWPID: %s's children space %s is not its own space %s (copy_pid_ns)", a.h, spaceName(a.kids), spaceName(a.space))
	case f&model.CloneNewPid != 0 && s.spaces[a.space].level+1 > s.p.MaxLevel:
		s.hit(CloneNewPidDepth)
		return no(model.ENOSPC, "a new space would be at level %d, past the limit %d", s.spaces[a.space].level+1, s.p.MaxLevel)
	}
	return model.Result{}, s, "", true
}

// pidNumber is the number, in space sp, of the struct pid of h (a task,
// or a reaped one still held as a group or session id); 0 when it is
// invisible there or gone.
func (s *linuxState) pidNumber(h model.Handle, sp int) int {
	if i := s.find(h); i >= 0 {
		return s.numberIn(&s.tasks[i], sp)
	}
	for _, hp := range s.held {
		if hp.h == h {
			if !s.within(hp.space, sp) {
				return 0
			}
			return hp.nspid[s.spaces[sp].level]
		}
	}
	return 0
}

// findPid is find_vpid: the struct pid with number n in space sp (a task's
// or a held one), or NoTask.
func (s *linuxState) findPid(sp, n int) model.Handle {
	if i := s.holder(sp, n); i >= 0 {
		return s.tasks[i].h
	}
	if n <= 0 {
		return model.NoTask
	}
	for _, hp := range s.held {
		if s.within(hp.space, sp) && hp.nspid[s.spaces[sp].level] == n {
			return hp.h
		}
	}
	return model.NoTask
}

// groupMembers are the indices of the group leaders whose process group
// is the struct pid of g (do_each_pid_task PIDTYPE_PGID), zombies included.
func (s *linuxState) groupMembers(g model.Handle) []int {
	var out []int
	for i := range s.tasks {
		if t := &s.tasks[i]; t.h == t.group && t.pgid == g {
			out = append(out, i)
		}
	}
	return out
}

// leaderOf is the index of the leader of t's thread group.
func (s *linuxState) leaderOf(t *task) int { return s.find(t.group) }

// setpgid evaluates setpgid(pid, pgid) by live task a (kernel/sys.c).
func (s *linuxState) setpgid(op model.Op, ai int, explain bool) (model.Result, *linuxState, string) {
	a := &s.tasks[ai]
	home := a.space
	li := s.leaderOf(a)
	lead := &s.tasks[li]
	pid, pgid := op.Pid, op.N
	if pid == 0 {
		pid = s.numberIn(lead, home)
	}
	if pgid == 0 {
		pgid = pid
	}
	if pgid < 0 {
		s.hit(SetPgidNeg)
		return model.Fail(model.EINVAL), s, whyf(explain, func() string { return fmt.Sprintf("pgid %d is negative", pgid) })
	}
	pi := s.holder(home, pid)
	if pi < 0 {
		s.hit(SetPgidNoTask)
		return model.Fail(model.ESRCH), s, whyf(explain, func() string { return fmt.Sprintf("no task has number %d in %s", pid, spaceName(home)) })
	}
	p := &s.tasks[pi]
	if p.h != p.group {
		s.hit(SetPgidThread)
		return model.Fail(model.EINVAL), s, whyf(explain, func() string { return fmt.Sprintf("%s is not a thread-group leader", p.h) })
	}
	if s.groupOf(p.parent) == lead.h {
		if p.sid != lead.sid {
			s.hit(SetPgidSession)
			return model.Fail(model.EPERM), s, whyf(explain, func() string { return fmt.Sprintf("%s is a child of %s in another session", p.h, a.h) })
		}
		if p.execed {
			s.hit(SetPgidExeced)
			return model.Fail(model.EACCES), s, whyf(explain, func() string { return fmt.Sprintf("%s is a child of %s that has exec'd", p.h, a.h) })
		}
	} else if p.h != lead.h {
		s.hit(SetPgidNotChild)
		return model.Fail(model.ESRCH), s, whyf(explain, func() string { return fmt.Sprintf("%s is neither %s's group nor a child of it", p.h, a.h) })
	}
	if p.sessLead {
		s.hit(SetPgidLeader)
		return model.Fail(model.EPERM), s, whyf(explain, func() string { return fmt.Sprintf("%s is a session leader", p.h) })
	}
	to := p.h
	if pgid != pid {
		to = s.findPid(home, pgid)
		ok := false
		for _, m := range s.groupMembers(to) {
			if to != model.NoTask && s.tasks[m].sid == lead.sid {
				ok = true
			}
		}
		if !ok {
			s.hit(SetPgidNoGroup)
			return model.Fail(model.EPERM), s, whyf(explain, func() string {
				return fmt.Sprintf("no process group %d in %s's session is visible in %s", pgid, a.h, spaceName(home))
			})
		}
	}
	c := s.clone()
	c.hit(SetPgidJoin)
	c.setGroup(pi, to, p.sid)
	c.settle()
	return model.Result{}, c, whyf(explain, func() string { return fmt.Sprintf("%s joins process group %d", p.h, pgid) })
}

// setsid evaluates setsid() by live task a (kernel/sys.c ksys_setsid).
func (s *linuxState) setsid(ai int, explain bool) (model.Result, *linuxState, string) {
	a := &s.tasks[ai]
	li := s.leaderOf(a)
	lead := &s.tasks[li]
	if lead.sessLead {
		s.hit(SetSidLeader)
		return model.Fail(model.EPERM), s, whyf(explain, func() string { return fmt.Sprintf("%s already leads a session", lead.h) })
	}
	if len(s.groupMembers(lead.h)) > 0 {
		s.hit(SetSidGroup)
		return model.Fail(model.EPERM), s, whyf(explain, func() string { return fmt.Sprintf("a process group with %s's number exists", lead.h) })
	}
	c := s.clone()
	c.hit(SetSidNew)
	c.tasks[li].sessLead = true
	c.setGroup(li, lead.h, lead.h)
	c.settle()
	n := s.numberIn(lead, a.space)
	return model.Result{N: n}, c, whyf(explain, func() string { return fmt.Sprintf("%s leads a new session and group %d", lead.h, n) })
}

// groupIDOf answers getpgid (sid false) or getsid (sid true) by live task a.
func (s *linuxState) groupIDOf(op model.Op, a *task, sid bool, explain bool) (model.Result, *linuxState, string) {
	home := a.space
	t := a
	if op.Pid != 0 {
		i := s.holder(home, op.Pid)
		if i < 0 {
			s.hit(GetGroupNoTask)
			return model.Fail(model.ESRCH), s, whyf(explain, func() string { return fmt.Sprintf("no task has number %d in %s", op.Pid, spaceName(home)) })
		}
		t = &s.tasks[i]
	}
	l := &s.tasks[s.leaderOf(t)]
	g, what := l.pgid, "process group"
	if sid {
		g, what = l.sid, "session"
	}
	n := s.pidNumber(g, home)
	if n == 0 {
		s.hit(GetGroupHidden)
	}
	return model.Result{N: n}, s, whyf(explain, func() string {
		return fmt.Sprintf("%s's %s is %s's pid, number %d in %s (0: invisible)", t.h, what, g, n, spaceName(home))
	})
}

// groupOps evaluates the ops of this file other than clone; ok is false
// for any other kind.
func (s *linuxState) groupOps(op model.Op, ai int, explain bool) (model.Result, *linuxState, string, bool) {
	a := &s.tasks[ai]
	home := a.space
	switch op.Kind {
	case model.SetPgid:
		r, n, w := s.setpgid(op, ai, explain)
		return r, n, w, true
	case model.SetSid:
		r, n, w := s.setsid(ai, explain)
		return r, n, w, true
	case model.GetPgid, model.GetSid:
		r, n, w := s.groupIDOf(op, a, op.Kind == model.GetSid, explain)
		return r, n, w, true
	case model.SigChld:
		if op.N != model.SigChldDefault && op.N != model.SigChldIgnore && op.N != model.SigChldNoCldWait {
			s.hit(SigChldBad)
			return model.Fail(model.EINVAL), s, whyf(explain, func() string { return fmt.Sprintf("SIGCHLD disposition %d is not one pidcheck names", op.N) }), true
		}
		c := s.clone()
		c.tasks[c.leaderOf(&c.tasks[ai])].sigchld = op.N
		return model.Result{}, c, explainf(explain, "sigaction(SIGCHLD) always succeeds"), true
	case model.Subreaper:
		c := s.clone()
		c.tasks[c.leaderOf(&c.tasks[ai])].subreaper = op.N != 0
		return model.Result{}, c, explainf(explain, "prctl(PR_SET_CHILD_SUBREAPER) always succeeds"), true
	case model.SetNsChildren:
		ti := s.liveTask(op.Target)
		if ti < 0 {
			s.hit(SetNsChGone)
			return model.Fail(model.ESRCH), s, whyf(explain, func() string { return fmt.Sprintf("%s is not a live task (its nsproxy is gone)", op.Target) }), true
		}
		to := s.tasks[ti].kids
		if !s.within(to, home) {
			s.hit(SetNsChNotBelow)
			return model.Fail(model.EINVAL), s, whyf(explain, func() string {
				return fmt.Sprintf("%s's children space %s is neither %s's space %s nor a descendant of it", op.Target, spaceName(to), op.Task, spaceName(home))
			}), true
		}
		c := s.clone()
		c.hit(SetNsChJoin)
		c.tasks[ai].kids = to
		c.tasks[ai].joined = to != home
		return model.Result{}, c, whyf(explain, func() string { return fmt.Sprintf("%s is %s's space or a descendant of it", spaceName(to), op.Task) }), true
	case model.GetLastPid:
		n := s.spaces[home].cursor - 1
		return model.Result{N: n}, s, whyf(explain, func() string { return fmt.Sprintf("the cursor of %s is %d", spaceName(home), n+1) }), true
	case model.GetNSpid:
		return model.Result{NSpid: a.nspid}, s, whyf(explain, func() string { return fmt.Sprintf("%s has NSpid %s", op.Task, model.FormatInts(a.nspid)) }), true
	}
	return model.Result{}, s, "", false // not a group op: the caller goes on (no explanation to build)
}
