package spec

import "github.com/pidcheck/pidcheck/model"

// linuxRules are the rules the Linux spec hits (a test checks this list
// against the hits in its source).
var linuxRules = []Rule{
	NotLive, NotProcessOp, ChildInUse,
	ForkFirst, ForkWrap, ForkEAGAIN, ForkFirstFail, ForkDead, ForkDeadAnc, ForkJoined,
	TidOne, TidSeveral, TidTooMany, TidRange, TidNoInit, TidEEXIST,
	ThreadSpace, ThreadNew,
	CloneFlags, CloneParentInit, CloneThreadNewPid, CloneNewPidUnshared, CloneNewPidDepth, CloneNewPid, CloneParent,
	ExitGroup, InitDies, InitKillsNested, ReparentInit, ReparentSubreaper, ReparentThread,
	ThreadLeaderFirst, ThreadReleased, ThreadedInit, ZapThreadReleased, GroupLastThread,
	DyingInitReaps, Autoreap, HeldPid, HeldFreed,
	ExecLeader, ExecNonLeader, ExecInit,
	WaitReap, WaitNone, WaitInitMembers, WaitLeaderThreads, WaitGroup, WaitECHILD,
	KillBadSig, KillNoGroup, KillNoneAll, KillNoPid, KillProbe, KillInitIgnores, KillInitAncestor, KillZombie,
	KillAll, KillGroup, KillOne,
	UnshareTwice, UnshareDepth, UnshareNew,
	SetNsGone, SetNsNotBelow, SetNsOwn, SetNsBelow,
	SetNsChGone, SetNsChNotBelow, SetNsChJoin,
	TranslateReaped, TranslateNever, TranslateHidden, LookupNone,
	PidMaxRange, PidMaxSet, LastPidRange, LastPidSet,
	SetPgidNeg, SetPgidNoTask, SetPgidThread, SetPgidSession, SetPgidExeced, SetPgidNotChild, SetPgidLeader, SetPgidNoGroup, SetPgidJoin,
	SetSidLeader, SetSidGroup, SetSidNew,
	GetGroupNoTask, GetGroupHidden, SigChldBad,
}

// hit records rule r when the step is covered: one nil test otherwise.
func (s *linuxState) hit(r Rule) {
	if s.cov != nil {
		s.cov.Hit(r)
	}
}

// StepCover implements Coverer: Step on a private copy that carries cov,
// so that every state the step derives hits into it.
func (s *linuxState) StepCover(op model.Op, obs model.Result, cov *Cover) (bool, State, string) {
	if cov == nil {
		return s.Step(op, obs)
	}
	t := s.clone()
	t.cov = cov
	ok, next, why := t.Step(op, obs)
	if n, isLinux := next.(*linuxState); isLinux {
		if n == t {
			next = s
		} else {
			n.cov = nil // a fresh state no one else has seen
		}
	}
	return ok, next, why
}

// hitDeadAncestor records ForkDeadAnc when a first fork into space top
// succeeds below a dead space (covered steps only).
func (c *linuxState) hitDeadAncestor(top int) {
	if c.cov == nil {
		return
	}
	for sp := c.spaces[top].parent; sp >= 0; sp = c.spaces[sp].parent {
		if c.spaces[sp].dead {
			c.hit(ForkDeadAnc)
			return
		}
	}
}

// hitWait records a wait that reaps.
func (c *linuxState) hitWait(op model.Op) {
	c.hit(WaitReap)
	if op.Pid == 0 || op.Pid < -1 {
		c.hit(WaitGroup)
	}
}

// hitWaitNone records a wait by a that found children but none reapable,
// and why they are not (covered steps only).
func (s *linuxState) hitWaitNone(op model.Op, a *task) {
	if s.cov == nil {
		return
	}
	s.hit(WaitNone)
	if op.Pid == 0 || op.Pid < -1 {
		s.hit(WaitGroup)
	}
	for _, i := range s.waitOrder(a) {
		t := &s.tasks[i]
		if t.st != zombie || !s.waitSelects(op, a, t) {
			continue
		}
		if s.groupLive(t.group) {
			s.hit(WaitLeaderThreads)
		} else if s.isInit(t) {
			s.hit(WaitInitMembers)
		}
	}
}

// hitKill records a signal delivered to t's group.
func (c *linuxState) hitKill(op model.Op, t *task) {
	if c.cov == nil {
		return
	}
	switch {
	case op.Pid == -1:
		c.hit(KillAll)
	case op.Pid == 0 || op.Pid < -1:
		c.hit(KillGroup)
	default:
		c.hit(KillOne)
	}
	if c.isInit(t) {
		c.hit(KillInitAncestor)
	}
}

// hitOrphans records r when h has children to hand on (covered steps
// only).
func (c *linuxState) hitOrphans(h model.Handle, r Rule) {
	if c.cov == nil {
		return
	}
	for i := range c.tasks {
		if c.tasks[i].parent == h {
			c.hit(r)
			return
		}
	}
}
