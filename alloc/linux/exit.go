package linux

import (
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// sigkill is the status of a task killed by the zap.
var sigkill = model.Status{Signal: 9}

// exit is exit_group with the given code (kernel/exit.c do_group_exit):
// every thread of the caller's group exits.
func (s *System) exit(h model.Handle, code int) model.Result {
	s.tasklistLock.Lock()
	t := s.liveTask(h)
	if t == nil {
		s.unlockTasklist()
		return model.Fail(model.ESRCH)
	}
	s.die(t, model.Status{Code: code & 0xff})
	s.settle()
	s.unlockTasklist()
	return model.Result{}
}

// exitThread is SYS_exit of the caller alone (kernel/exit.c do_exit).
func (s *System) exitThread(h model.Handle, code int) model.Result {
	s.tasklistLock.Lock()
	t := s.liveTask(h)
	if t == nil {
		s.unlockTasklist()
		return model.Fail(model.ESRCH)
	}
	s.quit(t, model.Status{Code: code & 0xff})
	s.settle()
	s.unlockTasklist()
	return model.Result{}
}

// die ends t's whole thread group with status st (do_group_exit, or a
// fatal signal: zap_other_threads): every live thread exits, the leader
// first, then the others in list order, and the group's status is st
// whichever thread is last (SIGNAL_GROUP_EXIT). The caller holds
// tasklistLock for writing.
func (s *System) die(t *task, st model.Status) {
	for m := t.group.firstLive(); m != nil; m = t.group.firstLive() {
		s.quit(m, st)
	}
}

// quit makes the one live thread t exit (do_exit → exit_notify,
// forget_original_parent, release_task). st becomes the group's status if
// t is its last live thread (synchronize_group_exit; a leader's own code
// otherwise, until then).
//
// While the group has another live thread, t's children and, if t is its
// space's child reaper, that role pass to it (find_alive_thread,
// find_child_reaper). When t is the last, the group is dead: if it was
// its space's init the space is zapped (the dying init keeps every child,
// to reap them); otherwise t's children go to the space's reaper. A
// non-leader is then released by itself, at once: no zombie, its numbers
// freed (exit_notify: autoreap; release_task). A leader stays a zombie
// holding its numbers, reapable once its group is dead (delay_group_leader).
// A non-leader that is its init's last thread runs the zap from
// exit_notify, before its release_task: it stays a zombie holding its
// numbers until the space holds only it and its leader (settle).
// The caller holds tasklistLock for writing.
func (s *System) quit(t *task, st model.Status) {
	g := t.group
	sp := t.ns
	wasInit := isInitGroup(t)
	t.state = zombie
	t.status = st
	s.release.atExit(s, t)
	heir := s.reaperHandOn.heir(t)
	switch {
	case heir != nil:
		moveChildren(t, heir)
		if sp.init == t {
			sp.init = heir
		}
	case wasInit:
		g.leader.status = st
		sp.init = g.leader
		moveChildren(t, g.leader)
	default:
		g.leader.status = st
		if r := s.reaperSearch.newReaper(t); r != nil {
			moveChildren(t, r)
		}
	}
	if t != g.leader && (heir != nil || !wasInit) {
		s.releaseThread(t)
	}
	if heir != nil || !wasInit || sp.zapStarted {
		return
	}
	sp.zapStarted = true // one zap per space, even if a zoo variant ends its init twice
	s.zap(sp)
}

// reaperHandOn is who inherits an exiting thread's children and, for an
// init's thread, the child-reaper role.
type reaperHandOn interface {
	// heir is another live thread of t's group, or nil when t is the
	// last; the caller holds tasklistLock.
	heir(t *task) *task
}

// heir is find_alive_thread: the first live thread of the group (t itself
// is no longer live).
func (today) heir(t *task) *task { return t.group.firstLive() }

// isInitGroup reports whether t belongs to its space's init: the thread
// group of the space's child reaper (SIGNAL_UNKILLABLE is per
// signal_struct). The caller holds tasklistLock.
func isInitGroup(t *task) bool {
	r := t.ns.init
	return r != nil && r.group == t.group
}

// moveChildren moves every child of from to the end of to's children list,
// keeping their order (list_splice_tail_init). The caller holds
// tasklistLock for writing.
//
// A child moved to another thread group is told to its new parent again
// (forget_original_parent → reparent_leader → do_notify_parent): a
// reapable zombie among them may be autoreaped there (settle).
func moveChildren(from, to *task) {
	if from == to || len(from.children) == 0 {
		return
	}
	for _, c := range from.children {
		c.parent = to
		if from.group != to.group {
			c.notified = false
		}
	}
	to.children = append(to.children, from.children...)
	from.children = nil
}

// zap is the first half of kernel/pid_namespace.c zap_pid_ns_processes,
// run by the dying init with tasklist_lock held: disable_pid_allocation,
// then SIGKILL every task with a number in sp (so every task of every
// descendant space too), in number order. Pids published but not yet
// attached are skipped, as the kernel's sweep skips them (pid_task is NULL):
// copy_process's re-check stops them. The init's own children are reaped by
// settle. The rest of zap_pid_ns_processes, the init asleep until
// pid_allocated comes down to init_pids, is no thread here: whoever frees
// the last other number makes the init reapable (or releases its parked
// thread, settle) under tasklist_lock, so the space emptying and its init
// becoming reapable are one event, as in the spec (in the kernel the init
// turns zombie only when it runs again, which a wait could see as "0"). An
// init may sleep there for good (its own process group holding a reaped
// child's number) and a run still ends.
func (s *System) zap(sp *space) {
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
	for _, v := range victims {
		if v.group.live() { // group_send_sig_info: the whole group
			s.die(v, sigkill)
		}
	}
}

// reapable reports whether zombie t may be reaped now: a group leader
// whose group has no live thread left (delay_group_leader), and an init
// only once its zap_pid_ns_processes has seen pid_allocated come down to
// init_pids: every other number of its space freed — a task's, one held as
// a process group or session, and one detached but not yet freed (since
// 6.15 free_pids runs after tasklist_lock is dropped, and wakes the init).
// settle decides that moment (zapped) and, in the same hold, what follows
// it (the parent told, an autoreap), as exit_notify does when the init
// leaves its zap: before it, the init is no zombie a wait could reap. An
// init that was reapable once stays so. The caller holds tasklistLock.
func (s *System) reapable(t *task) bool {
	if t.state != zombie || t.group.leader != t || t.group.live() {
		return false
	}
	return !isInitGroup(t) || t.zapped
}

// allocatedIn is what sp's pid_allocated counts for its zap: the numbers
// of attached tasks, until freed (space.attached); the caller holds
// tasklistLock (taken before pidmapLock, as release_task → free_pid).
func (s *System) allocatedIn(sp *space) int {
	s.pidmapLock.Lock()
	n := sp.attached
	s.pidmapLock.Unlock()
	return n
}

// settle runs, until nothing changes, what follows a zombie becoming
// reapable: a dying init reaps its reapable children (the kernel_wait4
// loop of zap_pid_ns_processes), and any other parent is told once
// (do_notify_parent from exit_notify, from release_task for a delayed
// leader, from reparent_leader), which reaps the zombie at once when the
// parent's group ignores SIGCHLD (autoreap). A reaped task may make a
// nested init reapable, which its dying parent then reaps. The caller
// holds tasklistLock for writing.
func (s *System) settle() {
	for changed := true; changed; {
		changed = false
		for _, z := range slices.Clone(s.order) {
			if z.state == zombie && z.group.leader != z && s.allocatedIn(z.ns) == 2 {
				// An init's parked thread: its zap saw pid_allocated
				// come down to init_pids, and it releases itself.
				s.releaseThread(z)
				changed = true
				continue
			}
			if z.state != zombie {
				continue
			}
			if isInitGroup(z) && !z.zapped && z.group.leader == z && !z.group.live() && s.allocatedIn(z.ns) == 1 {
				z.zapped = true // its zap saw pid_allocated at init_pids
			}
			if !s.reapable(z) {
				continue
			}
			par := z.parent
			if par != nil && par.state == zombie && isInitGroup(par) {
				s.reap(z)
				changed = true
				continue
			}
			if z.notified {
				continue
			}
			z.notified = true
			if ignoresSigchld(par) {
				s.notify.autoreap(s, z)
				changed = true
			}
		}
	}
}

// reap is release_task of a group leader by its parent's wait (or the
// dying init's): unlink t from its parent and free its numbers. The caller
// holds tasklistLock for writing.
func (s *System) reap(t *task) {
	if par := t.parent; par != nil {
		par.children = slices.DeleteFunc(par.children, func(c *task) bool { return c == t })
	}
	s.unhash(t)
}

// unhash is __exit_signal → __unhash_process: t leaves the task list and
// its group's thread list, and its numbers are freed. The caller holds
// tasklistLock for writing.
func (s *System) unhash(t *task) {
	t.state = reaped
	t.group.threads = slices.DeleteFunc(t.group.threads, func(c *task) bool { return c == t })
	s.order = slices.DeleteFunc(s.order, func(c *task) bool { return c == t })
	for _, u := range t.pid.numbers {
		u.ns.nrTasks--
	}
	s.release.atReap(s, t)
	if t.group.leader == t {
		s.leaveGroups(t.group)
	}
}

// releaseThread is release_task of a non-leader thread from its own exit
// path. If that leaves a zombie leader with an empty group, the leader
// becomes reapable (do_notify_parent in release_task); the parent's wait
// reaps it. The caller holds tasklistLock for writing.
func (s *System) releaseThread(t *task) {
	s.unhash(t)
	if l := t.group.leader; l.state == zombie && !t.group.live() {
		s.delayedLeader.groupEmpty(s, l)
	}
}

// delayedLeader is what happens to a zombie leader when its group's last
// thread is released.
type delayedLeader interface {
	groupEmpty(s *System, leader *task)
}

// groupEmpty: nothing is freed here; the leader keeps its numbers until
// its parent reaps it (the parent does not ignore SIGCHLD here, so
// do_notify_parent does not autoreap).
func (today) groupEmpty(*System, *task) {}

// release is when a task's numbers are freed: atExit is called as it
// becomes a zombie, atReap as it is reaped. The caller holds tasklistLock
// for writing.
type release interface {
	atExit(s *System, t *task)
	atReap(s *System, t *task)
}

// atExit keeps a zombie's numbers: they are freed only by release_task.
func (today) atExit(*System, *task) {}

// atReap is release_task → detach_pid → free_pid, unless the struct pid
// is still some thread group's process group or session: then its
// numbers stay taken (counted in nrHeld) until the last such group leaves
// it (putPid).
func (today) atReap(s *System, t *task) {
	p := t.pid
	if s.pidRefs.held(p) {
		for _, u := range p.numbers {
			u.ns.nrHeld++
		}
		return
	}
	p.freed = true
	s.releasePid(p)
}

// wait is wait4(pid, WNOHANG): -1 any child, N > 0 the child with number N
// in the caller's space, 0 a child in the caller's process group, -N a
// child in the group numbered N there.
func (s *System) wait(h model.Handle, nr int) model.Result {
	s.tasklistLock.Lock()
	defer s.unlockTasklist()
	t := s.liveTask(h)
	if t == nil {
		return model.Fail(model.ESRCH)
	}
	var eligible []*task
	// eligible_pid: -1 any child, N > 0 the child numbered N, 0 a child
	// in the caller's process group, -N one in the group numbered N (a
	// number that names no group selects nothing).
	var pg *pid
	switch {
	case nr == 0:
		pg = t.group.pgrp
	case nr < -1:
		pg = s.findPid(t.ns, -nr)
	}
	for _, c := range waitOrder(t) {
		if nr == -1 || (nr > 0 && numberIn(c, t.ns) == nr) || (nr <= 0 && pg != nil && c.group.pgrp == pg) {
			eligible = append(eligible, c)
		}
	}
	if len(eligible) == 0 {
		return model.Fail(model.ECHILD)
	}
	for _, c := range eligible {
		if s.reapable(c) {
			got := model.Result{N: numberIn(c, t.ns), Status: c.status}
			s.reap(c)
			s.settle()
			return got
		}
	}
	return model.Result{N: 0}
}

// waitOrder is the children do_wait visits for t: those of every thread of
// t's group, from t itself on around the thread list (while_each_thread),
// each thread's in list order. The caller holds tasklistLock.
func waitOrder(t *task) []*task {
	ths := t.group.threads
	start := slices.Index(ths, t)
	var out []*task
	for k := range ths {
		out = append(out, ths[(start+k)%len(ths)].children...)
	}
	return out
}

// kill is kill(2) (kernel/signal.c kill_something_info).
func (s *System) kill(h model.Handle, nr, sig int) model.Result {
	s.tasklistLock.Lock()
	t := s.liveTask(h)
	if t == nil {
		s.unlockTasklist()
		return model.Fail(model.ESRCH)
	}
	if sig != 0 && sig != 9 && sig != 15 {
		// Only SIGKILL, SIGTERM and the probe are modelled.
		s.unlockTasklist()
		return model.Fail(model.EINVAL)
	}
	var targets []*task
	switch {
	case nr == 0 || nr < -1:
		// __kill_pgrp_info: every member of the group, the sender's own
		// included, wherever it lives; kill(0) names the sender's group
		// even when its id is invisible in the sender's space.
		pg := t.group.pgrp
		if nr < -1 {
			pg = s.findPid(t.ns, -nr)
		}
		if pg != nil {
			targets = s.pgrpWalk.members(s, pg)
		}
	case nr > 0:
		if v := s.findTask(t.ns, nr); v != nil {
			targets = []*task{v}
		}
	case nr == -1:
		targets = s.killAll.targets(s.order, t)
	}
	if len(targets) == 0 {
		s.unlockTasklist()
		return model.Fail(model.ESRCH)
	}
	for _, v := range targets {
		s.signal(t, v, sig)
	}
	s.settle()
	s.killRelease.unlock(s)
	return model.Result{}
}

// killRelease is how kill drops tasklist_lock after its deliveries, which
// may have released tasks: non-leader threads, autoreaped children, a dying
// init's.
type killRelease interface {
	unlock(s *System)
}

// unlock drops the lock and frees what was detached under it.
func (today) unlock(s *System) { s.unlockTasklist() }

// pgrpWalk is how kill by process group finds the group's members.
type pgrpWalk interface {
	// members lists the group leaders whose process group is pg, in
	// task-list order (do_each_pid_task(pgrp, PIDTYPE_PGID)); the caller
	// holds tasklistLock for writing and still does when it returns.
	members(s *System, pg *pid) []*task
}

// members walks the group in the same hold of tasklist_lock as the
// delivery, so a fork by a member either attaches before the walk (its
// child is signalled too) or finds its parent killed (copy_process: "Process
// group and session signals need to be delivered to just the parent before
// the fork or both the parent and the child after the fork").
func (today) members(s *System, pg *pid) []*task { return groupMembers(s.order, pg) }

// groupMembers are the leaders in order whose process group is pg.
func groupMembers(order []*task, pg *pid) []*task {
	var out []*task
	for _, v := range order {
		if v.group.leader == v && v.group.pgrp == pg {
			out = append(out, v)
		}
	}
	return out
}

// killAll chooses kill(-1)'s targets among the unreaped tasks, in
// task-list order; the caller holds tasklistLock.
type killAll interface {
	targets(order []*task, sender *task) []*task
}

// targets is kill_something_info's set: every process (for_each_process:
// group leaders, zombies too) whose number in the sender's space is above
// 1 (task_pid_vnr(p) > 1), except the sender's own group
// (same_thread_group).
func (today) targets(order []*task, sender *task) []*task {
	var out []*task
	for _, v := range order {
		if v.group.leader == v && v.group != sender.group && numberIn(v, sender.ns) > 1 {
			out = append(out, v)
		}
	}
	return out
}

// signal delivers sig from sender to v's thread group (kill_pid_info →
// group_send_sig_info: a thread's number signals its group). Sig 0 only
// probes; a group with no live thread ignores everything; an init's group
// ignores signals from inside its space, and from an ancestor space takes
// only SIGKILL (kernel/signal.c sig_task_ignored, SIGNAL_UNKILLABLE unless
// forced). SIGTERM and SIGKILL kill any other group (default action). The
// caller holds tasklistLock for writing.
func (s *System) signal(sender, v *task, sig int) {
	if sig == 0 || !v.group.live() {
		return
	}
	if isInitGroup(v) && (numberIn(sender, v.ns) != 0 || sig != 9) {
		return
	}
	s.groupSignal.deliver(s, v, model.Status{Signal: sig})
}

// groupSignal is how a fatal signal sent to a task by number is delivered.
type groupSignal interface {
	deliver(s *System, v *task, st model.Status)
}

// deliver kills v's whole group (complete_signal: a fatal signal is
// delivered to every thread, SIGNAL_GROUP_EXIT).
func (today) deliver(s *System, v *task, st model.Status) { s.die(v, st) }
