package spec

import (
	"cmp"
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// Deferred frees (Deferrer). Since "pid: perform free_pid() calls outside
// of tasklist_lock" (6.15), release_task detaches a task under
// tasklist_lock — from then on kill, lookup and wait no longer find it —
// and frees its numbers after dropping the lock (free_pids, kernel/exit.c
// release_task), before the system call returns. In between, the numbers
// are neither any task's nor free: a fork cannot get them, and a dying
// init's zap_pid_ns_processes, which waits for pid_allocated, still waits.
// StepDeferred evaluates an op with every free it makes left pending: the
// numbers stay in their spaces' taken lists, with no task; Release frees
// them and settles what waited for them (a dying init whose space is now
// empty).

// A dying space's members die after its init's exit, each on its own, in
// the kernel (zap_pid_ns_processes queues SIGKILL to every one; each runs
// do_exit later). In between, a member is still there for every other
// task: setns to it, kill and lookup find it, its numbers are taken. Under
// StepDeferred, the op that ends an init group ends only the group (setns
// to it fails at once: exit_task_namespaces comes first in do_exit); the
// space's disable_pid_allocation, its members' deaths and what follows
// from them happen at the op's release (pendingZap), inside the op's
// interval — the kernel oracle's concurrent mode takes an exit's return
// when the whole zap is complete. Before it, an answer the state refuses
// is tried again in the stages between (stepWorld): the space disabled
// (forks into it answer ENOMEM), then up to maxEarlyDeaths members dead.

// pendingZap is dying space whose members the op with id kills at its
// release.
type pendingZap struct {
	id, space int
}

// deferZap leaves the kills of space sp's zap for the op's release.
func (c *linuxState) deferZap(sp int) {
	z := pendingZap{id: c.deferID - 1, space: sp}
	i, found := slices.BinarySearchFunc(c.zaps, z, cmpZap)
	if !found {
		c.zaps = slices.Insert(slices.Clone(c.zaps), i, z)
	}
}

func cmpZap(a, b pendingZap) int {
	if c := cmp.Compare(a.id, b.id); c != 0 {
		return c
	}
	return cmp.Compare(a.space, b.space)
}

// pendingFree is number n of space, freed by the op with id but not yet
// released.
type pendingFree struct {
	id, space, n int
}

func cmpPending(a, b pendingFree) int {
	if c := cmp.Compare(a.id, b.id); c != 0 {
		return c
	}
	if c := cmp.Compare(a.space, b.space); c != 0 {
		return c
	}
	return cmp.Compare(a.n, b.n)
}

// defer1 leaves number n of space sp pending for the op being evaluated.
func (c *linuxState) defer1(sp, n int) { c.defer1At(c.deferID-1, sp, n) }

// defer1At adds pending entry (id, sp, n).
func (c *linuxState) defer1At(id, sp, n int) {
	p := pendingFree{id: id, space: sp, n: n}
	i, found := slices.BinarySearchFunc(c.pending, p, cmpPending)
	if !found {
		c.pending = slices.Insert(slices.Clone(c.pending), i, p)
	}
}

// MayDefer implements Deferrer: the ops that reap, release threads or drop
// a held process group or session.
func (s *linuxState) MayDefer(k model.Kind) bool {
	switch k {
	case model.Wait, model.Exit, model.ExitThread, model.Kill, model.Exec, model.SetPgid, model.SetSid:
		return true
	}
	return false
}

// StepDeferred implements Deferrer. Every world of the next state keeps a
// mark that op id ran (pendingFree with space -1), so that Release can
// tell "ran, nothing left" from "not run yet". A release ordered before its
// op makes the op atomic (early): otherwise its frees would stay pending for
// good, which is no kernel's behaviour.
func (s *linuxState) StepDeferred(op model.Op, obs model.Result, id int, stages bool) (bool, State, string) {
	if _, found := slices.BinarySearch(s.early, id); found {
		c := s.eachWorld(func(c *linuxState) {
			i, _ := slices.BinarySearch(c.early, id)
			c.early = slices.Delete(slices.Clone(c.early), i, i+1)
		})
		return c.Step(op, obs)
	}
	ok, next, why := s.eachWorld(func(c *linuxState) { c.deferID, c.stages = id+1, stages }).Step(op, obs)
	if !ok {
		return false, s, why
	}
	n := next.(*linuxState)
	for w := n; w != nil; w = w.alt { // fresh copies, every one
		w.deferID, w.stages = 0, false
		w.defer1At(id, -1, 0)
	}
	return true, n, ""
}

// eachWorld is a copy of s, every world of it, with f applied to each.
func (s *linuxState) eachWorld(f func(c *linuxState)) *linuxState {
	var ws []*linuxState
	for w := s; w != nil; w = w.alt {
		c := w.clone()
		f(c)
		ws = append(ws, c)
	}
	for i := len(ws) - 2; i >= 0; i-- {
		ws[i].alt = ws[i+1]
	}
	return ws[0]
}

// Release implements Deferrer.
func (s *linuxState) Release(id int) State {
	i, _ := slices.BinarySearchFunc(s.pending, pendingFree{id: id, space: -2}, cmpPending)
	if i == len(s.pending) || s.pending[i].id != id {
		// Op id has not run (every world agrees: they all saw the same
		// ops): it frees at once when it does.
		return s.eachWorld(func(c *linuxState) {
			j, _ := slices.BinarySearch(c.early, id)
			c.early = slices.Insert(slices.Clone(c.early), j, id)
		})
	}
	var ws []*linuxState
	for w := s; w != nil; w = w.alt {
		i, _ := slices.BinarySearchFunc(w.pending, pendingFree{id: id, space: -2}, cmpPending)
		j := i
		for j < len(w.pending) && w.pending[j].id == id {
			j++
		}
		c := w.clone()
		c.pending = slices.Delete(slices.Clone(w.pending), i, j)
		zi, _ := slices.BinarySearchFunc(w.zaps, pendingZap{id: id, space: -1}, cmpZap)
		zj := zi
		for zj < len(w.zaps) && w.zaps[zj].id == id {
			zj++
		}
		if zi < zj {
			c.zaps = slices.Delete(slices.Clone(w.zaps), zi, zj)
			for _, z := range w.zaps[zi:zj] {
				c.spaces[z.space].dead = true
				c.zapKill(z.space)
			}
		}
		for _, p := range w.pending[i:j] {
			if p.space >= 0 {
				c.setTaken(p.space, p.n, false)
			}
		}
		c.settle()
		ws = append(ws, c)
	}
	return joinWorlds(ws)
}

// swept is s with every pending zap's sweep made: its spaces disabled and
// their tasks killed, what that frees left for the zap's op's release.
func (s *linuxState) swept() *linuxState {
	w := s.clone()
	w.zaps = nil
	for _, z := range s.zaps {
		w.spaces[z.space].dead = true
		w.deferID = z.id + 1
		w.zapKill(z.space)
		w.settle() // the dying inits reap what died: freed at the release too
	}
	w.deferID = s.deferID
	w.disableZaps()
	return w
}

// disableZaps marks every pending zap's space disabled: a nested init
// killed by a sweep runs its own zap, disable_pid_allocation first, in its
// own death.
func (c *linuxState) disableZaps() {
	for _, z := range c.zaps {
		c.spaces[z.space].dead = true
	}
}

// maxEarlyDeaths bounds how many members of dying spaces stepWorld lets
// die before their zap's release, for one op.
const maxEarlyDeaths = 3

// earlyDeaths calls f with every state that is s with 1 to n more live
// thread groups of its pending zaps' spaces dead, each of them led by a
// handle above after (each set once, killed in handle order).
func (s *linuxState) earlyDeaths(n int, after model.Handle, f func(w *linuxState)) {
	if n == 0 {
		return
	}
	var hs []model.Handle
	for i := range s.tasks {
		t := &s.tasks[i]
		if t.h == t.group && t.h > after && s.groupLive(t.group) && s.inPendingZap(t.space) {
			hs = append(hs, t.h)
		}
	}
	slices.Sort(hs)
	for _, h := range hs {
		w := s.clone()
		// The death belongs to the zap's op, not to the op being stepped:
		// what it frees waits for that op's release.
		w.deferID = s.zapOf(w.tasks[w.find(h)].space) + 1
		w.die(h, sigkill)
		w.settle()
		w.deferID = s.deferID
		w.disableZaps()
		f(w)
		w.earlyDeaths(n-1, h, f)
	}
}

// inPendingZap reports whether space sp is, or is below, a space whose
// members wait for a zap's release.
func (s *linuxState) inPendingZap(sp int) bool { return s.zapOf(sp) >= 0 }

// zapOf is the id of the op whose pending zap takes the tasks of space sp
// (the innermost such zap), or -1.
func (s *linuxState) zapOf(sp int) int {
	id, lvl := -1, -1
	for _, z := range s.zaps {
		if s.within(sp, z.space) && s.spaces[z.space].level > lvl {
			id, lvl = z.id, s.spaces[z.space].level
		}
	}
	return id
}
