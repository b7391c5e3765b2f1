package spec

import (
	"fmt"
	"strings"

	"github.com/pidcheck/pidcheck/model"
)

// stepWorld is Step in a state that stands for one world (Step and
// Expect: linux_worlds.go). In a state where a dying space waits for an
// op's release (pendingZap), the zap's stages may already have begun: an
// answer the state refuses is tried again with the space disabled, and
// with up to maxEarlyDeaths of its members dead, and every such world that
// accepts it stays.
func (s *linuxState) stepWorld(op model.Op, obs model.Result) (bool, State, string) {
	ok, next, why := s.stepWorld1(op, obs)
	if len(s.zaps) == 0 || (ok && !op.Kind.Creates()) {
		return ok, next, why
	}
	var oks []*linuxState
	try := func(w *linuxState) {
		if ok, n, _ := w.stepWorld1(op, obs); ok {
			oks = append(oks, n.(*linuxState).worlds()...)
		}
	}
	if ok {
		// A task created now is killed by a sweep still to come, but not
		// by one already made (a fork into an init-less space below the
		// dying one survives it): both stay, decided by later answers.
		oks = append(oks, next.(*linuxState).worlds()...)
		try(s.swept())
		return true, joinWorlds(oks), ""
	}
	// The zaps' first stage: disable_pid_allocation, then the SIGKILLs,
	// after which each member dies on its own; or every member dead
	// already. Their frees stay the zap's op's, for its release.
	disabled := s.clone()
	for _, z := range s.zaps {
		disabled.spaces[z.space].dead = true
	}
	try(disabled)
	disabled.earlyDeaths(maxEarlyDeaths, model.NoTask, try)
	try(s.swept())
	if len(oks) == 0 {
		return false, s, why
	}
	return true, joinWorlds(oks), ""
}

// stepWorld1 is stepWorld in one world, its members as they are.
func (s *linuxState) stepWorld1(op model.Op, obs model.Result) (bool, State, string) {
	mark := s.cov.Len() // each evaluation below forgets the hits of the one before
	if op.Kind.Creates() && obs.Err == model.OK {
		if ai := s.liveTask(op.Task); ai >= 0 {
			r, n, _, bad := s.fork(op, ai, obs.NSpid, false)
			if bad != "" {
				return false, s, fmt.Sprintf("%s by %s returned %s; %s", op.Kind, op.Task, obs.Format(op.Kind), bad)
			}
			if r.Err == model.OK {
				return true, n, ""
			}
		}
	}
	s.cov.Reset(mark)
	want, next, _ := s.apply(op, false)
	if obs.Equal(op.Kind, want) {
		return true, next, ""
	}
	if op.Kind == model.GetLastPid && want.Err == model.OK && obs.Err == model.OK && s.lastPidFree(op) && obs.N >= -1 {
		// Only a cyclic implementation claims a cursor: under lowest and
		// unique the cursor is no part of the state (Key leaves it out),
		// nor under cyclic-alone once it is unknown, so any number is
		// allowed.
		return true, next, ""
	}
	if op.Kind == model.Wait && want.Err == model.OK && want.N != 0 && obs.Err == model.OK && obs.N != 0 {
		s.cov.Reset(mark)
		n, bad := s.waitFor(op, obs)
		if bad == "" {
			return true, n, ""
		}
		return false, s, fmt.Sprintf("%s returned %s; %s", op, obs.Format(op.Kind), bad)
	}
	if obs.Err == model.EAGAIN && (want.Err == model.OK || want.Err == model.ENOMEM) && op.Kind.Creates() &&
		s.uniqueForFork(op) && s.uniqueForkMayFail(op) {
		// A failed fork changes nothing a Unique state remembers (cursors
		// are not part of it); under cyclic-alone it leaves them unknown.
		s.cov.Reset(mark)
		s.hit(ForkEAGAIN)
		return true, s.loosened(op).overlapped(op), ""
	}
	_, _, why := s.apply(op, true)
	reason := fmt.Sprintf("%s returned %s; the spec gives %s", op, obs.Format(op.Kind), want.Format(op.Kind))
	if op.Kind.Creates() {
		reason = fmt.Sprintf("%s by %s returned %s; the spec gives %s", op.Kind, op.Task, obs.Format(op.Kind), want.Format(op.Kind))
	}
	if why != "" {
		reason += ": " + why
	}
	return false, s, reason
}

// waitFor checks an observed successful reap by a wait: the reported child
// must be a reapable child the wait may choose, with its status.
func (s *linuxState) waitFor(op model.Op, obs model.Result) (*linuxState, string) {
	a := &s.tasks[s.liveTask(op.Task)]
	home := a.space
	var may []string
	for _, i := range s.waitOrder(a) {
		t := &s.tasks[i]
		if !s.reapable(t) {
			continue
		}
		n := s.numberIn(t, home)
		if !s.waitSelects(op, a, t) {
			continue
		}
		if n == obs.N && t.exit == obs.Status {
			c := s.clone()
			c.hitWait(op)
			c.reap(i)
			c.settle()
			return c, ""
		}
		may = append(may, fmt.Sprintf("%d %s", n, t.exit))
	}
	return nil, fmt.Sprintf("the reapable children it may report are: %s", strings.Join(may, ", "))
}

// applyOnce is apply in one order of the op's choice points: p's (nil:
// the first).
func (s *linuxState) applyOnce(op model.Op, explain bool, p *picker) (model.Result, *linuxState, string) {
	if op.Kind == 0 || op.Kind.Level() != model.ProcessLevel { // kind 0 is no op at all
		s.hit(NotProcessOp)
		return model.Fail(model.EINVAL), s, whyf(explain, func() string { return fmt.Sprintf("%s is not a process-level op", op.Kind) })
	}
	ai := s.liveTask(op.Task)
	if ai < 0 {
		why := "it never existed"
		if s.reaped(op.Task) {
			why = "it was reaped"
		} else if s.find(op.Task) >= 0 {
			why = "it is a zombie"
		}
		s.hit(NotLive)
		return model.Fail(model.ESRCH), s.overlapped(op), whyf(explain, func() string { return fmt.Sprintf("%s is not a live task (%s)", op.Task, why) })
	}
	a := &s.tasks[ai]
	home := a.space
	if r, n, why, ok := s.groupOps(op, ai, explain); ok {
		return r, n, why
	}
	switch op.Kind {
	case model.Fork, model.ForkWithTid, model.Thread, model.Clone:
		r, n, why, _ := s.fork(op, ai, nil, explain)
		return r, n, why

	case model.Exit:
		c := s.clone()
		c.pick = p
		c.die(op.Task, model.Status{Code: op.Code & 0xff})
		c.settle()
		return model.Result{}, c, explainf(explain, "exit (exit_group) always succeeds")

	case model.ExitThread:
		c := s.clone()
		c.pick = p
		c.quit(op.Task, model.Status{Code: op.Code & 0xff})
		c.settle()
		return model.Result{}, c, explainf(explain, "exit of one thread always succeeds")

	case model.Exec:
		c := s.clone()
		c.exec(op.Task)
		c.settle() // the released threads' numbers may let a dead space's init be reaped
		return model.Result{}, c, explainf(explain, "exec always succeeds")

	case model.GetTid:
		return model.Result{N: a.nspid[len(a.nspid)-1]}, s, whyf(explain, func() string { return fmt.Sprintf("%s has NSpid %s", op.Task, model.FormatInts(a.nspid)) })

	case model.Wait:
		found := false
		var buf [16]int
		for _, i := range s.appendWaitOrder(buf[:0], a) {
			t := &s.tasks[i]
			n := s.numberIn(t, home)
			if !s.waitSelects(op, a, t) {
				continue
			}
			found = true
			if s.reapable(t) {
				c := s.clone()
				c.hitWait(op)
				c.reap(i)
				c.settle()
				return model.Result{N: n, Status: t.exit}, c, whyf(explain, func() string {
					return fmt.Sprintf("%s (%d) is the first reapable child in %s's children list", t.h, n, op.Task)
				})
			}
		}
		if found {
			s.hitWaitNone(op, a)
			return model.Result{}, s, whyf(explain, func() string { return fmt.Sprintf("%s has children but none is reapable", op.Task) })
		}
		s.hit(WaitECHILD)
		if op.Pid > 0 {
			return model.Fail(model.ECHILD), s, whyf(explain, func() string {
				return fmt.Sprintf("%s has no child with number %d in %s", op.Task, op.Pid, spaceName(home))
			})
		}
		if op.Pid != -1 {
			return model.Fail(model.ECHILD), s, whyf(explain, func() string { return fmt.Sprintf("%s has no child in process group %d", op.Task, -op.Pid) })
		}
		return model.Fail(model.ECHILD), s, whyf(explain, func() string { return fmt.Sprintf("%s has no children", op.Task) })

	case model.Kill:
		return s.kill(op, a, explain, p)

	case model.Unshare:
		if a.kids != home {
			s.hit(UnshareTwice)
			return model.Fail(model.EINVAL), s, whyf(explain, func() string {
				return fmt.Sprintf("%s's children space %s is not its own space %s", op.Task, spaceName(a.kids), spaceName(home))
			})
		}
		lvl := s.spaces[home].level + 1
		if lvl > s.p.MaxLevel {
			s.hit(UnshareDepth)
			return model.Fail(model.ENOSPC), s, whyf(explain, func() string {
				return fmt.Sprintf("a new space would be at level %d, past the limit %d", lvl, s.p.MaxLevel)
			})
		}
		c := s.clone()
		c.hit(UnshareNew)
		c.spaces = append(c.spaces, space{parent: home, level: lvl, pidMax: s.p.PidMax, init: model.NoTask})
		c.tasks[ai].kids = len(c.spaces) - 1
		c.tasks[ai].joined = false
		return model.Result{}, c, whyf(explain, func() string {
			return fmt.Sprintf("%s's children will go to the new space %s", op.Task, spaceName(len(c.spaces)-1))
		})

	case model.SetNs:
		ti := s.liveTask(op.Target)
		if ti < 0 {
			s.hit(SetNsGone)
			return model.Fail(model.ESRCH), s, whyf(explain, func() string { return fmt.Sprintf("%s is not a live task", op.Target) })
		}
		to := s.tasks[ti].space
		if !s.within(to, home) {
			s.hit(SetNsNotBelow)
			return model.Fail(model.EINVAL), s, whyf(explain, func() string {
				return fmt.Sprintf("%s's space %s is neither %s's space %s nor a descendant of it", op.Target, spaceName(to), op.Task, spaceName(home))
			})
		}
		c := s.clone()
		c.tasks[ai].kids = to
		c.tasks[ai].joined = to != home
		if to != home {
			c.hit(SetNsBelow)
		} else {
			c.hit(SetNsOwn)
		}
		return model.Result{}, c, whyf(explain, func() string { return fmt.Sprintf("%s is %s's space or a descendant of it", spaceName(to), op.Task) })

	case model.GetPid:
		n := s.tgidIn(a, home)
		return model.Result{N: n}, s, whyf(explain, func() string {
			return fmt.Sprintf("%s's thread group %s has number %d in %s", op.Task, a.group, n, spaceName(home))
		})

	case model.GetPPid:
		parent := a.parent
		if l := s.find(a.group); l >= 0 {
			parent = s.tasks[l].parent // a thread's real_parent is its leader's
		}
		p := s.find(parent)
		if p < 0 {
			return model.Result{}, s, whyf(explain, func() string { return fmt.Sprintf("%s has no parent", op.Task) })
		}
		n := s.tgidIn(&s.tasks[p], home)
		return model.Result{N: n}, s, whyf(explain, func() string {
			return fmt.Sprintf("its parent %s's thread group has number %d in %s", parent, n, spaceName(home))
		})

	case model.Translate:
		ti := s.find(op.Target)
		if ti < 0 {
			if s.reaped(op.Target) {
				s.hit(TranslateReaped)
				return model.Result{}, s, whyf(explain, func() string { return fmt.Sprintf("%s was reaped", op.Target) })
			}
			s.hit(TranslateNever)
			return model.Fail(model.ESRCH), s, whyf(explain, func() string { return fmt.Sprintf("%s never existed", op.Target) })
		}
		n := s.numberIn(&s.tasks[ti], home)
		if n == 0 {
			s.hit(TranslateHidden)
		}
		return model.Result{N: n}, s, whyf(explain, func() string {
			return fmt.Sprintf("%s has NSpid %s and %s is at level %d", op.Target, model.FormatInts(s.tasks[ti].nspid), spaceName(home), s.spaces[home].level)
		})

	case model.Lookup:
		i := s.holder(home, op.Pid)
		if i < 0 {
			s.hit(LookupNone)
			return model.Fail(model.ESRCH), s, whyf(explain, func() string { return fmt.Sprintf("no task has number %d in %s", op.Pid, spaceName(home)) })
		}
		return model.Result{Task: s.tasks[i].h}, s, whyf(explain, func() string { return fmt.Sprintf("%s has number %d in %s", s.tasks[i].h, op.Pid, spaceName(home)) })

	case model.SetPidMax:
		if op.N < s.p.MinMax() || op.N > s.p.PidMax {
			s.hit(PidMaxRange)
			return model.Fail(model.EINVAL), s, whyf(explain, func() string { return fmt.Sprintf("pid_max must be in [%d, %d]", s.p.MinMax(), s.p.PidMax) })
		}
		c := s.clone()
		c.hit(PidMaxSet)
		c.spaces[home].pidMax = op.N
		return model.Result{}, c, whyf(explain, func() string { return fmt.Sprintf("pid_max of %s becomes %d", spaceName(home), op.N) })

	case model.SetLastPid:
		if op.N < 0 || op.N > s.spaces[home].pidMax {
			s.hit(LastPidRange)
			return model.Fail(model.EINVAL), s, whyf(explain, func() string {
				return fmt.Sprintf("ns_last_pid must be in [0, %d] (the pid_max of %s)", s.spaces[home].pidMax, spaceName(home))
			})
		}
		c := s.clone()
		c.hit(LastPidSet)
		c.spaces[home].cursor = op.N + 1
		if op.Alone {
			// Under cyclic-alone the cursor is known again. A write
			// that overlapped another op leaves it as it was: a fork
			// it overlapped may have overwritten it, but that fork
			// leaves every cursor unknown, in either order.
			c.spaces[home].loose = false
		}
		return model.Result{}, c, whyf(explain, func() string { return fmt.Sprintf("the cursor of %s becomes %d", spaceName(home), op.N+1) })
	}
	return model.Fail(model.EINVAL), s, whyf(explain, func() string { return fmt.Sprintf("unknown op kind %s", op.Kind) })
}

// lastPidFree reports whether a read of ns_last_pid (op) may answer any
// number: the spec claims no cursor (lowest, unique), or under
// cyclic-alone the read overlapped a writer or its space's cursor is
// unknown.
func (s *linuxState) lastPidFree(op model.Op) bool {
	switch s.pol {
	case model.Cyclic:
		return false
	case model.CyclicAlone:
		ai := s.liveTask(op.Task)
		return ai < 0 || s.policyAt(op, s.tasks[ai].space) != model.Cyclic
	}
	return true
}

// kill evaluates kill(pid, sig) by live task a.
func (s *linuxState) kill(op model.Op, a *task, explain bool, p *picker) (model.Result, *linuxState, string) {
	if op.Sig != 0 && op.Sig != 9 && op.Sig != 15 {
		s.hit(KillBadSig)
		return model.Fail(model.EINVAL), s, whyf(explain, func() string { return fmt.Sprintf("signal %d is not modelled (0, 9 and 15 are)", op.Sig) })
	}
	home := a.space
	var targets []model.Handle
	if op.Pid == 0 || op.Pid < -1 {
		// __kill_pgrp_info: every member of the group, the sender's own
		// included, wherever it is (kill(0) names the sender's group even
		// when its id is invisible in the sender's space).
		g := s.tasks[s.leaderOf(a)].pgid
		if op.Pid < -1 {
			g = s.findPid(home, -op.Pid)
		}
		if g != model.NoTask {
			for _, i := range s.groupMembers(g) {
				targets = append(targets, s.tasks[i].h)
			}
		}
		if len(targets) == 0 {
			s.hit(KillNoGroup)
			return model.Fail(model.ESRCH), s, whyf(explain, func() string { return fmt.Sprintf("no process group %d in %s", -op.Pid, spaceName(home)) })
		}
	} else if op.Pid == -1 {
		for i := range s.tasks {
			t := &s.tasks[i]
			if t.h == t.group && t.group != a.group && s.numberIn(t, home) > 1 {
				targets = append(targets, t.h)
			}
		}
		if len(targets) == 0 {
			s.hit(KillNoneAll)
			return model.Fail(model.ESRCH), s, whyf(explain, func() string {
				return fmt.Sprintf("no task other than %s and the init has a number in %s", a.h, spaceName(home))
			})
		}
	} else {
		i := s.holder(home, op.Pid)
		if i < 0 {
			s.hit(KillNoPid)
			return model.Fail(model.ESRCH), s, whyf(explain, func() string { return fmt.Sprintf("no task has number %d in %s", op.Pid, spaceName(home)) })
		}
		targets = append(targets, s.tasks[i].group) // kill_pid_info: the whole thread group
	}
	if op.Sig == 0 {
		s.hit(KillProbe)
		return model.Result{}, s, explainf(explain, "signal 0 only probes")
	}
	c := s
	for _, h := range targets {
		i := c.find(h)
		if i < 0 {
			continue
		}
		t := &c.tasks[i]
		if !c.groupLive(t.group) {
			c.hit(KillZombie)
			continue
		}
		if c.isInit(t) && (c.within(home, t.space) || op.Sig != 9) {
			c.hit(KillInitIgnores)
			continue // SIGNAL_UNKILLABLE: only SIGKILL from an ancestor space
		}
		if c == s {
			c = s.clone()
			c.pick = p
		}
		c.hitKill(op, t)
		c.die(h, model.Status{Signal: op.Sig})
	}
	if c != s {
		c.settle()
		c = s.killWorlds(c, targets, home, op.Sig)
	}
	return model.Result{}, c, whyf(explain, func() string { return fmt.Sprintf("kill(%d, %d) succeeds", op.Pid, op.Sig) })
}

// waitSelects reports whether wait(op.Pid) by a may report child t: -1
// any, n > 0 the child numbered n in a's space, 0 a child in a's process
// group, -n a child in the process group numbered n there (a number that
// names no group selects nothing: kernel/exit.c eligible_pid).
func (s *linuxState) waitSelects(op model.Op, a *task, t *task) bool {
	switch {
	case op.Pid == -1:
		return true
	case op.Pid > 0:
		return s.numberIn(t, a.space) == op.Pid
	case op.Pid == 0:
		return t.pgid == s.tasks[s.leaderOf(a)].pgid
	}
	g := s.findPid(a.space, -op.Pid)
	return g != model.NoTask && t.pgid == g
}

// waitOrder lists the indices of the children a wait by a may report, in
// the order do_wait visits them: every thread of a's group, from a itself
// on around the thread list (while_each_thread), each thread's children in
// list order.
func (s *linuxState) waitOrder(a *task) []int { return s.appendWaitOrder(nil, a) }

// appendWaitOrder is waitOrder appended to out.
func (s *linuxState) appendWaitOrder(out []int, a *task) []int {
	var buf [8]int
	ms := s.appendMembers(buf[:0], a.group)
	start := 0
	for j, m := range ms {
		if s.tasks[m].h == a.h {
			start = j
		}
	}
	for k := range ms {
		p := s.tasks[ms[(start+k)%len(ms)]].h
		for i := range s.tasks {
			if s.tasks[i].parent == p {
				out = append(out, i)
			}
		}
	}
	return out
}
