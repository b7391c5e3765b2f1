package spec

import (
	"fmt"

	"github.com/pidcheck/pidcheck/model"
)

// fork evaluates a fork (with or without set_tid) or a thread creation by
// the live task at index ai. With obs == nil it makes the spec's own choices. With obs (an observed
// successful NSpid of the right length) it checks every level against the
// policy and builds the state that follows from obs; bad is then the
// reason obs is not allowed ("" when it is).
func (s *linuxState) fork(op model.Op, ai int, obs []int, explain bool) (res model.Result, next *linuxState, why, bad string) {
	res, next, why, bad = s.fork1(op, ai, obs, explain)
	if bad == "" {
		next = next.overlapped(op)
	}
	return res, next, why, bad
}

// fork1 is fork, its cursors as if op ran alone (fork makes them all
// unknown after an op that did not, overlapped).
func (s *linuxState) fork1(op model.Op, ai int, obs []int, explain bool) (res model.Result, next *linuxState, why, bad string) {
	if op.Kind == model.Fork {
		op.Tids = nil // a plain fork asks for no number, whatever Tids holds
	}
	thread := op.Kind == model.Thread
	if op.Kind == model.Clone {
		op.Tids = nil
		thread = op.N&model.CloneThread != 0
	}
	if thread {
		op.Tids = nil
	}
	actor := s.tasks[ai]
	if op.Child < 0 {
		s.hit(ChildInUse)
		return model.Fail(model.EINVAL), s, whyf(explain, func() string { return fmt.Sprintf("the child handle %s names no task", op.Child) }), ""
	}
	if s.find(op.Child) >= 0 || s.reaped(op.Child) {
		s.hit(ChildInUse)
		return model.Fail(model.EINVAL), s, whyf(explain, func() string { return fmt.Sprintf("the child handle %s is already in use", op.Child) }), ""
	}
	if op.Kind == model.Clone {
		if r, n, w, ok := s.cloneFlags(op, ai, explain); !ok {
			return r, n, w, ""
		}
		if op.N&model.CloneNewPid != 0 {
			// copy_namespaces before alloc_pid: the child's new space.
			b := s.clone()
			b.hit(CloneNewPid)
			b.spaces = append(b.spaces, space{parent: actor.space, level: s.spaces[actor.space].level + 1, pidMax: s.p.PidMax, init: model.NoTask})
			b.tasks[ai].kids = len(b.spaces) - 1
			r, n, w, bad := b.fork1(model.Op{Kind: model.Clone, Task: op.Task, Child: op.Child, N: op.N &^ model.CloneNewPid, Alone: op.Alone}, ai, obs, explain)
			if n != b && n != s {
				n.tasks[n.find(op.Task)].kids = actor.kids // only the child lives in the new space
			} else {
				n = s
			}
			return r, n, w, bad
		}
	}
	if thread && actor.kids != actor.space {
		// kernel/fork.c copy_process: CLONE_THREAD into another PID
		// namespace than the caller's own.
		s.hit(ThreadSpace)
		return model.Fail(model.EINVAL), s, whyf(explain, func() string {
			return fmt.Sprintf("CLONE_THREAD: %s's children space %s is not its own space %s (after unshare or setns)", actor.h, spaceName(actor.kids), spaceName(actor.space))
		}), ""
	}
	top := actor.kids
	lvl := s.spaces[top].level
	if len(op.Tids) > lvl+1 {
		s.hit(TidTooMany)
		return model.Fail(model.EINVAL), s, whyf(explain, func() string {
			return fmt.Sprintf("set_tid has %d entries but %s is at level %d (at most %d)", len(op.Tids), spaceName(top), lvl, lvl+1)
		}), ""
	}
	if obs != nil && len(obs) != lvl+1 {
		return res, s, "", fmt.Sprintf("the child is at level %d, so its NSpid has %d numbers", lvl, lvl+1)
	}
	chain := make([]int, lvl+1)
	for sp := top; sp >= 0; sp = s.spaces[sp].parent {
		chain[s.spaces[sp].level] = sp
	}
	c := s.clone()
	nums := make([]int, lvl+1)
	fresh := s.spaces[top].init == model.NoTask
	fail := func(e model.Errno, w string) (model.Result, *linuxState, string, string) {
		if fresh {
			c.hit(ForkFirstFail)
			c.spaces[top].cursor = 0 // alloc_pid out_free: reset the first pid's state
			c.spaces[top].loose = false
		}
		return model.Fail(e), c, w, ""
	}
	for k := 0; k <= lvl; k++ {
		l := lvl - k
		sp := chain[l]
		spc := &c.spaces[sp]
		taken := func(n int) bool { return contains(spc.taken, n) }
		if k < len(op.Tids) {
			tid := op.Tids[k]
			switch {
			case tid < 1 || tid >= spc.pidMax:
				c.hit(TidRange)
				return fail(model.EINVAL, whyf(explain, func() string {
					return fmt.Sprintf("set_tid %d is out of range [1, %d) in %s", tid, spc.pidMax, spaceName(sp))
				}))
			case tid != 1 && spc.init == model.NoTask:
				c.hit(TidNoInit)
				return fail(model.EINVAL, whyf(explain, func() string {
					return fmt.Sprintf("set_tid %d asks for a number other than 1 in %s, which has no init", tid, spaceName(sp))
				}))
			case taken(tid):
				c.hit(TidEEXIST)
				return fail(model.EEXIST, whyf(explain, func() string { return fmt.Sprintf("set_tid %d is taken in %s", tid, spaceName(sp)) }))
			}
			nums[l] = tid
			if obs != nil && obs[l] != tid {
				return res, s, "", fmt.Sprintf("in %s (level %d) set_tid asked for %d", spaceName(sp), l, tid)
			}
			continue
		}
		pol := c.policyAt(op, sp)
		n, ok := Pick(pol, taken, spc.cursor, s.p.Floor, spc.pidMax)
		if !ok {
			c.hit(ForkEAGAIN)
			return fail(model.EAGAIN, whyf(explain, func() string {
				return fmt.Sprintf("%s (level %d) is full: %s finds no free number", spaceName(sp), l, describe(pol, spc.cursor, s.p.Floor, spc.pidMax))
			}))
		}
		if obs != nil {
			if ok, r := Allowed(pol, taken, spc.cursor, s.p.Floor, spc.pidMax, obs[l]); !ok {
				return res, s, "", fmt.Sprintf("in %s (level %d), %s", spaceName(sp), l, r)
			}
			if sp == top && fresh && obs[l] != 1 {
				return res, s, "", fmt.Sprintf("the first task of %s must get 1 there", spaceName(sp))
			}
			n = obs[l]
		}
		nums[l] = n
		if n < spc.cursor {
			c.hit(ForkWrap)
		}
		spc.cursor = n + 1
		// An op alone sets a cursor that was unknown only where the
		// number it took is observed: the spec's own pick under Unique
		// is one of many. (After an op not alone, fork makes every
		// cursor unknown.)
		spc.loose = spc.loose && obs == nil
	}
	if c.spaces[top].dead {
		c.hit(ForkDead)
		return model.Fail(model.ENOMEM), c, whyf(explain, func() string { return fmt.Sprintf("%s no longer accepts tasks (its init died)", spaceName(top)) }), ""
	}
	for l, sp := range chain {
		c.setTaken(sp, nums[l], true)
	}
	if fresh {
		c.hit(ForkFirst)
		c.hitDeadAncestor(top)
		c.spaces[top].init = op.Child
	}
	switch {
	case len(op.Tids) == 1:
		c.hit(TidOne)
	case len(op.Tids) > 1:
		c.hit(TidSeveral)
	}
	if actor.joined && top != actor.space {
		c.hit(ForkJoined)
	}
	if thread {
		// A thread is in no children list; its group is the creator's.
		c.hit(ThreadNew)
		c.tasks = append(c.tasks, task{h: op.Child, nspid: nums, space: top, kids: top, parent: model.NoTask, group: actor.group})
		return model.Result{NSpid: nums}, c, whyf(explain, func() string { return fmt.Sprintf("the thread gets %s in %s", model.FormatInts(nums), spaceName(top)) }), ""
	}
	parent := actor.h
	if op.Kind == model.Clone && op.N&model.CloneParent != 0 {
		parent = c.tasks[c.find(actor.group)].parent // CLONE_PARENT: current->real_parent
		c.hit(CloneParent)
	}
	// copy_process: the child is in current's process group and session,
	// not a session leader, not a subreaper; copy_sighand gives it the
	// parent's SIGCHLD disposition.
	l := &s.tasks[s.find(actor.group)]
	c.tasks = append(c.tasks, task{h: op.Child, nspid: nums, space: top, kids: top, parent: parent, group: op.Child,
		pgid: l.pgid, sid: l.sid, sigchld: l.sigchld})
	return model.Result{NSpid: nums}, c, whyf(explain, func() string { return fmt.Sprintf("the child gets %s in %s", model.FormatInts(nums), spaceName(top)) }), ""
}

func contains(xs []int, n int) bool {
	lo, hi := 0, len(xs)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case xs[m] == n:
			return true
		case xs[m] < n:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}

// whyf is f's explanation when explain is set, else "": f, and the
// arguments it formats, are evaluated only then. Step explains only
// failures, and a step that passes must not pay for the words.
func whyf(explain bool, f func() string) string {
	if !explain {
		return ""
	}
	return f()
}

// explainf formats only when explain is set (its arguments are evaluated
// either way: whyf, where they cost anything).
func explainf(explain bool, format string, args ...any) string {
	if !explain {
		return ""
	}
	return fmt.Sprintf(format, args...)
}

// policyAt is the policy op is held to in space sp: the spec's, but
// under CyclicAlone Cyclic only for an op alone (Op.Alone) in a space
// whose cursor is known, Unique otherwise.
func (s *linuxState) policyAt(op model.Op, sp int) model.Policy {
	if s.pol != model.CyclicAlone {
		return s.pol
	}
	if op.Alone && !s.spaces[sp].loose {
		return model.Cyclic
	}
	return model.Unique
}

// uniqueForFork reports whether op, a fork, is judged as Unique judges
// it somewhere: the spec's policy is Unique, or CyclicAlone with op not
// alone or some space it allocates in with its cursor unknown.
func (s *linuxState) uniqueForFork(op model.Op) bool {
	switch s.pol {
	case model.Unique:
		return true
	case model.CyclicAlone:
		if !op.Alone {
			return true
		}
		ai := s.liveTask(op.Task)
		if ai < 0 {
			return false
		}
		for sp := s.tasks[ai].kids; sp >= 0; sp = s.spaces[sp].parent {
			if s.spaces[sp].loose {
				return true
			}
		}
	}
	return false
}

// loosened is s after a fork op that answered EAGAIN where Unique
// allows it (uniqueForkMayFail): under CyclicAlone the levels it reserved
// before failing moved their cursors by an amount no answer shows, so
// every space it allocates in has its cursor unknown; other policies
// remember no cursor there, and s stays.
func (s *linuxState) loosened(op model.Op) *linuxState {
	ai := s.liveTask(op.Task)
	if s.pol != model.CyclicAlone || ai < 0 {
		return s
	}
	c := s.clone()
	for sp := c.tasks[ai].kids; sp >= 0; sp = c.spaces[sp].parent {
		c.spaces[sp].loose = true
	}
	return c
}

// overlapped is s after op, when op creates a task: under CyclicAlone,
// one that overlapped another op may have moved cursors that no answer
// shows, in any space: it may take numbers and give them back on its way
// to an error (alloc_pid runs before copy_process's last checks: a
// parent killed under the fork, a space that died), or start over in
// another children space (a setns or unshare under it). So every cursor
// is unknown after it. Otherwise s.
func (s *linuxState) overlapped(op model.Op) *linuxState {
	if !op.Kind.Creates() || s.pol != model.CyclicAlone || op.Alone {
		return s
	}
	c := s.clone()
	for i := range c.spaces {
		c.spaces[i].loose = true
	}
	return c
}

// uniqueForkMayFail reports whether, under the Unique policy, a fork the
// spec would let succeed may still answer EAGAIN: some level it allocates
// freely (not by set_tid) has no free number at or above the floor (see
// UniqueMayFail).
func (s *linuxState) uniqueForkMayFail(op model.Op) bool {
	ai := s.liveTask(op.Task)
	if ai < 0 {
		return false
	}
	if op.Kind == model.Fork || op.Kind == model.Thread || op.Kind == model.Clone {
		op.Tids = nil
	}
	top := s.tasks[ai].kids
	lvl := s.spaces[top].level
	for sp := top; sp >= 0; sp = s.spaces[sp].parent {
		spc := &s.spaces[sp]
		if lvl-spc.level < len(op.Tids) {
			continue // asked for by set_tid
		}
		if UniqueMayFail(func(n int) bool { return contains(spc.taken, n) }, s.p.Floor, spc.pidMax) {
			return true
		}
	}
	return false
}
