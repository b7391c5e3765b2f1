package pspace2006

import (
	"fmt"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// MaxHandle bounds the handles a fork may create (the task table is
// indexed by handle): a larger child handle is EINVAL, as in the spec.
const MaxHandle = 1 << 16

// Bug selects a zoo variant; None is the correct implementation.
type Bug uint8

// The zoo variants (each told in its zoo_*.go file).
const (
	None              Bug = iota
	WaitInner             // zoo_wait_inner.go
	KillGroupEscape       // zoo_kill_group_escape.go
	WaitIDFreedAtExit     // zoo_wait_id_freed_at_exit.go
)

type taskState uint8

const (
	absent taskState = iota
	live
	zombie
	reaped
)

type task struct {
	state  taskState
	space  int
	num    int
	wid    int // leaders: the wait ID in the parent pspace
	parent model.Handle
	order  int
	armed  bool
	status model.Status
}

// pspace is one PID space: its own allocator (numbers, cursor, pid_max
// under its own lock) and its own pid hash (under tasklist), in which a
// child pspace's leader appears by its wait ID.
type pspace struct {
	lock   sched.Mutex // the allocator's lock
	used   map[int]bool
	next   sched.Int64
	pidMax sched.Int64

	parent int
	level  int
	leader model.Handle
	dead   bool
	hash   map[int]model.Handle
}

// System is a kernel with Biederman's pspaces.
type System struct {
	env sched.Env
	p   model.Params
	bug Bug

	// tasklist protects tasks, the pspace tree (spaces and each one's hash,
	// leader, dead) and seq. A pspace's allocator has its own lock, taken
	// inside tasklist or alone.
	tasklist sched.RWMutex
	tasks    []*task
	spaces   []*pspace
	seq      int
}

// New returns a correct pspace system, or the zoo variant bug.
func New(env sched.Env, p model.Params, bug Bug) *System {
	s := &System{env: env, p: p, bug: bug, seq: 1}
	s.tasklist = env.NewRWMutex("tasklist")
	root := s.newSpace(-1, 0, model.Root)
	root.used[1] = true
	root.next.Store(2)
	root.hash[1] = model.Root
	s.tasks = []*task{{state: live, num: 1, parent: model.NoTask}}
	return s
}

func (s *System) newSpace(parent, level int, leader model.Handle) *pspace {
	i := len(s.spaces)
	sp := &pspace{
		lock:   s.env.NewMutex(fmt.Sprintf("s%d.pidmap_lock", i)),
		used:   map[int]bool{},
		next:   s.env.NewInt64(fmt.Sprintf("s%d.last_pid+1", i), 0),
		pidMax: s.env.NewInt64(fmt.Sprintf("s%d.pid_max", i), int64(s.p.PidMax)),
		parent: parent, level: level, leader: leader,
		hash: map[int]model.Handle{},
	}
	s.spaces = append(s.spaces, sp)
	return sp
}

// alloc is the pspace's alloc_pidmap: cyclic from the cursor, wrapping
// once to the floor (or 1 while the cursor is below it). 0 when full.
func (sp *pspace) alloc(floor int) int {
	sp.lock.Lock()
	defer sp.lock.Unlock()
	limit := int(sp.pidMax.Load())
	next := int(sp.next.Load())
	lo := 1
	if next > floor {
		lo = floor
	}
	start := max(next, lo)
	scan := func(from int) int {
		for n := from; n < limit; n++ {
			if !sp.used[n] {
				sp.used[n] = true
				sp.next.Store(int64(n + 1))
				return n
			}
		}
		return 0
	}
	if n := scan(start); n != 0 {
		return n
	}
	if start > lo {
		return scan(lo)
	}
	return 0
}

func (sp *pspace) claim(n int) bool {
	sp.lock.Lock()
	defer sp.lock.Unlock()
	if sp.used[n] {
		return false
	}
	sp.used[n] = true
	return true
}

func (sp *pspace) free(n int) {
	sp.lock.Lock()
	delete(sp.used, n)
	sp.lock.Unlock()
}

func (s *System) get(h model.Handle) *task {
	if h < 0 || int(h) >= len(s.tasks) || s.tasks[h] == nil {
		return nil
	}
	return s.tasks[h]
}

func (s *System) liveTask(h model.Handle) *task {
	if t := s.get(h); t != nil && t.state == live {
		return t
	}
	return nil
}

func (s *System) isLeader(h model.Handle) bool {
	t := s.get(h)
	return t != nil && s.spaces[t.space].leader == h
}

// num is t's number in pspace view: its own, or its wait ID from the
// parent pspace, else 0 (tasklist held).
func (s *System) num(view int, t *task) int {
	switch {
	case t.state != live && t.state != zombie:
		return 0
	case t.space == view:
		return t.num
	case t.wid != 0 && s.spaces[t.space].parent == view:
		return t.wid
	}
	return 0
}

func (s *System) find(view, n int) model.Handle {
	if h, ok := s.spaces[view].hash[n]; ok && n > 0 {
		return h
	}
	return model.NoTask
}

func (s *System) within(sp, anc int) bool {
	for ; sp >= 0; sp = s.spaces[sp].parent {
		if sp == anc {
			return true
		}
	}
	return false
}

func (s *System) reapable(h model.Handle) bool {
	t := s.get(h)
	if t == nil || t.state != zombie {
		return false
	}
	if !s.isLeader(h) {
		return true
	}
	return len(s.spaces[t.space].hash) == 1
}

func (s *System) zombify(h model.Handle, st model.Status) {
	t := s.get(h)
	t.state, t.status, t.armed = zombie, st, false
	if s.bug == WaitIDFreedAtExit && t.wid != 0 {
		s.spaces[s.spaces[t.space].parent].free(t.wid)
	}
	if s.isLeader(h) {
		return
	}
	reaper := s.spaces[t.space].leader
	for _, c := range s.tasks {
		if c != nil && c.parent == h && (c.state == live || c.state == zombie) {
			c.parent, c.order = reaper, s.seq
			s.seq++
		}
	}
}

// release frees the task's numbers: its own, and a leader's wait ID.
func (s *System) release(h model.Handle) {
	t := s.get(h)
	t.state = reaped
	sp := s.spaces[t.space]
	delete(sp.hash, t.num)
	sp.free(t.num)
	if t.wid != 0 {
		up := s.spaces[sp.parent]
		delete(up.hash, t.wid)
		if s.bug != WaitIDFreedAtExit {
			up.free(t.wid)
		}
	}
}

// settle kills the pspaces whose leader died and lets a dying leader reap
// its children (tasklist held).
func (s *System) settle() {
	for changed := true; changed; {
		changed = false
		for si, sp := range s.spaces {
			if sp.dead || s.tasks[sp.leader].state == live {
				continue
			}
			sp.dead, changed = true, true
			for i, t := range s.tasks {
				if t != nil && t.state == live && s.num(si, t) != 0 {
					s.zombify(model.Handle(i), model.Status{Signal: 9})
				}
			}
		}
		for i, t := range s.tasks {
			if t == nil || t.state != zombie || t.parent == model.NoTask {
				continue
			}
			p := s.get(t.parent)
			if p.state != live && s.isLeader(t.parent) && s.spaces[p.space].dead && s.reapable(model.Handle(i)) {
				s.release(model.Handle(i))
				changed = true
			}
		}
	}
}

// Apply performs one op.
func (s *System) Apply(op model.Op) model.Result {
	switch op.Kind {
	case model.Fork, model.ForkWithTid:
		return s.fork(op)
	case model.GetPid, model.GetPPid, model.Translate, model.Lookup:
		s.tasklist.RLock()
		defer s.tasklist.RUnlock()
		return s.read(op)
	case model.Kill:
		if s.bug == KillGroupEscape && op.Pid <= -1 {
			return s.killGroupEscape(op)
		}
	}
	if op.Kind.Level() != model.ProcessLevel {
		return model.Fail(model.EINVAL)
	}
	s.tasklist.Lock()
	defer s.tasklist.Unlock()
	a := s.liveTask(op.Task)
	if a == nil {
		return model.Fail(model.ESRCH)
	}
	sp := s.spaces[a.space]
	switch op.Kind {
	case model.Exit:
		s.zombify(op.Task, model.Status{Code: op.Code})
		s.settle()
		return model.Result{}
	case model.Wait:
		return s.wait(op, a)
	case model.Kill:
		targets, e := s.targets(op, a)
		if e != model.OK {
			return model.Fail(e)
		}
		s.deliver(op, a, targets)
		return model.Result{}
	case model.Unshare:
		switch {
		case a.armed:
			return model.Fail(model.EINVAL)
		case sp.level+1 > s.p.MaxLevel:
			return model.Fail(model.ENOSPC)
		}
		a.armed = true
		return model.Result{}
	case model.SetNs:
		t := s.liveTask(op.Target)
		if t == nil {
			return model.Fail(model.ESRCH)
		}
		if t.space != a.space {
			return model.Fail(model.EINVAL)
		}
		a.armed = false
		return model.Result{}
	case model.SetPidMax:
		if op.N <= s.p.Floor || op.N > s.p.PidMax {
			return model.Fail(model.EINVAL)
		}
		sp.pidMax.Store(int64(op.N))
		return model.Result{}
	case model.SetLastPid:
		if op.N < 0 || op.N > int(sp.pidMax.Load()) {
			return model.Fail(model.EINVAL)
		}
		sp.lock.Lock()
		sp.next.Store(int64(op.N + 1))
		sp.lock.Unlock()
		return model.Result{}
	}
	return model.Fail(model.EINVAL)
}

func (s *System) read(op model.Op) model.Result {
	a := s.liveTask(op.Task)
	if a == nil {
		return model.Fail(model.ESRCH)
	}
	switch op.Kind {
	case model.GetPid:
		return model.Result{N: a.num}
	case model.GetPPid:
		if p := s.get(a.parent); p != nil {
			return model.Result{N: s.num(a.space, p)}
		}
		return model.Result{}
	case model.Translate:
		t := s.get(op.Target)
		if t == nil || t.state == absent {
			return model.Fail(model.ESRCH)
		}
		return model.Result{N: s.num(a.space, t)}
	}
	if h := s.find(a.space, op.Pid); h != model.NoTask {
		return model.Result{Task: h}
	}
	return model.Fail(model.ESRCH)
}

func (s *System) checkFork(op model.Op) (*task, model.Errno) {
	a := s.liveTask(op.Task)
	if a == nil {
		return nil, model.ESRCH
	}
	if c := s.get(op.Child); op.Child < 0 || op.Child >= MaxHandle || (c != nil && c.state != absent) {
		return nil, model.EINVAL
	}
	return a, model.OK
}

// fork allocates the child's number (or a leader's wait ID) in the actor's
// pspace and attaches the child — creating the new pspace and linking the
// wait ID when the actor had unshared — all under tasklist, so a fork is
// one step for every observer.
func (s *System) fork(op model.Op) model.Result {
	s.tasklist.Lock()
	defer s.tasklist.Unlock()
	a, e := s.checkFork(op)
	if e != model.OK {
		return model.Fail(e)
	}
	home := s.spaces[a.space]
	n := 0
	if op.Kind == model.ForkWithTid {
		if n, e = s.withTid(op, a, home); e != model.OK {
			return model.Fail(e)
		}
	} else if n = home.alloc(s.p.Floor); n == 0 {
		return model.Fail(model.EAGAIN)
	}
	if home.dead { // cannot happen while the actor lives; kept as alloc_pid's PIDNS_ADDING check
		home.free(n)
		return model.Fail(model.ENOMEM)
	}
	for int(op.Child) >= len(s.tasks) {
		s.tasks = append(s.tasks, nil)
	}
	t := &task{state: live, space: a.space, num: n, parent: op.Task, order: s.seq}
	s.seq++
	s.tasks[op.Child] = t
	if !a.armed {
		home.hash[n] = op.Child
		return model.Result{NSpid: []int{n}}
	}
	a.armed = false
	inner := s.newSpace(a.space, home.level+1, op.Child)
	inner.used[1] = true
	inner.next.Store(2)
	inner.hash[1] = op.Child
	t.space, t.num, t.wid = len(s.spaces)-1, 1, n
	home.hash[n] = op.Child // the wait-ID link
	return model.Result{NSpid: []int{n, 1}}
}

// withTid validates and claims a set_tid request (tasklist held): [n], or
// [1] / [1 wid] for a leader.
func (s *System) withTid(op model.Op, a *task, home *pspace) (int, model.Errno) {
	tids := op.Tids
	if a.armed {
		if len(tids) < 1 || len(tids) > 2 || tids[0] != 1 {
			return 0, model.EINVAL
		}
		tids = tids[1:]
	} else if len(tids) != 1 {
		return 0, model.EINVAL
	}
	if len(tids) == 0 {
		if n := home.alloc(s.p.Floor); n != 0 {
			return n, model.OK
		}
		return 0, model.EAGAIN
	}
	n := tids[0]
	if n < 1 || n >= int(home.pidMax.Load()) {
		return 0, model.EINVAL
	}
	if !home.claim(n) {
		return 0, model.EEXIST
	}
	return n, model.OK
}

func (s *System) children(h model.Handle) []model.Handle {
	var out []model.Handle
	for i, t := range s.tasks {
		if t != nil && t.parent == h && (t.state == live || t.state == zombie) {
			out = append(out, model.Handle(i))
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && s.tasks[out[j]].order < s.tasks[out[j-1]].order; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (s *System) wait(op model.Op, a *task) model.Result {
	if op.Pid != -1 && op.Pid <= 0 {
		return model.Fail(model.EINVAL)
	}
	kids := s.children(op.Task)
	if len(kids) == 0 {
		return model.Fail(model.ECHILD)
	}
	reap := func(h model.Handle) model.Result {
		t := s.get(h)
		n := s.num(a.space, t)
		if s.bug == WaitInner {
			n = t.num
		}
		r := model.Result{N: n, Status: t.status}
		s.release(h)
		s.settle()
		return r
	}
	switch {
	case op.Pid == -1:
		for _, k := range kids {
			if s.reapable(k) {
				return reap(k)
			}
		}
		return model.Result{}
	case op.Pid > 0:
		for _, k := range kids {
			if s.num(a.space, s.get(k)) == op.Pid {
				if s.reapable(k) {
					return reap(k)
				}
				return model.Result{}
			}
		}
	}
	return model.Fail(model.ECHILD)
}

// targets resolves a kill's pid in the sender's pspace (tasklist held).
func (s *System) targets(op model.Op, a *task) ([]model.Handle, model.Errno) {
	if op.Sig != 0 && op.Sig != 9 && op.Sig != 15 {
		return nil, model.EINVAL
	}
	if op.Pid == 0 {
		return nil, model.EINVAL
	}
	var out []model.Handle
	switch {
	case op.Pid > 0:
		if h := s.find(a.space, op.Pid); h != model.NoTask {
			out = append(out, h)
		}
	case op.Pid == -1:
		for i, t := range s.tasks {
			if t != nil && model.Handle(i) != op.Task && s.num(a.space, t) > 1 {
				out = append(out, model.Handle(i))
			}
		}
	case op.Pid < -1:
		if h := s.find(a.space, -op.Pid); h != model.NoTask && s.get(h).space != a.space {
			inner := s.get(h).space
			for i, t := range s.tasks {
				if t != nil && (t.state == live || t.state == zombie) && s.within(t.space, inner) {
					out = append(out, model.Handle(i))
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, model.ESRCH
	}
	return out, model.OK
}

// deliver sends op.Sig to targets (tasklist held).
func (s *System) deliver(op model.Op, a *task, targets []model.Handle) {
	if op.Sig == 0 {
		return
	}
	for _, h := range targets {
		t := s.get(h)
		if t.state != live {
			continue
		}
		if s.isLeader(h) && (t.space == a.space || op.Sig != 9) {
			continue
		}
		s.zombify(h, model.Status{Signal: op.Sig})
	}
	s.settle()
}

// Validate checks that every pspace's allocator and hash agree with the
// task list (at a quiescent point).
func (s *System) Validate() error {
	s.tasklist.RLock()
	defer s.tasklist.RUnlock()
	want := make([]int, len(s.spaces))
	for i, t := range s.tasks {
		if t == nil || (t.state != live && t.state != zombie) {
			continue
		}
		if s.spaces[t.space].hash[t.num] != model.Handle(i) {
			return fmt.Errorf("t%d: (s%d, %d) is not in the pid hash", i, t.space, t.num)
		}
		want[t.space]++
		if t.wid != 0 {
			up := s.spaces[t.space].parent
			if s.spaces[up].hash[t.wid] != model.Handle(i) {
				return fmt.Errorf("t%d: wait ID (s%d, %d) is not linked", i, up, t.wid)
			}
			want[up]++
		}
	}
	for i, sp := range s.spaces {
		sp.lock.Lock()
		n := len(sp.used)
		sp.lock.Unlock()
		if n != want[i] || len(sp.hash) != want[i] {
			return fmt.Errorf("s%d: %d numbers allocated, %d hashed, tasks hold %d", i, n, len(sp.hash), want[i])
		}
	}
	return nil
}

var (
	_ model.Impl      = (*System)(nil)
	_ model.Validator = (*System)(nil)
)
