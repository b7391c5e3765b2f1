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

// die makes live task h a zombie with status st and applies the
// consequences: an init's death kills its space and every descendant space
// (each dying init keeps its children, to reap them); any other task's
// children go to its space's init.
func (c *linuxState) die(h model.Handle, st model.Status) {
	i := c.find(h)
	if i < 0 || c.tasks[i].st != live {
		return
	}
	c.tasks[i].st = zombie
	c.tasks[i].exit = st
	sp := c.tasks[i].space
	if c.spaces[sp].init != h {
		c.reparent(h, c.spaces[sp].init)
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
