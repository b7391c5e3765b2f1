package spec

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pidcheck/pidcheck/model"
)

// Linux is the process-level spec of today's Linux (kernel/pid.c,
// kernel/pid_namespace.c, kernel/exit.c, kernel/signal.c, kernel/nsproxy.c).
// Task t0 is PID 1 of the root space s0 (level 0), whose pid_max is
// p.PidMax. Spaces are named s0, s1, … in creation order (unshare creates
// one). The rules, op by op (model/doc.go defines the ops):
//
// Every op whose actor is not a live task answers ESRCH.
//
// fork: the child goes into the actor's children space S. Levels are
// allocated innermost (S) to root, each in its own space with pol and that
// space's own pid_max (so the effective limit is the minimum over the
// chain); a cyclic level moves its space's cursor to n+1. The first level
// to fail decides the error: EAGAIN (full). If every level succeeded but S
// no longer accepts tasks (its init died), ENOMEM. A failed fork frees the
// numbers it took but leaves the cursors it moved (idr_remove does not
// restore idr_next), except that S's cursor goes back to 0 when S has never
// had a task (alloc_pid: "On failure to allocate the first pid, reset the
// state"), so the next fork into S tries 1 again. The first task of a space
// always gets 1 there, under every policy, and becomes the space's init.
// A fork that names a child handle already in use, or a negative one,
// answers EINVAL (a scenario error). A plain fork ignores Op.Tids.
//
// fork tid=a,b,…: set_tid, innermost level first (an empty list is a plain
// fork, as clone3 with set_tid_size 0). More entries than levels: EINVAL. Per level in order: EINVAL unless 1 ≤ tid < that space's pid_max;
// EINVAL for tid ≠ 1 in a space that never had an init; EEXIST when taken.
// Levels past the list allocate by the policy. An exact level never moves
// the cursor.
//
// exit c (exit_group; for a single-threaded actor): the actor becomes a
// zombie with status "exited c&0xff" and keeps
// its numbers in every level until reaped. Its children go to the init of
// the actor's space, at the end of that init's children list. Exit of a
// space's init (or SIGKILL delivered to it) kills the space: it stops
// accepting tasks, and every live task in it and in its descendant spaces is
// killed by SIGKILL, recursively (computed as a fixpoint, atomically). A
// dying init keeps its children and reaps each one as soon as it is
// reapable (zap_pid_ns_processes). An init is reapable only once no other
// task has a number in its space; until then a wait by its parent sees it
// as "not exited" (0).
//
// wait pid: pid -1 is any child, pid > 0 the child with that number in the
// actor's space, 0 a child in the actor's process group, -n a child in the
// group numbered n in the actor's space (no such group: no child matches,
// kernel/exit.c eligible_pid). No such child: ECHILD. A reapable zombie child is reaped and reported with
// its number in the actor's space; Expect reaps the first in children-list
// order (as do_wait does), Step accepts any reapable child. Children but
// none reapable: 0.
//
// kill pid sig: sig must be 0, 9 or 15 (else EINVAL). pid > 0 names a task
// (live or zombie) by its number in the actor's space; none: ESRCH. Signal
// 0 only probes; a zombie ignores signals. A space's init ignores signals
// from inside its space (the sender has a number there); from an ancestor
// space SIGKILL is delivered and SIGTERM ignored (sig_task_ignored,
// SIGNAL_UNKILLABLE). A delivered signal makes the target a zombie at once
// ("killed sig"). pid -1 signals every task (zombies too) whose number in
// the actor's space is above 1, except the actor; none: ESRCH
// (kill_something_info). pid 0 signals every leader in the actor's
// process group, the actor included, wherever it lives; pid -n the group
// numbered n in the actor's space; no member: ESRCH (__kill_pgrp_info).
//
// Groups and sessions (kernel/sys.c setpgid, ksys_setsid; golden file
// groups, checked on 6.18.44): each leader has a pgid and a sid, the
// handle of the leader whose struct pid names them; t0 leads both. A
// reaped task whose pid is still some leader's pgid or sid keeps its
// numbers (held) until the last such leader leaves or is reaped, so the
// space stays non-empty for zap_pid_ns_processes too: an init whose space
// holds such a number is not reapable. setpgid, setsid, getpgid, getsid
// as model/doc.go. Reaping: a zombie that becomes reapable notifies its
// parent (do_notify_parent) and is reaped at once when the parent's group
// ignores SIGCHLD (SIG_IGN or SA_NOCLDWAIT); reparenting a zombie to
// another group notifies the new parent (reparent_leader). Orphans of a
// group's last thread go to the nearest subreaper ancestor at the same
// level with a live thread, else the space's child reaper
// (find_new_reaper). clone flags, setns_children, read_last_pid and nspid
// as model/doc.go; a clone with CLONE_NEWPID creates the space before
// allocating, so ENOSPC comes before EAGAIN. A fork into a space that never
// had an init succeeds even when an ancestor space is dead (alloc_pid
// checks PIDNS_ADDING of the innermost space only; checked on 6.18).
//
// unshare: EINVAL when the actor's children space is not its active space
// (copy_pid_ns), so a second unshare fails even after a fork; ENOSPC when
// the new space's level would exceed p.MaxLevel. A new space starts with
// pid_max p.PidMax, cursor 0 and no init.
//
// setns t: t must be live (ESRCH, as model/doc.go decides; the kernel
// would also accept a zombie's /proc/<pid>/ns/pid, checked on 6.18); its
// active space must be the actor's own or a descendant of it
// (pidns_install), else EINVAL.
//
// getpid, getppid (0 when the parent is invisible, or for t0), translate
// (0 when invisible or reaped, ESRCH when never created), lookup (ESRCH
// when no task, zombies included, has the number).
//
// Threads (kernel/fork.c copy_process, kernel/exit.c, kernel/exec.c
// de_thread; golden file threads, checked on 6.18.44): thread allocates as
// fork does, in the actor's own space, after refusing with EINVAL when the
// actor's children space is not its own (CLONE_THREAD into another PID
// namespace); the new task joins the actor's thread group and is in no
// children list. getpid answers the group's number (the leader's), gettid
// the task's own; getppid the number of the group of the leader's parent.
// exit_thread: a non-leader is released at once (its numbers freed, its
// handle reaped); a leader becomes a zombie that is not reapable while its
// group has a live thread; the exiting thread's children and an init's
// child-reaper role go to the group's first live thread (leader first, then
// creation order; find_alive_thread, find_child_reaper). The group dies with
// its last live thread: the leader's status is that thread's code
// (synchronize_group_exit), or the status of exit (exit_group) or of a
// fatal signal, which end every thread at once; an init group's death kills
// its space as above. wait looks at the children of every thread of the
// actor's group (Expect: the actor's own first, then around the thread
// list). kill names a task by any thread's number and signals its group;
// kill(-1) visits group leaders only and skips the actor's group; a group
// with no live thread ignores signals; init protection covers every thread
// of init's group. exec: the other threads are released (their children go
// to the exec'ing thread); exec by a non-leader swaps numbers with the
// leader (the exec'ing thread keeps the TGID, its parent and its place in
// the children list) and releases the old leader with the exec'ing thread's
// old numbers.
//
// pid_max n: EINVAL unless p.MinMax() ≤ n ≤ p.PidMax (pid_max_min,
// pid_max_max); only the actor's own space changes. ns_last_pid n: EINVAL
// unless 0 ≤ n ≤ the space's pid_max (checked on Linux 6.18: writing
// pid_max itself is accepted); the cursor becomes n+1.
func Linux(p model.Params, pol model.Policy) Spec {
	return Spec{
		Name: "linux", Level: model.ProcessLevel, Policy: pol, Params: p,
		Init: func() State { return newLinux(p, pol) }, Rules: linuxRules,
	}
}

// taskState is where a task is in its life.
type taskState uint8

const (
	live taskState = iota
	zombie
)

// space is one PID namespace. taken is sorted and shared between states:
// replace it, never modify it.
type space struct {
	parent int // index of the parent space; -1 for the root
	level  int
	pidMax int
	cursor int
	// loose: under CyclicAlone, the cursor is not known: a fork that
	// overlapped another op (Op.Alone false) came after the last op
	// alone that set it, and may have moved it (or overwritten an
	// ns_last_pid write) in any order. A fork or write alone sets it
	// again.
	loose bool
	init  model.Handle // the child reaper; NoTask until the first task attaches
	dead  bool         // no longer accepting tasks (its init died)
	taken []int        // numbers in use at this level (live and zombie tasks)
}

// task is a live or zombie task, a process or a thread. nspid is shared
// between states. group is the thread-group leader's handle (h itself for
// a leader); only a leader has a parent and sits in a children list (a
// thread's getppid is its leader's), only a leader can be a zombie (a
// thread that exits is released at once), and a leader's exit is the
// group's status.
type task struct {
	h      model.Handle
	st     taskState
	nspid  []int // root first
	space  int   // active space
	kids   int   // children space (pid_ns_for_children)
	parent model.Handle
	group  model.Handle
	exit   model.Status

	// The thread group's (signal_struct's and sighand's) attributes, kept
	// on the group leader only: pgid and sid name the leader whose struct
	// pid is the group's process group and session (a reaped one's numbers
	// stay in held); the rest are signal->leader, the SIGCHLD disposition
	// (model.SigChld…), signal->is_child_subreaper, and whether the group
	// has exec'd (PF_FORKNOEXEC cleared).
	pgid, sid model.Handle
	sessLead  bool
	sigchld   int
	subreaper bool
	execed    bool
	// joined: its children space was set by setns to a descendant space
	// (for coverage only: never observable, so Key leaves it out).
	joined bool
	// zapped: a zombie init whose space emptied once, so that its
	// zap_pid_ns_processes returned and it went on to exit_notify: it
	// stays reapable even if a fork into an init-less descendant space
	// later takes a number in its dead space again (checked on 6.18).
	zapped bool
	// notified: a reapable zombie whose parent has been told
	// (do_notify_parent), so that its autoreap was decided. After every op
	// it equals "reapable" for every zombie, so Key leaves it out.
	notified bool
}

// heldPid is the struct pid of a reaped task that is still some task's
// process group or session: its numbers stay taken (kernel/pid.c
// free_pid runs only when no task is attached by any pid type).
type heldPid struct {
	h     model.Handle
	nspid []int
	space int
}

// linuxState is a state of the Linux spec. tasks holds live and zombie
// tasks in list order: a task's position among its siblings is its place in
// its parent's children list. gone holds reaped handles, sorted.
type linuxState struct {
	pol    model.Policy
	p      model.Params
	spaces []space
	tasks  []task
	gone   []model.Handle
	held   []heldPid // sorted by handle; shared between states: replace, never edit
	// alt: the next of the other worlds this state stands for, nil when
	// it stands for one (linux_worlds.go).
	alt *linuxState

	keyOnce sync.Once
	key     string

	cov *Cover // where hit records rules (StepCover); nil: nowhere

	pick *picker // the choices of the evaluation in progress (apply); nil outside one
	// pool: where clone finds storage to reuse, during a replay's step
	// (linux_replay.go); nil otherwise.
	pool *statePool

	// pending: numbers freed by an op whose release has not happened yet
	// (linux_defer.go), sorted; shared between states: replace, never edit.
	pending []pendingFree
	early   []int        // ops whose release came first: they free at once; sorted, shared
	zaps    []pendingZap // dying spaces whose members' deaths wait for an op's release; sorted, shared
	// deferID: while StepDeferred evaluates the op with id deferID-1,
	// its frees go to pending; 0 otherwise (never in a published state).
	deferID int
	stages  bool // with deferID: the deaths' later stages wait too (pendingZap)
}

func newLinux(p model.Params, pol model.Policy) *linuxState {
	return &linuxState{
		pol: pol, p: p,
		spaces: []space{{parent: -1, pidMax: p.PidMax, cursor: 2, init: model.Root, taken: []int{1}}},
		tasks: []task{{h: model.Root, nspid: []int{1}, parent: model.NoTask, group: model.Root,
			pgid: model.Root, sid: model.Root, sessLead: true}},
	}
}

// clone returns a shallow copy whose slices may be replaced or (for spaces
// and tasks, which are copied) edited element-wise. Its tasks have room
// for one more, which a fork appends: the copy is its own, so the append
// is too.
func (s *linuxState) clone() *linuxState {
	c := s.cloneInto(s.pool.take(), s.pool)
	s.pool.record(c)
	return c
}

// cloneInto is clone into c's storage (c is a state nothing refers to any
// more; nil: new storage), the copy drawing on pool in its own clones.
func (s *linuxState) cloneInto(c *linuxState, pool *statePool) *linuxState {
	var spaces []space
	var tasks []task
	if c == nil {
		c = new(linuxState)
	} else {
		spaces, tasks = c.spaces[:0], c.tasks[:0]
	}
	if cap(tasks) < len(s.tasks)+1 {
		room := 1
		if pool != nil {
			// A replay's storage is reused from step to step, while
			// forks add tasks: it grows as append grows a slice.
			room = len(s.tasks) + 1
		}
		tasks = make([]task, 0, len(s.tasks)+room)
	}
	*c = linuxState{
		pol: s.pol, p: s.p,
		spaces: append(spaces, s.spaces...),
		tasks:  append(tasks, s.tasks...),
		gone:   s.gone,
		held:   s.held,
		cov:    s.cov,
		pool:   pool,

		pending: s.pending,
		early:   s.early,
		zaps:    s.zaps,
		deferID: s.deferID,
		stages:  s.stages,
	}
	return c
}

// find returns the index of h among live and zombie tasks, or -1.
func (s *linuxState) find(h model.Handle) int {
	for i := range s.tasks {
		if s.tasks[i].h == h {
			return i
		}
	}
	return -1
}

func (s *linuxState) reaped(h model.Handle) bool {
	_, found := slices.BinarySearch(s.gone, h)
	return found
}

// liveTask returns the index of h if it is a live task, else -1.
func (s *linuxState) liveTask(h model.Handle) int {
	if i := s.find(h); i >= 0 && s.tasks[i].st == live {
		return i
	}
	return -1
}

// ancestorAt returns the ancestor of space sp at level l (sp itself at its
// own level), or -1 when l is deeper than sp.
func (s *linuxState) ancestorAt(sp, l int) int {
	if l > s.spaces[sp].level || l < 0 {
		return -1
	}
	for s.spaces[sp].level > l {
		sp = s.spaces[sp].parent
	}
	return sp
}

// within reports whether space sp is space anc or one of its descendants.
func (s *linuxState) within(sp, anc int) bool {
	return s.ancestorAt(sp, s.spaces[anc].level) == anc
}

// numberIn is task t's number in space sp; 0 when invisible there.
func (s *linuxState) numberIn(t *task, sp int) int {
	if !s.within(t.space, sp) {
		return 0
	}
	return t.nspid[s.spaces[sp].level]
}

// holder returns the index of the task with number n in space sp, or -1.
func (s *linuxState) holder(sp, n int) int {
	if n <= 0 {
		return -1
	}
	if _, found := slices.BinarySearch(s.spaces[sp].taken, n); !found {
		return -1
	}
	for i := range s.tasks {
		if s.numberIn(&s.tasks[i], sp) == n {
			return i
		}
	}
	return -1
}

// isInit reports whether task t belongs to its space's init: the thread
// group of the space's child reaper (every thread of init's group is
// "init" for signals, SIGNAL_UNKILLABLE being per signal_struct).
func (s *linuxState) isInit(t *task) bool {
	r := s.spaces[t.space].init
	if r == t.h {
		return true
	}
	i := s.find(r)
	return i >= 0 && s.tasks[i].group == t.group
}

// members returns the indices of the tasks of thread group g in thread-list
// order: the leader first, then the other threads in creation order (the
// order of s.tasks, in which a non-leader thread never moves).
func (s *linuxState) members(g model.Handle) []int { return s.appendMembers(nil, g) }

// appendMembers is members appended to out.
func (s *linuxState) appendMembers(out []int, g model.Handle) []int {
	if l := s.find(g); l >= 0 {
		out = append(out, l)
	}
	for i := range s.tasks {
		if s.tasks[i].group == g && s.tasks[i].h != g {
			out = append(out, i)
		}
	}
	return out
}

// groupLive reports whether thread group g has a live thread.
func (s *linuxState) groupLive(g model.Handle) bool {
	for i := range s.tasks {
		if s.tasks[i].group == g && s.tasks[i].st == live {
			return true
		}
	}
	return false
}

// tgidIn is the number of t's thread group (its leader's number) in space
// sp; 0 when invisible there.
func (s *linuxState) tgidIn(t *task, sp int) int {
	if l := s.find(t.group); l >= 0 {
		return s.numberIn(&s.tasks[l], sp)
	}
	return 0
}

// reapable reports whether zombie t may be reaped now: a zombie leader
// whose thread group has no live thread left (delay_group_leader), and,
// for an init, no other task left in its space.
func (s *linuxState) reapable(t *task) bool {
	if t.st != zombie || s.groupLive(t.group) {
		return false
	}
	return !s.isInit(t) || t.zapped || len(s.spaces[t.space].taken) == 1
}

// groupOf is the thread group of the task with handle h (h itself when h
// names no task). Key writes a parent and a child reaper by their group:
// which thread of a group is a child's parent, or its space's reaper, is
// never observable (wait is group-wide, getppid answers the group's number,
// orphans and exec keep them in the group), so states that differ only in
// that are equal.
func (s *linuxState) groupOf(h model.Handle) model.Handle {
	if i := s.find(h); i >= 0 {
		return s.tasks[i].group
	}
	return h
}

// spaceName is "s3".
func spaceName(i int) string { return "s" + strconv.Itoa(i) }

// Key implements State.
func (s *linuxState) Key() string {
	s.keyOnce.Do(func() {
		if s.alt != nil {
			s.key = s.worldsKey()
		} else {
			s.key = s.buildKey()
		}
	})
	return s.key
}

func (s *linuxState) buildKey() string {
	var b strings.Builder
	num := func(n int) { b.WriteString(strconv.Itoa(n)); b.WriteByte(',') }
	// Tasks in handle order: the list order only breaks Expect's ties (which
	// exited child wait(-1) reports first, which thread of a group inherits
	// children) and never changes what Step accepts, so states that differ
	// only in it are equal for checking.
	// Without this, n concurrent forks under Unique give n! distinct states.
	order := make([]int, len(s.tasks))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(s.tasks[a].h, s.tasks[b].h) })
	// Spaces are renumbered by first use in that task order (ancestors
	// first), so concurrent unshares linearized in different orders give
	// equal Keys; spaces no task is in or points to can never matter again
	// and are left out.
	canon := make([]int, len(s.spaces))
	for i := range canon {
		canon[i] = -1
	}
	var named []int
	var name func(sp int)
	name = func(sp int) {
		if canon[sp] >= 0 {
			return
		}
		if p := s.spaces[sp].parent; p >= 0 {
			name(p)
		}
		canon[sp] = len(named)
		named = append(named, sp)
	}
	name(0)
	for _, i := range order {
		name(s.tasks[i].space)
		name(s.tasks[i].kids)
	}
	for _, hp := range s.held {
		name(hp.space)
	}
	for _, p := range s.pending {
		if p.space >= 0 {
			name(p.space)
		}
	}
	for _, z := range s.zaps {
		name(z.space)
	}
	for _, i := range named {
		sp := &s.spaces[i]
		b.WriteByte('S')
		if sp.parent >= 0 {
			num(canon[sp.parent])
		}
		num(sp.pidMax)
		switch {
		case s.pol == model.Cyclic || (s.pol == model.CyclicAlone && !sp.loose):
			num(sp.cursor)
		case s.pol == model.CyclicAlone:
			b.WriteByte('?')
		}
		num(int(s.groupOf(sp.init)))
		if sp.dead {
			b.WriteByte('d')
		}
	}
	for _, i := range order {
		t := &s.tasks[i]
		b.WriteByte('T')
		num(int(t.h))
		num(int(t.st))
		for _, n := range t.nspid {
			b.WriteByte(':')
			num(n)
		}
		num(canon[t.space])
		num(canon[t.kids])
		num(int(s.groupOf(t.parent)))
		num(int(t.group))
		if t.st == zombie {
			num(t.exit.Code)
			num(t.exit.Signal)
			if t.zapped {
				b.WriteByte('z')
			}
		}
		if t.h == t.group {
			b.WriteByte('P')
			num(int(t.pgid))
			num(int(t.sid))
			num(t.sigchld)
			for _, f := range []bool{t.sessLead, t.subreaper, t.execed} {
				if f {
					b.WriteByte('1')
				} else {
					b.WriteByte('0')
				}
			}
		}
	}
	b.WriteByte('H')
	for _, hp := range s.held {
		num(int(hp.h))
		for _, n := range hp.nspid {
			b.WriteByte(':')
			num(n)
		}
		num(canon[hp.space])
	}
	b.WriteByte('G')
	for _, h := range s.gone {
		num(int(h))
	}
	if len(s.pending) > 0 {
		b.WriteByte('D')
		for _, p := range s.pending {
			num(p.id)
			if p.space >= 0 {
				num(canon[p.space])
			} else {
				num(p.space) // the mark that the op ran
			}
			num(p.n)
		}
	}
	if len(s.zaps) > 0 {
		b.WriteByte('Z')
		for _, z := range s.zaps {
			num(z.id)
			num(canon[z.space])
		}
	}
	if len(s.early) > 0 {
		b.WriteByte('E')
		for _, id := range s.early {
			num(id)
		}
	}
	return b.String()
}

// Hash is a 64-bit hash of a state's Key, for porcupine.
func Hash(st State) uint64 {
	h := fnv.New64a()
	h.Write([]byte(st.Key()))
	return h.Sum64()
}

// String implements State.
func (s *linuxState) String() string {
	var b strings.Builder
	for i, sp := range s.spaces {
		par := "root"
		if sp.parent >= 0 {
			par = "child of " + spaceName(sp.parent)
		}
		fmt.Fprintf(&b, "%s (level %d, %s): pid_max %d, cursor %d, init %s", spaceName(i), sp.level, par, sp.pidMax, sp.cursor, sp.init)
		if sp.dead {
			b.WriteString(", dead")
		}
		fmt.Fprintf(&b, ", taken %s\n", model.FormatInts(sp.taken))
	}
	for _, t := range s.tasks {
		fmt.Fprintf(&b, "%s NSpid %s in %s", t.h, model.FormatInts(t.nspid), spaceName(t.space))
		if t.kids != t.space {
			fmt.Fprintf(&b, " (children in %s)", spaceName(t.kids))
		}
		if t.group != t.h {
			fmt.Fprintf(&b, ", thread of %s", t.group)
		} else {
			fmt.Fprintf(&b, ", parent %s", t.parent)
			// t0's group and session, which every task starts in, go unsaid.
			if t.pgid != model.Root {
				fmt.Fprintf(&b, ", pgid %s", t.pgid)
			}
			if t.sid != model.Root {
				fmt.Fprintf(&b, ", sid %s", t.sid)
			}
			if t.sessLead && t.h != model.Root {
				b.WriteString(", session leader")
			}
			if t.sigchld != model.SigChldDefault {
				fmt.Fprintf(&b, ", SIGCHLD %s", model.Op{Kind: model.SigChld, N: t.sigchld}.String()[len("t0 sigchld "):])
			}
			if t.subreaper {
				b.WriteString(", subreaper")
			}
			if t.execed {
				b.WriteString(", exec'd")
			}
		}
		if t.st == zombie {
			fmt.Fprintf(&b, ", zombie (%s)", t.exit)
			if !s.reapable(&t) {
				b.WriteString(", not yet reapable")
			}
		}
		b.WriteByte('\n')
	}
	for _, hp := range s.held {
		fmt.Fprintf(&b, "%s's pid %s in %s still held as a group or session id\n", hp.h, model.FormatInts(hp.nspid), spaceName(hp.space))
	}
	if len(s.gone) > 0 {
		hs := make([]string, len(s.gone))
		for i, h := range s.gone {
			hs[i] = h.String()
		}
		fmt.Fprintf(&b, "reaped: %s\n", strings.Join(hs, " "))
	}
	return strings.TrimSuffix(b.String(), "\n")
}
