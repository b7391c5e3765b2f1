package linux

import (
	"fmt"
	"maps"
	"slices"
)

// Validate checks the system's internal invariants. Call it only at a
// quiescent point (no op in flight): it reads shared state without taking
// the Env's locks, so that it may also run after the scheduler's run ended.
//
//   - every number in an IDR is published (no reserved-but-unpublished
//     entry is left behind), maps back to its level of its pid, and belongs
//     to an attached task that is not reaped;
//   - every unreaped task's numbers are in their spaces' IDRs;
//   - each space's pid_allocated count equals its IDR size and its task
//     count;
//   - parent and child links agree, and no live task lives in a space whose
//     init has died;
//   - a reaped task's number stays only while its pid is some thread
//     group's process group or session, and those counts agree with the
//     groups attached; a space's child reaper is numbered 1 there;
//   - thread groups agree: every unreaped task is on its group's thread
//     list, the leader first; only a leader has a parent or is a zombie (a
//     non-leader is released when it exits); threads share their leader's
//     space.
//
// It runs after every schedule, so a system that holds allocates nothing:
// the first pass visits the IDRs and tasks in map order, and only when it
// finds a fault does a second pass, in number and handle order, name the
// first one, so that the report is the same on every run.
func (s *System) Validate() error {
	if s.validate(false) == nil {
		return nil
	}
	return s.validate(true)
}

// validate is Validate, visiting each space's numbers and the tasks in
// sorted order when ordered is set, in map order otherwise.
func (s *System) validate(ordered bool) error {
	for _, sp := range s.spaces {
		if ordered {
			for _, nr := range slices.Sorted(maps.Keys(sp.idr)) {
				if err := validNumber(sp, nr, sp.idr[nr]); err != nil {
					return err
				}
			}
		} else {
			for nr, p := range sp.idr {
				if err := validNumber(sp, nr, p); err != nil {
					return err
				}
			}
		}
		if len(s.post) != 0 {
			return fmt.Errorf("%d detached pids not freed, with no op under way", len(s.post))
		}
		if sp.inflight != 0 {
			return fmt.Errorf("%s: %d numbers still in flight with no fork under way", sp.name, sp.inflight)
		}
		count := int(sp.allocated &^ pidnsAdding)
		if count != len(sp.idr) || count != sp.nrTasks+sp.nrHeld || count != sp.attached {
			return fmt.Errorf("%s: pid_allocated counts %d, but the idr holds %d numbers, %d tasks have one, %d are held as groups, %d counted attached",
				sp.name, count, len(sp.idr), sp.nrTasks, sp.nrHeld, sp.attached)
		}
		if in := sp.init; in != nil && in.state != reaped && numberIn(in.group.leader, sp) != 1 {
			return fmt.Errorf("%s: its child reaper %s's group is not numbered 1 there", sp.name, in.h)
		}
	}
	// Every process group and session count is the number of unreaped
	// thread groups attached to it, and a session's groups are in it.
	// The counts go to each pid's scratch counters, zeroed first.
	for _, t := range s.order {
		t.pid.vPgrps, t.pid.vSessions = 0, 0
		if g := t.group; g.leader == t && g.pgrp != nil && g.session != nil {
			g.pgrp.vPgrps, g.pgrp.vSessions = 0, 0
			g.session.vPgrps, g.session.vSessions = 0, 0
		}
	}
	for _, t := range s.order {
		if t.group.leader != t {
			continue
		}
		if t.group.pgrp == nil || t.group.session == nil {
			return fmt.Errorf("%s: its thread group has no process group or session", t.h)
		}
		t.group.pgrp.vPgrps++
		t.group.session.vSessions++
		if t.group.sessLeader && t.group.session != t.pid {
			return fmt.Errorf("%s: a session leader whose session is not its own pid", t.h)
		}
	}
	for _, t := range s.order {
		p := t.pid
		if p.vPgrps != p.pgrps || p.vSessions != p.sessions {
			return fmt.Errorf("%s: its pid counts %d process group and %d session members, but %d and %d are attached",
				t.h, p.pgrps, p.sessions, p.vPgrps, p.vSessions)
		}
	}
	if ordered {
		for _, h := range slices.Sorted(maps.Keys(s.tasks)) {
			if err := s.validTask(s.tasks[h]); err != nil {
				return err
			}
		}
	} else {
		for _, t := range s.tasks {
			if err := s.validTask(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// validNumber checks the pid p that sp's IDR holds for nr.
func validNumber(sp *space, nr int, p *pid) error {
	switch {
	case p == nil:
		return fmt.Errorf("%s: number %d is reserved but never published", sp.name, nr)
	case sp.level > p.level || p.numbers[sp.level] != (upid{nr, sp}):
		return fmt.Errorf("%s: number %d maps to a pid that does not have it", sp.name, nr)
	case p.task == nil || !p.attached:
		return fmt.Errorf("%s: number %d is published but has no task", sp.name, nr)
	case p.task.state == reaped && p.pgrps == 0 && p.sessions == 0:
		return fmt.Errorf("%s: number %d still held by reaped task %s", sp.name, nr, p.task.h)
	case p.freed:
		return fmt.Errorf("%s: number %d of %s was freed but is still in the idr", sp.name, nr, p.task.h)
	}
	return nil
}

// validTask checks one task's numbers, links and thread group; a reaped
// task has nothing left to check.
func (s *System) validTask(t *task) error {
	if t.state == reaped {
		return nil
	}
	for _, u := range t.pid.numbers {
		if u.ns.idr[u.nr] != t.pid {
			return fmt.Errorf("%s (%s): its number %d in %s is not in that space's idr", t.h, t.state, u.nr, u.ns.name)
		}
	}
	if t.parent != nil && !slices.Contains(t.parent.children, t) {
		return fmt.Errorf("%s: not among the children of its parent %s", t.h, t.parent.h)
	}
	if t.parent != nil && t.parent.state == reaped {
		return fmt.Errorf("%s: its parent %s was reaped", t.h, t.parent.h)
	}
	for _, c := range t.children {
		if c.parent != t {
			return fmt.Errorf("%s: child %s names %v as its parent", t.h, c.h, c.parent.h)
		}
	}
	if t.state == live && t.ns.allocated&pidnsAdding == 0 {
		return fmt.Errorf("%s: live in %s, whose init has died", t.h, t.ns.name)
	}
	g := t.group
	switch {
	case !slices.Contains(g.threads, t):
		return fmt.Errorf("%s: not on its thread group's list", t.h)
	case len(g.threads) == 0 || g.threads[0] != g.leader || g.leader.group != g:
		return fmt.Errorf("%s: its thread group's list does not start with its leader", t.h)
	case t != g.leader && t.parent != nil:
		return fmt.Errorf("%s: a non-leader thread with a parent (%s)", t.h, t.parent.h)
	case t != g.leader && t.state != live && !(isInitGroup(t) && t.ns.zapStarted && t.ns.nrTasks+t.ns.nrHeld > 2):
		// Only an init's last thread, parked in its zap while the
		// space holds more than it and its leader, outlives its exit.
		return fmt.Errorf("%s: a non-leader thread left %s", t.h, t.state)
	case t.ns != g.leader.ns:
		return fmt.Errorf("%s: in %s, its leader %s in %s", t.h, t.ns.name, g.leader.h, g.leader.ns.name)
	}
	return nil
}

// String names a task state.
func (st taskState) String() string {
	switch st {
	case live:
		return "live"
	case zombie:
		return "zombie"
	case reaped:
		return "reaped"
	}
	return fmt.Sprintf("state(%d)", uint8(st))
}
