package linux

import (
	"fmt"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// pidnsAdding is PIDNS_ADDING, the bit of pid_allocated that says the space
// still accepts tasks. The kernel uses 1U<<31; an Int32 keeps it positive
// with 1<<30, far above any count.
const pidnsAdding = int32(1) << 30

// taskState is where a task is in its life.
type taskState uint8

const (
	live   taskState = iota + 1 // running
	zombie                      // exited or killed, numbers kept until reaped
	reaped                      // released: numbers freed
)

// System is a whole Linux PID system: a tree of spaces (pid namespaces), the
// struct pids in their IDRs, and the tasks attached to them. Apply is safe to
// call from several threads at once; every shared access goes through the
// Env it was built with.
type System struct {
	env   sched.Env
	p     model.Params
	seams // today's Linux, or one zoo bug at its own seam

	// pidmapLock guards every space's idr, cursor and allocated count
	// (kernel/pid.c pidmap_lock).
	pidmapLock sched.Mutex
	// tasklistLock guards tasks, parent/child links, task states, space
	// reapers and per-space task counts (kernel/fork.c tasklist_lock). Lock
	// order: tasklist_lock before pidmap_lock, as release_task → free_pid.
	tasklistLock sched.RWMutex

	tasks  map[model.Handle]*task // every task ever attached, by handle
	order  []*task                // unreaped tasks in fork order (the kernel's task list)
	spaces []*space               // in creation order; spaces[0] is the root
	// post holds the pids detached in the current hold of tasklistLock,
	// freed once it is dropped (release_task's struct release_task_post,
	// free_pids after write_unlock_irq: 6.15). Guarded by tasklistLock.
	post []*pid
	// settling: the settle after frees that woke a dying init runs (under
	// tasklistLock, freePids). What it releases — the zap's continuation:
	// the init's parked thread, reaps by a dying outer init, an autoreap —
	// is freed at once, so that the cascade ends in that one hold, as the
	// spec's release does; what an op releases in its own hold is freed
	// after it, all together (the spec's deferred frees of the op).
	settling bool
}

// space is a pid namespace.
type space struct {
	name   string // "s0" is the root, then "s1", "s2", … in creation order
	level  int
	parent *space

	// Guarded by pidmapLock.
	idr       map[int]*pid // a present nil entry is reserved, not yet published
	cursor    int          // idr_next: where the next cyclic scan starts
	allocated int32        // pid_allocated: published numbers | pidnsAdding
	// allocatedPub mirrors allocated for readers that hold no lock: stored under pidmapLock after every change ("s1.pid_allocated").
	allocatedPub sched.Int32
	// inflight counts entries of forks still under way (reserved, or
	// published but not yet attached); settled is bumped, and published in
	// settledPub ("s1.settled"), whenever one of them is resolved.
	inflight int
	// attached counts the numbers here whose task attached, until they
	// are freed (detached ones included, until free_pids): what a dying
	// init's zap waits for. A fork still in flight holds a number too, but
	// its effects appear at its attach (see the package doc), so it does
	// not keep an init from being reapable.
	attached   int
	settled    int32
	settledPub sched.Int32

	// pidMax is written by the pid_max sysctl under tasklistLock (read)
	// and pidmapLock; alloc_pid reads it under pidmapLock, the attach
	// under tasklistLock (the kernel reads it once per level, without a
	// lock: the PidmaxWindow zoo).
	pidMax sched.Int32
	// reaper is child_reaper as a handle+1 (0: none yet), read by alloc_pid's
	// set_tid check without a lock and written under tasklistLock.
	reaper sched.Int32

	// Guarded by tasklistLock.
	init    *task // the task with number 1 here, once attached
	nrTasks int   // attached, unreaped tasks with a number here
	nrHeld  int   // reaped tasks' pids with a number here, still held as a process group or session
	// zapStarted is set when the space's init group dies and its zap
	// (zap_pid_ns_processes) begins.
	zapStarted bool
}

// unlockTasklist drops tasklistLock, held for writing, then frees the pids
// detached under it (kernel/exit.c release_task → free_pids, since 6.15):
// in between, a reaped task's numbers are gone from kill, lookup and wait
// but still taken for alloc_pid, and pid_allocated still counts them.
func (s *System) unlockTasklist() {
	post := s.post
	s.post = nil
	s.tasklistLock.Unlock()
	s.freePids(post)
}

// freePids frees detached pids under pidmapLock (kernel/pid.c free_pids);
// the caller holds no lock.
func (s *System) freePids(post []*pid) {
	if len(post) == 0 {
		return
	}
	s.pidmapLock.Lock()
	if !wakes(post) {
		for _, p := range post {
			s.freePid(p)
		}
		s.pidmapLock.Unlock()
		return
	}
	// These frees wake a dying init (free_pid: "case 2: case 1:
	// wake_up_process(ns->child_reaper)"): it leaves its zap and may
	// become reapable, or its parked thread is released. Here that is one
	// event with the frees (settle, under tasklistLock, taken first as
	// the lock order wants), as the spec's release of the op is: no op
	// sees the numbers free and the init still in its zap.
	s.pidmapLock.Unlock()
	s.tasklistLock.Lock()
	s.pidmapLock.Lock()
	for _, p := range post {
		s.freePid(p)
	}
	s.pidmapLock.Unlock()
	s.settling = true
	s.settle()
	s.settling = false
	s.unlockTasklist()
}

// wakes reports whether freeing post leaves some dying space (PIDNS_ADDING
// cleared) with at most init_pids attached numbers. The caller holds
// pidmapLock.
func wakes(post []*pid) bool {
	for _, p := range post {
		for _, u := range p.numbers {
			if u.ns.allocated&pidnsAdding != 0 {
				continue
			}
			n := 0 // the numbers post frees in u.ns
			for _, q := range post {
				if q.level >= u.ns.level && q.numbers[u.ns.level].ns == u.ns {
					n++
				}
			}
			if u.ns.attached-n <= 2 {
				return true
			}
		}
	}
	return false
}

// releasePid frees p now in the zap's continuation (settling), or once
// tasklistLock is dropped (unlockTasklist). The caller holds tasklistLock
// for writing.
func (s *System) releasePid(p *pid) {
	if !s.settling {
		s.post = append(s.post, p)
		return
	}
	s.pidmapLock.Lock()
	s.freePid(p) // settle goes on looking until nothing changes
	s.pidmapLock.Unlock()
}

// upid is one level's number of a struct pid.
type upid struct {
	nr int
	ns *space
}

// pid is struct pid: a number per level, root first. numbers is written
// before the pid is published and never after.
type pid struct {
	level   int
	numbers []upid
	inline  [2]upid // numbers' array at levels 0 and 1
	task    *task   // guarded by tasklistLock: nil until attached
	// attached is set under pidmapLock when the task is attached: until
	// then the pid's numbers are in flight.
	attached bool
	// pgrps and sessions count the thread groups attached to this pid as
	// their process group and session (PIDTYPE_PGID, PIDTYPE_SID): while
	// either is nonzero the pid stays in every IDR after its task is
	// reaped (free_pid runs only once no task is attached by any type).
	// freed is set once its numbers are released. Guarded by
	// tasklistLock.
	pgrps, sessions int
	freed           bool
	// vPgrps and vSessions are Validate's scratch counts of the same.
	vPgrps, vSessions int
}

// numberOf is pid_nr_ns: p's number in sp, 0 when invisible there.
func numberOf(p *pid, sp *space) int {
	if sp.level > p.level || p.numbers[sp.level].ns != sp {
		return 0
	}
	return p.numbers[sp.level].nr
}

// task is a task_struct, reduced to what pidcheck observes. Every field is
// guarded by tasklistLock. A thread is a task like any other, with its own
// pid; only a group leader has a parent and sits in a children list, and a
// leader's status is its group's.
type task struct {
	h           model.Handle
	pid         *pid
	ns          *space  // active space: pid.numbers[pid.level].ns
	forChildren *space  // pid_ns_for_children
	parent      *task   // real_parent; nil for a non-leader thread (its group's leader has it)
	children    []*task // in the order they became children (list_add_tail)
	group       *threadGroup
	state       taskState
	status      model.Status
	// notified: a reapable zombie whose parent has been told
	// (do_notify_parent), so that its autoreap has been decided; reset
	// when it is reparented to another thread group (reparent_leader).
	notified bool
	// zapped: a zombie init whose space emptied once, so that its
	// zap_pid_ns_processes returned: it stays reapable even if a fork
	// into an init-less descendant space takes a number in its dead space
	// again (checked on 6.18, spec.Linux).
	zapped bool
}

// threadGroup is a thread group: the leader and the thread list
// (signal_struct, thread_node). Guarded by tasklistLock.
type threadGroup struct {
	leader *task
	// threads are the group's unreleased tasks, the leader first, then
	// the others in creation order: a zombie leader stays on the list
	// until it is reaped, a non-leader leaves it when it is released.
	threads []*task
	first   [1]*task // threads' array while the group has one thread

	// signal_struct's and sighand's attributes: the process group and
	// session (signal->pids[PIDTYPE_PGID], [PIDTYPE_SID]), whether the
	// group leads its session (signal->leader), the SIGCHLD disposition
	// (model.SigChld…), is_child_subreaper, and whether it has exec'd
	// (PF_FORKNOEXEC cleared).
	pgrp, session *pid
	sessLeader    bool
	sigchld       int
	subreaper     bool
	execed        bool
}

// firstLive is the first live thread of g (find_alive_thread), or nil.
func (g *threadGroup) firstLive() *task {
	for _, t := range g.threads {
		if t.state == live {
			return t
		}
	}
	return nil
}

// live reports whether g has a live thread.
func (g *threadGroup) live() bool { return g.firstLive() != nil }

// newGroup makes t the leader of a group of its own.
func newGroup(t *task) {
	g := &threadGroup{leader: t, first: [1]*task{t}}
	g.threads = g.first[:]
	t.group = g
}

// newPid returns a struct pid with room for a number at every level up
// to level.
func newPid(level int) *pid {
	p := &pid{level: level}
	if level < len(p.inline) {
		p.numbers = p.inline[:level+1]
	} else {
		p.numbers = make([]upid, level+1)
	}
	return p
}

// New returns today's Linux PID system with t0 as PID 1 of the root space.
func New(env sched.Env, p model.Params) *System {
	s := &System{
		env:          env,
		p:            p,
		seams:        todaysSeams(),
		pidmapLock:   env.NewMutex("pidmap_lock"),
		tasklistLock: env.NewRWMutex("tasklist_lock"),
		tasks:        map[model.Handle]*task{},
	}
	root := s.newSpace(nil)
	// The root's init is created by the kernel, not by fork: number 1.
	p0 := newPid(0)
	p0.numbers[0], p0.attached = upid{1, root}, true
	t0 := &task{h: model.Root, pid: p0, ns: root, forChildren: root, state: live}
	newGroup(t0)
	// t0 leads its session and group, as a booted init that ran setsid.
	t0.group.pgrp, t0.group.session, t0.group.sessLeader = p0, p0, true
	p0.pgrps, p0.sessions = 1, 1
	p0.task = t0
	root.idr[1] = p0
	root.cursor = 2
	root.setAllocated(pidnsAdding + 1)
	root.init = t0
	root.nrTasks, root.attached = 1, 1
	root.reaper.Store(int32(model.Root) + 1)
	s.tasks[model.Root] = t0
	s.order = append(s.order, t0)
	return s
}

// NewZoo returns the system with one zoo bug (PublishEarly, …) in place of
// today's behaviour at that bug's seam.
func NewZoo(env sched.Env, p model.Params, bug Bug) *System {
	s := New(env, p)
	bug.replace(&s.seams)
	return s
}

// newSpace creates a space below parent (nil: the root). Callers other than
// New hold tasklistLock for writing.
func (s *System) newSpace(parent *space) *space {
	n := spaceNamesOf(len(s.spaces))
	sp := &space{
		name:         n.name,
		parent:       parent,
		idr:          map[int]*pid{},
		allocated:    pidnsAdding,
		allocatedPub: s.env.NewInt32(n.allocated, pidnsAdding),
		pidMax:       s.env.NewInt32(n.pidMax, int32(s.p.PidMax)),
		reaper:       s.env.NewInt32(n.reaper, 0),
		settledPub:   s.env.NewInt32(n.settled, 0),
	}
	if parent != nil {
		sp.level = parent.level + 1
	}
	s.spaces = append(s.spaces, sp)
	return sp
}

// spaceNames are the names of space i and of its shared objects.
type spaceNames struct{ name, allocated, pidMax, reaper, settled string }

func makeSpaceNames(i int) spaceNames {
	name := fmt.Sprintf("s%d", i)
	return spaceNames{name, name + ".pid_allocated", name + ".pid_max", name + ".child_reaper", name + ".settled"}
}

// knownSpaceNames are made once for the spaces most runs have.
var knownSpaceNames = func() (ns [8]spaceNames) {
	for i := range ns {
		ns[i] = makeSpaceNames(i)
	}
	return ns
}()

func spaceNamesOf(i int) spaceNames {
	if i < len(knownSpaceNames) {
		return knownSpaceNames[i]
	}
	return makeSpaceNames(i)
}

// setAllocated changes pid_allocated; the caller holds pidmapLock.
func (sp *space) setAllocated(v int32) {
	sp.allocated = v
	sp.allocatedPub.Store(v)
}

// resolved records that one in-flight entry of sp was attached or removed;
// the caller holds pidmapLock.
func (sp *space) resolved() {
	sp.inflight--
	sp.settled++
	sp.settledPub.Store(sp.settled)
}

// accepting reports PIDNS_ADDING; the caller holds pidmapLock.
func (sp *space) accepting() bool { return sp.allocated&pidnsAdding != 0 }

// numberIn is t's number in sp, 0 when t is invisible there.
func numberIn(t *task, sp *space) int {
	if sp.level > t.pid.level {
		return 0
	}
	u := t.pid.numbers[sp.level]
	if u.ns != sp {
		return 0
	}
	return u.nr
}

// nspid is t's NSpid, root first.
func nspid(p *pid) []int {
	out := make([]int, len(p.numbers))
	for i, u := range p.numbers {
		out[i] = u.nr
	}
	return out
}

// liveTask returns the live task with handle h, or nil; the caller holds
// tasklistLock.
func (s *System) liveTask(h model.Handle) *task {
	t := s.tasks[h]
	if t == nil || t.state != live {
		return nil
	}
	return t
}

// Apply performs one process-level op.
func (s *System) Apply(op model.Op) model.Result {
	switch op.Kind {
	case model.Fork:
		return s.fork(op.Task, op.Child, nil, forkFlags{})
	case model.ForkWithTid:
		// An empty set_tid list is a plain fork (clone3 with
		// set_tid_size 0), as the spec has it.
		return s.fork(op.Task, op.Child, op.Tids, forkFlags{})
	case model.Thread:
		return s.fork(op.Task, op.Child, nil, forkFlags{thread: true})
	case model.Exit:
		return s.exit(op.Task, op.Code)
	case model.ExitThread:
		return s.exitThread(op.Task, op.Code)
	case model.Exec:
		return s.exec(op.Task)
	case model.Wait:
		return s.wait(op.Task, op.Pid)
	case model.Kill:
		return s.kill(op.Task, op.Pid, op.Sig)
	case model.Unshare:
		return s.unshare(op.Task)
	case model.SetNs:
		return s.setns(op.Task, op.Target)
	case model.GetPid, model.GetPPid, model.GetTid, model.Translate, model.Lookup:
		return s.query(op)
	case model.SetPidMax:
		return s.setPidMax(op.Task, op.N)
	case model.SetLastPid:
		return s.setLastPid(op.Task, op.N)
	case model.Clone:
		return s.clone(op.Task, op.Child, op.N)
	case model.SetNsChildren:
		return s.setnsTo(op.Task, op.Target, true)
	case model.SetPgid:
		return s.setpgid(op.Task, op.Pid, op.N)
	case model.SetSid:
		return s.setsid(op.Task)
	case model.SigChld, model.Subreaper:
		return s.setSignalAttr(op)
	case model.GetPgid, model.GetSid, model.GetLastPid, model.GetNSpid:
		return s.query(op)
	}
	return model.Fail(model.EINVAL)
}

// query answers the read-only ops under tasklist_lock held for reading.
func (s *System) query(op model.Op) model.Result {
	s.tasklistLock.RLock()
	defer s.tasklistLock.RUnlock()
	t := s.liveTask(op.Task)
	if t == nil {
		return model.Fail(model.ESRCH)
	}
	switch op.Kind {
	case model.GetPid: // task_tgid_vnr: the group leader's number
		return model.Result{N: numberIn(t.group.leader, t.ns)}
	case model.GetTid: // task_pid_vnr: the task's own
		return model.Result{N: numberIn(t, t.ns)}
	case model.GetPPid:
		// A thread's real_parent is its leader's; the answer is the
		// number of the parent's thread group.
		par := t.group.leader.parent
		if par == nil {
			return model.Result{N: 0}
		}
		return model.Result{N: numberIn(par.group.leader, t.ns)}
	case model.Translate:
		target := s.tasks[op.Target]
		if target == nil {
			return model.Fail(model.ESRCH)
		}
		return model.Result{N: s.translation.translate(target, t.ns)}
	case model.GetPgid, model.GetSid: // kernel/sys.c getpgid, getsid
		target := t
		if op.Pid != 0 {
			if target = s.findTask(t.ns, op.Pid); target == nil {
				return model.Fail(model.ESRCH)
			}
		}
		g := target.group.pgrp
		if op.Kind == model.GetSid {
			g = target.group.session
		}
		return model.Result{N: numberOf(g, t.ns)}
	case model.GetLastPid: // pid_ns_ctl_handler's read: idr_get_cursor - 1
		s.pidmapLock.Lock()
		n := t.ns.cursor - 1
		s.pidmapLock.Unlock()
		return model.Result{N: n}
	case model.GetNSpid: // /proc/thread-self/status NSpid
		return model.Result{NSpid: nspid(t.pid)}
	default: // Lookup
		found := s.findTask(t.ns, op.Pid)
		if found == nil {
			return model.Fail(model.ESRCH)
		}
		return model.Result{Task: found.h}
	}
}

// translation is task_pid_nr_ns: target's number in sp. The caller holds
// tasklistLock.
type translation interface {
	translate(target *task, sp *space) int
}

// translate answers from the pid the task holds until release_task: 0
// once reaped or when invisible.
func (today) translate(target *task, sp *space) int {
	if target.state == reaped {
		return 0
	}
	return numberIn(target, sp)
}

// findTask is find_task_by_pid_ns: the attached, unreaped task with number
// nr in sp, or nil. The caller holds tasklistLock.
func (s *System) findTask(sp *space, nr int) *task {
	s.pidmapLock.Lock()
	p := sp.idr[nr]
	s.pidmapLock.Unlock()
	if p == nil || p.task == nil || p.task.state == reaped {
		return nil
	}
	return p.task
}

// unshare is unshare(CLONE_NEWPID) (kernel/pid_namespace.c copy_pid_ns,
// create_pid_namespace).
func (s *System) unshare(h model.Handle) model.Result {
	s.tasklistLock.Lock()
	defer s.tasklistLock.Unlock()
	t := s.liveTask(h)
	switch {
	case t == nil:
		return model.Fail(model.ESRCH)
	case t.forChildren != t.ns:
		return model.Fail(model.EINVAL)
	case t.ns.level+1 > s.p.MaxLevel:
		return model.Fail(model.ENOSPC)
	}
	t.forChildren = s.newSpace(t.ns)
	return model.Result{}
}

// setns is setns(CLONE_NEWPID) to target's active space
// (kernel/pid_namespace.c pidns_install): only the caller's own active
// space or a descendant of it.
func (s *System) setns(h, target model.Handle) model.Result { return s.setnsTo(h, target, false) }

// setnsTo is setns to target's active space, or with children set to its
// pid_ns_for_children (the namespace ioctl(pidfd,
// PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE) gives): that space may have no
// init yet, and the caller's next child then becomes its PID 1.
func (s *System) setnsTo(h, target model.Handle, children bool) model.Result {
	s.tasklistLock.Lock()
	defer s.tasklistLock.Unlock()
	t := s.liveTask(h)
	if t == nil {
		return model.Fail(model.ESRCH)
	}
	tt := s.liveTask(target)
	if tt == nil {
		return model.Fail(model.ESRCH)
	}
	to := tt.ns
	if children {
		to = tt.forChildren
	}
	if to.level < t.ns.level {
		return model.Fail(model.EINVAL)
	}
	anc := to
	for anc.level > t.ns.level {
		anc = anc.parent
	}
	if anc != t.ns {
		return model.Fail(model.EINVAL)
	}
	t.forChildren = to
	return model.Result{}
}

// setPidMax writes pid_max of the caller's active space
// (kernel/pid.c pid_table: proc_dointvec_minmax, a plain store). The
// kernel accepts [pid_max_min, PID_MAX_LIMIT]; here [Params.MinMax(),
// Params.PidMax]. The write holds tasklist_lock (read) and pidmap_lock,
// which the kernel's does not: see the package doc, "pid_max".
func (s *System) setPidMax(h model.Handle, n int) model.Result {
	s.tasklistLock.RLock()
	defer s.tasklistLock.RUnlock()
	t := s.liveTask(h)
	if t == nil {
		return model.Fail(model.ESRCH)
	}
	if n < s.p.MinMax() || n > s.p.PidMax {
		return model.Fail(model.EINVAL)
	}
	// Under both locks: a fork's allocation (pidmap_lock) and its attach
	// (tasklist_lock) each see one value of pid_max for the whole of their
	// decision.
	s.pidmapLock.Lock()
	t.ns.pidMax.Store(int32(n))
	s.pidmapLock.Unlock()
	return model.Result{}
}

// setLastPid writes ns_last_pid of the caller's active space
// (kernel/pid_namespace.c pid_ns_ctl_handler): 0 ≤ n ≤ pid_max, and the
// next scan starts at n+1. The kernel writes the cursor without
// pidmap_lock ("a code writing to it should synchronize its usage with
// external means"); taking the lock here, for the range check too, keeps
// the write atomic with respect to a concurrent allocation and pid_max
// write.
func (s *System) setLastPid(h model.Handle, n int) model.Result {
	s.tasklistLock.RLock()
	defer s.tasklistLock.RUnlock()
	t := s.liveTask(h)
	if t == nil {
		return model.Fail(model.ESRCH)
	}
	s.pidmapLock.Lock()
	defer s.pidmapLock.Unlock()
	if n < 0 || n > int(t.ns.pidMax.Load()) {
		return model.Fail(model.EINVAL)
	}
	t.ns.cursor = n + 1
	return model.Result{}
}
