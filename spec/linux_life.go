package spec

import (
	"cmp"
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// This file holds the mutators of a fresh clone: they edit c in place and
// must never be called on a state that anyone else can see.

var sigkill = model.Status{Signal: 9}

// setTaken replaces space sp's taken list, adding or removing n.
func (c *linuxState) setTaken(sp, n int, add bool) {
	if add {
		c.spaces[sp].taken = insertSorted(c.spaces[sp].taken, n)
	} else {
		c.spaces[sp].taken = removeSorted(c.spaces[sp].taken, n)
	}
}

// reap forgets the task at index i (release_task). Its numbers are freed
// in every level unless its struct pid is still some task's process group
// or session, in which case they stay taken (held) until the last such
// task leaves it or is reaped; the groups it was in lose a member, and a
// held pid left with none is freed (kernel/pid.c detach_pid, free_pid).
func (c *linuxState) reap(i int) {
	t := c.tasks[i]
	c.tasks = slices.Delete(c.tasks, i, i+1)
	if c.referenced(t.h) {
		c.hit(HeldPid)
		j, _ := slices.BinarySearchFunc(c.held, t.h, func(hp heldPid, h model.Handle) int { return cmp.Compare(hp.h, h) })
		c.held = slices.Insert(slices.Clone(c.held), j, heldPid{h: t.h, nspid: t.nspid, space: t.space})
	} else {
		c.free(t.nspid, t.space)
	}
	if t.h == t.group {
		c.unref(t.pgid)
		c.unref(t.sid)
	}
	j, _ := slices.BinarySearch(c.gone, t.h)
	gone := make([]model.Handle, 0, len(c.gone)+1)
	gone = append(gone, c.gone[:j]...)
	gone = append(gone, t.h)
	c.gone = append(gone, c.gone[j:]...)
}

// free frees numbers nspid of a pid whose own space is sp, in every level
// (or leaves them pending for the op's release: linux_defer.go).
func (c *linuxState) free(nspid []int, sp int) {
	for ; sp >= 0; sp = c.spaces[sp].parent {
		if c.deferID != 0 {
			c.defer1(sp, nspid[c.spaces[sp].level])
			continue
		}
		c.setTaken(sp, nspid[c.spaces[sp].level], false)
	}
}

// referenced reports whether some task's process group or session is the
// struct pid of h.
func (c *linuxState) referenced(h model.Handle) bool {
	for i := range c.tasks {
		if t := &c.tasks[i]; t.h == t.group && (t.pgid == h || t.sid == h) {
			return true
		}
	}
	return false
}

// unref frees h's held pid once nothing refers to it any more.
func (c *linuxState) unref(h model.Handle) {
	j, found := slices.BinarySearchFunc(c.held, h, func(hp heldPid, h model.Handle) int { return cmp.Compare(hp.h, h) })
	if !found || c.referenced(h) {
		return
	}
	hp := c.held[j]
	c.hit(HeldFreed)
	c.held = slices.Delete(slices.Clone(c.held), j, j+1)
	c.free(hp.nspid, hp.space)
}

// setGroup moves leader li into process group pgid and session sid
// (change_pid), freeing a held pid it was the last member of.
func (c *linuxState) setGroup(li int, pgid, sid model.Handle) {
	t := &c.tasks[li]
	oldP, oldS := t.pgid, t.sid
	t.pgid, t.sid = pgid, sid
	c.unref(oldP)
	c.unref(oldS)
}

// reparent moves every child of from to the end of to's children list,
// keeping their order (forget_original_parent: list_splice_tail_init).
func (c *linuxState) reparent(from, to model.Handle) {
	n := 0
	for i := range c.tasks {
		if c.tasks[i].parent == from {
			n++
		}
	}
	if n == 0 {
		return
	}
	// forget_original_parent calls reparent_leader, which notifies the new
	// parent of a zombie child, only when the new parent is in another
	// thread group.
	renotify := c.groupOf(from) != c.groupOf(to)
	out := make([]task, 0, len(c.tasks))
	for _, t := range c.tasks {
		if t.parent != from {
			out = append(out, t)
		}
	}
	for _, t := range c.tasks {
		if t.parent == from {
			t.parent = to
			if renotify {
				t.notified = false
			}
			out = append(out, t)
		}
	}
	c.tasks = out
}

// newReaper is where the children of h, the last live thread of its
// group, go (kernel/exit.c find_new_reaper, past find_alive_thread): the
// nearest ancestor of h's group that is a child subreaper, has a live
// thread and is at h's level (its space: an ancestor of a task is in its
// space or an ancestor space), its first live thread; else the space's
// child reaper. The walk stops at the first ancestor in another space, so
// it never goes past the space's init.
func (c *linuxState) newReaper(h model.Handle) model.Handle {
	t := &c.tasks[c.find(h)]
	lvl := c.spaces[t.space].level
	at := c.find(t.group)
	for {
		p := c.find(c.groupOf(c.tasks[at].parent))
		if p < 0 || c.spaces[c.tasks[p].space].level != lvl {
			break
		}
		if r := &c.tasks[p]; r.subreaper {
			for _, m := range c.members(r.h) {
				if c.tasks[m].st == live {
					c.hitOrphans(h, ReparentSubreaper)
					return c.tasks[m].h
				}
			}
		}
		at = p
	}
	c.hitOrphans(h, ReparentInit)
	return c.spaces[t.space].init
}

// die ends h's whole thread group with status st (exit_group, or a fatal
// signal: kernel/exit.c do_group_exit, kernel/signal.c zap_other_threads):
// every live thread of the group exits, and the group's status is st
// whichever thread exits last (SIGNAL_GROUP_EXIT).
func (c *linuxState) die(h model.Handle, st model.Status) {
	i := c.find(h)
	if i < 0 {
		return
	}
	g := c.tasks[i].group
	var buf [8]int
	var aliveBuf [8]model.Handle
	alive := aliveBuf[:0]
	for _, m := range c.appendMembers(buf[:0], g) {
		if c.tasks[m].st == live {
			alive = append(alive, c.tasks[m].h)
		}
	}
	if len(alive) > 1 && slices.ContainsFunc(alive, func(x model.Handle) bool { return x != h }) {
		c.hit(ExitGroup)
	}
	// Which thread exits last decides, in an init's group, which one runs
	// zap_pid_ns_processes and so stays until the space is empty (quit): the
	// threads die on their own after zap_other_threads, and any of them may
	// be the child reaper when find_alive_thread finds none left. For any
	// other group the order is never observable.
	last := model.NoTask
	if len(alive) > 1 && c.isInit(&c.tasks[i]) {
		last = alive[len(alive)-1-c.choose(len(alive))]
	}
	for {
		next := model.NoTask
		for _, m := range c.appendMembers(buf[:0], g) {
			if t := &c.tasks[m]; t.st == live && (t.h != last || !c.othersLive(g, last)) {
				next = t.h
				break
			}
		}
		if next == model.NoTask {
			return
		}
		c.quit(next, st)
	}
}

// othersLive reports whether thread group g has a live thread other than h.
func (c *linuxState) othersLive(g, h model.Handle) bool {
	var buf [8]int
	for _, m := range c.appendMembers(buf[:0], g) {
		if t := &c.tasks[m]; t.st == live && t.h != h {
			return true
		}
	}
	return false
}

// quit makes the one live thread h exit (kernel/exit.c do_exit,
// exit_notify, release_task). st is the group's status if h turns out to
// be its last live thread (synchronize_group_exit: the last thread's own
// code, unless a group exit set it first).
//
// A non-leader thread is released at once: no zombie, its numbers freed in
// every level. A leader becomes a zombie and keeps its numbers until the
// group is empty and it is reaped. While the group has another live thread,
// h's children and, if h was its space's child reaper, that role pass to
// the first live thread of the group (find_alive_thread,
// find_child_reaper). When h was the group's last live thread, the group
// is dead: the leader's status becomes st; if the group was its space's
// init, the space dies (zap_pid_ns_processes: it stops accepting tasks and
// every live task in it and in its descendant spaces is killed,
// recursively; the dying init keeps its children, to reap them); otherwise
// h's children go to the space's child reaper.
//
// A non-leader that is the last thread of its space's init runs
// zap_pid_ns_processes from exit_notify, before its own release_task: it
// stays, a zombie holding its numbers (a kill of its number answers 0), until
// the space holds only it and its zombie leader (init_pids is 2), and only
// then is released (settle); the leader is reapable after that (checked on
// 6.18: kill of the parked thread's number answered 0 while a task of the
// space waited to be reaped by a parent outside it).
func (c *linuxState) quit(h model.Handle, st model.Status) {
	i := c.find(h)
	if i < 0 || c.tasks[i].st != live {
		return
	}
	g := c.tasks[i].group
	sp := c.tasks[i].space
	isInit := c.isInit(&c.tasks[i])
	c.tasks[i].st = zombie // exiting; a non-leader is released below
	if h == g {
		c.tasks[i].exit = st // the leader's own code, until the group ends
	}
	heir := model.NoTask
	for _, m := range c.members(g) {
		if c.tasks[m].st == live {
			heir = c.tasks[m].h
			break
		}
	}
	switch {
	case heir != model.NoTask:
		c.hitOrphans(h, ReparentThread)
		c.reparent(h, heir)
		if c.spaces[sp].init == h {
			c.hit(ThreadedInit)
			c.spaces[sp].init = heir
		}
		if h == g {
			c.hit(ThreadLeaderFirst)
		} else {
			c.hit(ThreadReleased)
		}
	case isInit:
		c.tasks[c.find(g)].exit = st
		c.spaces[sp].init = g
		c.reparent(h, g) // the dying init's children, reaped in settle
	default:
		if h != g {
			c.hit(GroupLastThread)
		}
		c.tasks[c.find(g)].exit = st
		c.reparent(h, c.newReaper(h))
	}
	if h != g && (heir != model.NoTask || !isInit) {
		c.reap(c.find(h)) // release_task from the exiting thread itself
	}
	if heir != model.NoTask || !isInit {
		return
	}
	// zap_pid_ns_processes: disable_pid_allocation, then SIGKILL everyone.
	// The members die on their own afterwards: under StepDeferred their
	// deaths wait for the op's release (linux_defer.go).
	c.hit(InitDies)
	if c.deferID != 0 && c.stages {
		c.deferZap(sp)
		return
	}
	c.spaces[sp].dead = true
	c.zapKill(sp)
}

// zapKill kills every live task of space sp and of its descendants
// (zap_pid_ns_processes' SIGKILLs, and each dying nested init's own).
func (c *linuxState) zapKill(sp int) {
	for {
		victim := model.NoTask
		for j := range c.tasks {
			if c.tasks[j].st == live && c.within(c.tasks[j].space, sp) {
				victim = c.tasks[j].h
				break
			}
		}
		if victim == model.NoTask {
			return
		}
		if c.tasks[c.find(victim)].space != sp {
			c.hit(InitKillsNested)
		}
		c.die(victim, sigkill)
	}
}

// exec is execve by live thread h (kernel/exec.c de_thread): every other
// thread of its group is killed and released (their numbers freed at once,
// their children passed to h). Exec by a non-leader then takes over the
// leader's identity: h gets the leader's numbers in every level (the TGID;
// exchange_tids, transfer_pid), its parent and its place in the parent's
// children list, and the old leader is released with h's old numbers, which
// are freed; the old leader's handle is gone (reaped), without a zombie or a
// status for its parent. If the group was its space's init, h is the child
// reaper now.
func (c *linuxState) exec(h model.Handle) {
	i := c.find(h)
	g := c.tasks[i].group
	sp := c.tasks[i].space
	wasInit := c.isInit(&c.tasks[i])
	if h == g {
		c.hit(ExecLeader)
	} else {
		c.hit(ExecNonLeader)
	}
	if wasInit {
		c.hit(ExecInit)
	}
	var others []model.Handle
	for _, m := range c.members(g) {
		if t := c.tasks[m].h; t != h && t != g {
			others = append(others, t)
		}
	}
	for _, t := range others {
		c.hitOrphans(t, ReparentThread)
		c.reparent(t, h) // reparent reorders c.tasks: indices are stale after it
	}
	for {
		victim := -1
		for _, m := range c.members(g) {
			if t := c.tasks[m].h; t != h && t != g {
				victim = m
				break
			}
		}
		if victim < 0 {
			break
		}
		c.reap(victim)
	}
	if wasInit {
		c.spaces[sp].init = h
	}
	// begin_new_exec: PF_FORKNOEXEC is cleared; flush_signal_handlers keeps
	// SIG_IGN but clears sa_flags, so SA_NOCLDWAIT is gone.
	lt := &c.tasks[c.find(g)]
	lt.execed = true
	if lt.sigchld == model.SigChldNoCldWait {
		lt.sigchld = model.SigChldDefault
	}
	if h == g {
		return
	}
	c.reparent(g, h)
	li, i := c.find(g), c.find(h)
	old, t := c.tasks[li], c.tasks[i]
	old.nspid, t.nspid = t.nspid, old.nspid
	t.parent, t.group = old.parent, h
	// transfer_pid: the group's process group and session, and every
	// group or session led by the old leader's struct pid, which is h's now.
	t.pgid, t.sid, t.sessLead, t.sigchld, t.subreaper, t.execed = old.pgid, old.sid, old.sessLead, old.sigchld, old.subreaper, old.execed
	for _, x := range []*task{&t, &old} {
		if x.pgid == g {
			x.pgid = h
		}
		if x.sid == g {
			x.sid = h
		}
	}
	for k := range c.tasks {
		if o := &c.tasks[k]; o.pgid == g {
			o.pgid = h
		}
		if o := &c.tasks[k]; o.sid == g {
			o.sid = h
		}
	}
	old.group = g // old is released below; it leads nothing any more
	old.pgid, old.sid = h, h
	c.tasks[li], c.tasks[i] = t, old // h takes the leader's place in its parent's list
	c.reap(i)                        // the old leader, holding h's old numbers
}

// settle reaps, until nothing changes, every reapable zombie whose parent
// is a dying init (zap_pid_ns_processes' wait loop, and its wait for the
// space to empty), and notifies the parent of every zombie that has just
// become reapable (do_notify_parent): when the parent's group ignores
// SIGCHLD (SIG_IGN or SA_NOCLDWAIT), the zombie is reaped at once
// (autoreap). A zombie that was already reapable when its parent began to
// ignore SIGCHLD stays until waited for (checked on 6.18).
func (c *linuxState) settle() {
	for {
		done := true
		for i := range c.tasks {
			t := &c.tasks[i]
			if t.st == zombie && t.h != t.group && len(c.spaces[t.space].taken) == 2 {
				// A parked init thread whose zap_pid_ns_processes saw
				// pid_allocated come down to init_pids: it releases itself.
				c.hit(ZapThreadReleased)
				c.reap(i)
				done = false
				break
			}
			if !c.reapable(t) {
				continue
			}
			if c.isInit(t) {
				t.zapped = true
			}
			p := c.find(t.parent)
			if p >= 0 && c.tasks[p].st == zombie && c.isInit(&c.tasks[p]) {
				c.hit(DyingInitReaps)
				c.reap(i)
				done = false
				break
			}
			if t.notified {
				continue
			}
			t.notified = true
			if l := c.find(c.groupOf(t.parent)); l >= 0 && c.tasks[l].sigchld != model.SigChldDefault {
				c.hit(Autoreap)
				c.reap(i)
				done = false
				break
			}
		}
		if done {
			return
		}
	}
}
