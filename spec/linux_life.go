package spec

import (
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

// reap frees every number of the task at index i and forgets it.
func (c *linuxState) reap(i int) {
	t := c.tasks[i]
	for sp := t.space; sp >= 0; sp = c.spaces[sp].parent {
		c.setTaken(sp, t.nspid[c.spaces[sp].level], false)
	}
	c.tasks = slices.Delete(c.tasks, i, i+1)
	j, _ := slices.BinarySearch(c.gone, t.h)
	gone := make([]model.Handle, 0, len(c.gone)+1)
	gone = append(gone, c.gone[:j]...)
	gone = append(gone, t.h)
	c.gone = append(gone, c.gone[j:]...)
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
	out := make([]task, 0, len(c.tasks))
	for _, t := range c.tasks {
		if t.parent != from {
			out = append(out, t)
		}
	}
	for _, t := range c.tasks {
		if t.parent == from {
			t.parent = to
			out = append(out, t)
		}
	}
	c.tasks = out
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
	for {
		next := model.NoTask
		for _, m := range c.members(g) {
			if c.tasks[m].st == live {
				next = c.tasks[m].h
				break
			}
		}
		if next == model.NoTask {
			return
		}
		c.quit(next, st)
	}
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
		c.reparent(h, heir)
		if c.spaces[sp].init == h {
			c.spaces[sp].init = heir
		}
	case isInit:
		c.tasks[c.find(g)].exit = st
		c.spaces[sp].init = g
		c.reparent(h, g) // the dying init's children, reaped in settle
	default:
		c.tasks[c.find(g)].exit = st
		c.reparent(h, c.spaces[sp].init)
	}
	if h != g {
		c.reap(c.find(h)) // release_task from the exiting thread itself
	}
	if heir != model.NoTask || !isInit {
		return
	}
	// zap_pid_ns_processes: disable_pid_allocation, then SIGKILL everyone.
	c.spaces[sp].dead = true
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
	var others []model.Handle
	for _, m := range c.members(g) {
		if t := c.tasks[m].h; t != h && t != g {
			others = append(others, t)
		}
	}
	for _, t := range others {
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
	if h == g {
		return
	}
	c.reparent(g, h)
	li, i := c.find(g), c.find(h)
	old, t := c.tasks[li], c.tasks[i]
	old.nspid, t.nspid = t.nspid, old.nspid
	t.parent, t.group = old.parent, h
	c.tasks[li], c.tasks[i] = t, old // h takes the leader's place in its parent's list
	c.reap(i)                        // the old leader, holding h's old numbers
}

// settle reaps, until nothing changes, every reapable zombie whose parent is
// a dying init (zap_pid_ns_processes' wait loop, and its wait for the
// space to empty).
func (c *linuxState) settle() {
	for {
		done := true
		for i := range c.tasks {
			t := &c.tasks[i]
			if !c.reapable(t) {
				continue
			}
			p := c.find(t.parent)
			if p >= 0 && c.tasks[p].st == zombie && c.isInit(&c.tasks[p]) {
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
