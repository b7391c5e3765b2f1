package pspace2006

import (
	"fmt"

	"github.com/pidcheck/pidcheck/alloc/internal/proc"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// Bug names a zoo variant of pspace2006 by its registry name. Each is declared,
// with its story, in its own zoo_*.go file.
type Bug string

// String is the variant's registry name.
func (b Bug) String() string { return string(b) }

// task is a task_struct: it lives in one pspace, Home, with number num
// there.
type task struct {
	proc.Task
	num   int
	wid   int  // leaders: the wait ID in the parent pspace
	armed bool // unshare was called: the next fork creates a pspace
}

// pspace is one PID space: its own allocator (numbers, cursor, pid_max
// under its own lock) and its own pid hash (under tasklist), in which a
// child pspace's leader appears by its wait ID.
type pspace struct {
	lock   sched.Mutex // the allocator's lock
	used   map[int]bool
	next   sched.Int64
	pidMax sched.Int64

	proc.Space // Leader, Dead
	parent     int
	level      int
	hash       map[int]model.Handle
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
	tasks    proc.Table[task]
	spaces   []*pspace
	seq      int
}

// New returns a correct pspace system: the root pspace, with t0 as 1.
func New(env sched.Env, p model.Params) *System {
	s := &System{env: env, p: p, seq: 1}
	s.tasklist = env.NewRWMutex("tasklist")
	root := s.newSpace(-1, 0, model.Root)
	root.used[1] = true
	root.next.Store(2)
	root.hash[1] = model.Root
	s.tasks.Add(model.Root, &task{Task: proc.Task{State: proc.Live, Parent: model.NoTask}, num: 1})
	return s
}

// NewZoo returns the system with the zoo bug switched on (WaitInner, …).
func NewZoo(env sched.Env, p model.Params, bug Bug) *System {
	s := New(env, p)
	s.bug = bug
	return s
}

func (s *System) newSpace(parent, level int, leader model.Handle) *pspace {
	i := len(s.spaces)
	sp := &pspace{
		lock:   s.env.NewMutex(fmt.Sprintf("s%d.pidmap_lock", i)),
		used:   map[int]bool{},
		next:   s.env.NewInt64(fmt.Sprintf("s%d.last_pid+1", i), 0),
		pidMax: s.env.NewInt64(fmt.Sprintf("s%d.pid_max", i), int64(s.p.PidMax)),
		Space:  proc.Space{Leader: leader},
		parent: parent, level: level,
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

func (s *System) get(h model.Handle) *task { return s.tasks.Get(h) }

func (s *System) liveTask(h model.Handle) *task {
	if t := s.get(h); t != nil && t.State == proc.Live {
		return t
	}
	return nil
}

// num is t's number in pspace view: its own, or its wait ID from the
// parent pspace, else 0 (tasklist held).
func (s *System) num(view int, t *task) int {
	switch {
	case !t.Exists():
		return 0
	case t.Home == view:
		return t.num
	case t.wid != 0 && s.spaces[t.Home].parent == view:
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

// release frees the task's numbers: its own, and a leader's wait ID.
func (s *System) release(h model.Handle) {
	t := s.get(h)
	t.State = proc.Reaped
	sp := s.spaces[t.Home]
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

// world is the System as proc's life-cycle rules see it (tasklist held):
// a task is visible in a pspace where it has a number, so a dying pspace
// kills the pspaces nested in it too.
type world struct{ *System }

func (w world) NumTasks() int { return w.tasks.Len() }

func (w world) TaskAt(i int) (model.Handle, *proc.Task) {
	h, t := w.tasks.At(i)
	return h, &t.Task
}

func (w world) Task(h model.Handle) *proc.Task {
	if t := w.get(h); t != nil {
		return &t.Task
	}
	return nil
}

func (w world) NumSpaces() int                        { return len(w.spaces) }
func (w world) Space(i int) *proc.Space               { return &w.spaces[i].Space }
func (w world) Visible(view int, h model.Handle) bool { return w.num(view, w.get(h)) != 0 }
func (w world) Num(view int, h model.Handle) int      { return w.num(view, w.get(h)) }
func (w world) Find(view, n int) model.Handle         { return w.find(view, n) }
func (w world) Release(h model.Handle)                { w.release(h) }

// Alone: h is the only task its pspace's hash holds.
func (w world) Alone(h model.Handle) bool { return len(w.spaces[w.get(h).Home].hash) == 1 }

// ReapNum is the number wait reports: the child's number in the waiter's
// pspace (the WaitInner zoo variant reports its own inner number).
func (w world) ReapNum(view int, h model.Handle) int {
	t := w.get(h)
	n := w.num(view, t)
	if w.bug == WaitInner {
		n = t.num
	}
	return n
}

// Zombified disarms a pending unshare (the WaitIDFreedAtExit zoo variant
// also frees a leader's wait ID here, at exit instead of at reap).
func (w world) Zombified(h model.Handle) {
	t := w.get(h)
	t.armed = false
	if w.bug == WaitIDFreedAtExit && t.wid != 0 {
		w.spaces[w.spaces[t.Home].parent].free(t.wid)
	}
}

func (w world) NextOrder() int {
	w.seq++
	return w.seq - 1
}

// Apply performs one op.
func (s *System) Apply(op model.Op) model.Result {
	switch op.Kind {
	case model.Fork, model.ForkWithTid:
		return s.fork(op)
	case model.GetPid, model.GetPPid, model.Translate, model.Lookup:
		s.tasklist.RLock()
		defer s.tasklist.RUnlock()
		return proc.Read(world{s}, op)
	case model.Kill:
		if s.bug == KillGroupEscape && op.Pid <= -1 {
			return s.killGroupEscape(op)
		}
	}
	if op.Kind == 0 || op.Kind.Level() != model.ProcessLevel { // kind 0 is no op at all
		return model.Fail(model.EINVAL)
	}
	s.tasklist.Lock()
	defer s.tasklist.Unlock()
	a := s.liveTask(op.Task)
	if a == nil {
		return model.Fail(model.ESRCH)
	}
	sp := s.spaces[a.Home]
	switch op.Kind {
	case model.Exit:
		proc.Zombify(world{s}, op.Task, model.Status{Code: op.Code})
		proc.Settle(world{s})
		return model.Result{}
	case model.Wait:
		return proc.Wait(world{s}, op, a.Home)
	case model.Kill:
		targets, e := s.targets(op, a)
		if e != model.OK {
			return model.Fail(e)
		}
		proc.Deliver(world{s}, op.Sig, a.Home, targets)
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
		if t.Home != a.Home {
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

// checkFork validates the actor and the child handle (tasklist held).
func (s *System) checkFork(op model.Op) (*task, model.Errno) {
	if e := proc.CheckFork(world{s}, op); e != model.OK {
		return nil, e
	}
	return s.get(op.Task), model.OK
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
	home := s.spaces[a.Home]
	n := 0
	if op.Kind == model.ForkWithTid {
		if n, e = s.withTid(op, a, home); e != model.OK {
			return model.Fail(e)
		}
	} else if n = home.alloc(s.p.Floor); n == 0 {
		return model.Fail(model.EAGAIN)
	}
	if home.Dead { // cannot happen while the actor lives; kept as alloc_pid's PIDNS_ADDING check
		home.free(n)
		return model.Fail(model.ENOMEM)
	}
	t := &task{Task: proc.Task{State: proc.Live, Home: a.Home, Parent: op.Task, Order: s.seq}, num: n}
	s.seq++
	s.tasks.Add(op.Child, t)
	if !a.armed {
		home.hash[n] = op.Child
		return model.Result{NSpid: []int{n}}
	}
	a.armed = false
	inner := s.newSpace(a.Home, home.level+1, op.Child)
	inner.used[1] = true
	inner.next.Store(2)
	inner.hash[1] = op.Child
	t.Home, t.num, t.wid = len(s.spaces)-1, 1, n
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
		if h := s.find(a.Home, op.Pid); h != model.NoTask {
			out = append(out, h)
		}
	case op.Pid == -1:
		for i := range s.tasks.Len() {
			if h, t := s.tasks.At(i); h != op.Task && s.num(a.Home, t) > 1 {
				out = append(out, h)
			}
		}
	case op.Pid < -1:
		if h := s.find(a.Home, -op.Pid); h != model.NoTask && s.get(h).Home != a.Home {
			inner := s.get(h).Home
			for i := range s.tasks.Len() {
				if h, t := s.tasks.At(i); t.Exists() && s.within(t.Home, inner) {
					out = append(out, h)
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, model.ESRCH
	}
	return out, model.OK
}

// Validate checks that every pspace's allocator and hash agree with the
// task list (at a quiescent point).
func (s *System) Validate() error {
	s.tasklist.RLock()
	defer s.tasklist.RUnlock()
	want := make([]int, len(s.spaces))
	for i := range s.tasks.Len() {
		h, t := s.tasks.At(i)
		if !t.Exists() {
			continue
		}
		if s.spaces[t.Home].hash[t.num] != h {
			return fmt.Errorf("%s: (s%d, %d) is not in the pid hash", h, t.Home, t.num)
		}
		want[t.Home]++
		if t.wid != 0 {
			up := s.spaces[t.Home].parent
			if s.spaces[up].hash[t.wid] != h {
				return fmt.Errorf("%s: wait ID (s%d, %d) is not linked", h, up, t.wid)
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
	_ proc.World      = world{}
)
