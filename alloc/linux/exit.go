package linux

import (
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// sigkill is the status of a task killed by the zap.
var sigkill = model.Status{Signal: 9}

// exit is do_exit with the given code.
func (s *System) exit(h model.Handle, code int) model.Result {
	s.tasklistLock.Lock()
	t := s.liveTask(h)
	if t == nil {
		s.tasklistLock.Unlock()
		return model.Fail(model.ESRCH)
	}
	zapped := s.die(t, model.Status{Code: code & 0xff})
	s.settle()
	s.tasklistLock.Unlock()
	s.startZaps(zapped)
	return model.Result{}
}

// die turns live t into a zombie with status st (exit_notify): an init
// zaps its space first; the children of anyone else go to the init of its
// space (forget_original_parent → find_child_reaper). It returns the spaces
// whose init died, for their zap threads. The caller holds tasklistLock for
// writing.
func (s *System) die(t *task, st model.Status) []*space {
	t.state = zombie
	t.status = st
	s.release.atExit(s, t)
	sp := t.ns
	if sp.init != t {
		if reaper := sp.init; reaper != nil && len(t.children) > 0 {
			for _, c := range t.children {
				c.parent = reaper
			}
			reaper.children = append(reaper.children, t.children...)
			t.children = nil
		}
		return nil
	}
	return append([]*space{sp}, s.zap(sp)...)
}

// zap is the first half of kernel/pid_namespace.c zap_pid_ns_processes,
// run by the dying init with tasklist_lock held: disable_pid_allocation,
// then SIGKILL every task with a number in sp (so every task of every
// descendant space too), in number order. Pids published but not yet
// attached are skipped, as the kernel's sweep skips them (pid_task is NULL):
// copy_process's re-check stops them. The init's own children are reaped by
// settle; the wait for the rest is the zap thread's.
func (s *System) zap(sp *space) []*space {
	s.pidmapLock.Lock()
	sp.setAllocated(sp.allocated &^ pidnsAdding)
	nrs := make([]int, 0, len(sp.idr))
	for nr := range sp.idr {
		nrs = append(nrs, nr)
	}
	slices.Sort(nrs)
	var victims []*task
	for _, nr := range nrs {
		if p := sp.idr[nr]; p != nil && p.task != nil {
			victims = append(victims, p.task)
		}
	}
	s.pidmapLock.Unlock()
	var zapped []*space
	for _, v := range victims {
		if v.state == live {
			zapped = append(zapped, s.die(v, sigkill)...)
		}
	}
	return zapped
}

// startZaps starts, for each space whose init died, the thread that waits
// (as the exiting init waits in zap_pid_ns_processes) until every other
// number of the space is freed. Where nothing is left to wait for, the
// kernel's loop ends at once and no thread is started. It must be called
// without any lock held.
func (s *System) startZaps(spaces []*space) {
	for _, sp := range spaces {
		if sp.allocatedPub.Load()&^pidnsAdding <= 1 {
			continue
		}
		s.env.Go("zap "+sp.name, func() { s.zapWait(sp) })
	}
}

// zapWait is the end of zap_pid_ns_processes: "for (;;) { if
// (pid_ns->pid_allocated == init_pids) break; schedule(); }", the exiting
// init asleep until free_pid wakes it. There is nothing left for it to do
// afterwards: the init became reapable, under tasklist_lock, in the very
// op that freed the last other number (reapable counts the attached tasks),
// so that the space emptying and its init becoming reapable are one event,
// as in the spec. (In the kernel the init turns zombie only when this
// thread runs again, and a wait by its parent in between sees "0".)
func (s *System) zapWait(sp *space) {
	s.env.WaitUntil("zap "+sp.name+": other tasks reaped", func() bool {
		return sp.allocatedPub.Load()&^pidnsAdding <= 1
	})
}

// reapable reports whether zombie t may be reaped now: an init only once
// every other task with a number in its space is gone. The caller holds
// tasklistLock.
func reapable(t *task) bool {
	return t.state == zombie && (t.ns.init != t || t.ns.nrTasks == 1)
}

// settle lets every dying init reap its reapable children (the
// kernel_wait4 loop of zap_pid_ns_processes), until nothing changes: a
// reaped task may make a nested init reapable, which its dying parent then
// reaps. The caller holds tasklistLock for writing.
func (s *System) settle() {
	for changed := true; changed; {
		changed = false
		for _, sp := range s.spaces {
			in := sp.init
			if in == nil || in.state != zombie {
				continue
			}
			for _, c := range slices.Clone(in.children) {
				if reapable(c) {
					s.reap(c)
					changed = true
				}
			}
		}
	}
}

// reap is release_task: unlink t from its parent and free its numbers. The
// caller holds tasklistLock for writing.
func (s *System) reap(t *task) {
	t.state = reaped
	if par := t.parent; par != nil {
		par.children = slices.DeleteFunc(par.children, func(c *task) bool { return c == t })
	}
	s.order = slices.DeleteFunc(s.order, func(c *task) bool { return c == t })
	for _, u := range t.pid.numbers {
		u.ns.nrTasks--
	}
	s.release.atReap(s, t)
}

// release is when a task's numbers are freed: atExit is called as it
// becomes a zombie, atReap as it is reaped. The caller holds tasklistLock
// for writing.
type release interface {
	atExit(s *System, t *task)
	atReap(s *System, t *task)
}

// atExit keeps a zombie's numbers: they are freed only by release_task.
func (today) atExit(*System, *task) {}

// atReap is release_task → detach_pid → free_pid.
func (today) atReap(s *System, t *task) {
	s.pidmapLock.Lock()
	s.freePid(t.pid)
	s.pidmapLock.Unlock()
}

// wait is wait4(pid, WNOHANG): -1 any child, N > 0 the child with number N
// in the caller's space.
func (s *System) wait(h model.Handle, nr int) model.Result {
	s.tasklistLock.Lock()
	defer s.tasklistLock.Unlock()
	t := s.liveTask(h)
	if t == nil {
		return model.Fail(model.ESRCH)
	}
	var eligible []*task
	switch {
	case nr == -1 || nr == 0:
		// This implementation has no setpgid: every task is in t0's
		// process group, so wait(0) waits for any child, and wait(-n)
		// names no group (t0's is 1, and only in the root space): ECHILD.
		eligible = t.children
	case nr > 0:
		for _, c := range t.children {
			if numberIn(c, t.ns) == nr {
				eligible = []*task{c}
				break
			}
		}
	}
	if len(eligible) == 0 {
		return model.Fail(model.ECHILD)
	}
	for _, c := range eligible {
		if reapable(c) {
			got := model.Result{N: numberIn(c, t.ns), Status: c.status}
			s.reap(c)
			s.settle()
			return got
		}
	}
	return model.Result{N: 0}
}

// kill is kill(2) (kernel/signal.c kill_something_info).
func (s *System) kill(h model.Handle, nr, sig int) model.Result {
	s.tasklistLock.Lock()
	t := s.liveTask(h)
	if t == nil {
		s.tasklistLock.Unlock()
		return model.Fail(model.ESRCH)
	}
	if sig != 0 && sig != 9 && sig != 15 {
		// Only SIGKILL, SIGTERM and the probe are modelled.
		s.tasklistLock.Unlock()
		return model.Fail(model.EINVAL)
	}
	var targets []*task
	switch {
	case nr == 0:
		// No setpgid here: every task is in t0's process group, so
		// kill(0) reaches every unreaped task, the sender included
		// (__kill_pgrp_info); kill(-n) names no group (t0's is 1, and
		// only in the root space): ESRCH.
		targets = slices.Clone(s.order)
	case nr > 0:
		if v := s.findTask(t.ns, nr); v != nil {
			targets = []*task{v}
		}
	case nr == -1:
		targets = s.killAll.targets(s.order, t)
	}
	if len(targets) == 0 {
		s.tasklistLock.Unlock()
		return model.Fail(model.ESRCH)
	}
	var zapped []*space
	for _, v := range targets {
		zapped = append(zapped, s.signal(t, v, sig)...)
	}
	s.settle()
	s.tasklistLock.Unlock()
	s.startZaps(zapped)
	return model.Result{}
}

// killAll chooses kill(-1)'s targets among the unreaped tasks, in
// task-list order; the caller holds tasklistLock.
type killAll interface {
	targets(order []*task, sender *task) []*task
}

// targets is kill_something_info's set: every task (zombies too) whose
// number in the sender's space is above 1 (task_pid_vnr(p) > 1), except
// the sender.
func (today) targets(order []*task, sender *task) []*task {
	var out []*task
	for _, v := range order {
		if v != sender && numberIn(v, sender.ns) > 1 {
			out = append(out, v)
		}
	}
	return out
}

// signal delivers sig from sender to v. Sig 0 only probes; a zombie
// ignores everything; an init ignores signals from inside its space, and
// from an ancestor space takes only SIGKILL (kernel/signal.c
// sig_task_ignored, SIGNAL_UNKILLABLE unless forced). SIGTERM and SIGKILL
// kill anyone else (default action). The caller holds tasklistLock for writing.
func (s *System) signal(sender, v *task, sig int) []*space {
	if sig == 0 || v.state != live {
		return nil
	}
	if v.ns.init == v && (numberIn(sender, v.ns) != 0 || sig != 9) {
		return nil
	}
	return s.die(v, model.Status{Signal: sig})
}
