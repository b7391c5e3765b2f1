package openvz

import (
	"fmt"

	"github.com/pidcheck/pidcheck/alloc/internal/proc"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// VPIDBit is OpenVZ's VPID_DIV (1 << VPID_BIT, VPID_BIT = 10).
const VPIDBit = 1 << 10

// Bug names a zoo variant of openvz by its registry name. Each is declared,
// with its story, in its own zoo_*.go file.
type Bug string

// String is the variant's registry name.
func (b Bug) String() string { return string(b) }

// task is a task_struct: it keeps its global number only; its virtual
// number lives in the translation map. Its space, Home, is 0 for the host
// and c > 0 for container c; childCt is where its children go.
type task struct {
	proc.Task
	pid     int
	childCt int
}

// container is a VE; its Leader is its init. Index 0 is the host.
type container struct {
	proc.Space
}

type vkey struct{ ct, vpid int }

// System is an OpenVZ kernel: one global pidmap, a task list, and a
// translation map between virtual and global numbers.
type System struct {
	env sched.Env
	p   model.Params
	bug Bug

	// The global allocator: a bitmap of 64-bit words and a cursor, both
	// changed only under pidmapLock (2006's pidmap_lock).
	pidmapLock sched.Mutex
	words      []sched.Int64
	next       sched.Int64 // the next number to try
	pidMax     sched.Int64

	// tasklist (tasklist_lock) protects tasks, byPid, cts and seq.
	tasklist sched.RWMutex
	tasks    proc.Table[task]
	byPid    map[int]model.Handle // the global pid hash
	cts      []container
	seq      int

	// vpidLock protects the translation maps, vmap (container, vpid) →
	// global and rmap global → vpid. Taken inside tasklist, never the other
	// way round.
	vpidLock sched.Mutex
	vmap     map[vkey]int
	rmap     map[int]int
}

// New returns a correct OpenVZ system: the host, with t0 as global 1.
func New(env sched.Env, p model.Params) *System {
	s := &System{env: env, p: p}
	s.pidmapLock = env.NewMutex("pidmap_lock")
	nw := (p.PidMax + 63) / 64
	s.words = make([]sched.Int64, nw)
	for i := range s.words {
		s.words[i] = env.NewInt64(fmt.Sprintf("pidmap[%d]", i), 0)
	}
	s.words[0].Or(1 << 1) // t0 is global 1
	s.next = env.NewInt64("last_pid+1", 2)
	s.pidMax = env.NewInt64("pid_max", int64(p.PidMax))
	s.tasklist = env.NewRWMutex("tasklist")
	s.tasks.Add(model.Root, &task{Task: proc.Task{State: proc.Live, Parent: model.NoTask}, pid: 1})
	s.byPid = map[int]model.Handle{1: model.Root}
	s.cts = []container{{proc.Space{Leader: model.Root}}}
	s.seq = 1
	s.vpidLock = env.NewMutex("vpid_lock")
	s.vmap = map[vkey]int{}
	s.rmap = map[int]int{}
	return s
}

// NewZoo returns the system with the zoo bug switched on (MapAfterVisible, …).
func NewZoo(env sched.Env, p model.Params, bug Bug) *System {
	s := New(env, p)
	s.bug = bug
	return s
}

// isFree reads bit n of the pidmap (pidmapLock held).
func (s *System) isFree(n int) bool {
	return s.words[n/64].Load()&(1<<(n%64)) == 0
}

// allocGlobal is alloc_pidmap: cyclic from the cursor, wrapping once to the
// floor (or 1 while the cursor is still below it), skipping numbers with
// the VPID bit. 0 when the space is full.
func (s *System) allocGlobal() int {
	s.pidmapLock.Lock()
	defer s.pidmapLock.Unlock()
	limit := int(s.pidMax.Load())
	next := int(s.next.Load())
	lo := 1
	if next > s.p.Floor {
		lo = s.p.Floor
	}
	start := max(next, lo)
	scan := func(from int) int {
		for n := from; n < limit; n++ {
			if n&VPIDBit == 0 && s.isFree(n) {
				s.words[n/64].Or(1 << (n % 64))
				s.next.Store(int64(n + 1))
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

// claimGlobal takes exactly n (set_tid); false when taken.
func (s *System) claimGlobal(n int) bool {
	s.pidmapLock.Lock()
	defer s.pidmapLock.Unlock()
	return s.words[n/64].Or(1<<(n%64))&(1<<(n%64)) == 0
}

func (s *System) freeGlobal(n int) {
	s.pidmapLock.Lock()
	s.words[n/64].And(^(1 << (n % 64)))
	s.pidmapLock.Unlock()
}

func (s *System) get(h model.Handle) *task { return s.tasks.Get(h) }

func (s *System) liveTask(h model.Handle) *task {
	if t := s.get(h); t != nil && t.State == proc.Live {
		return t
	}
	return nil
}

// vpidOf is pid_to_vpid for a task of a container (vpidLock taken here).
func (s *System) vpidOf(g int) int {
	s.vpidLock.Lock()
	defer s.vpidLock.Unlock()
	return s.rmap[g]
}

// num is t's number as seen from space view (tasklist held).
func (s *System) num(view int, t *task) int {
	switch {
	case !t.Exists():
		return 0
	case view == 0:
		return t.pid
	case t.Home == view:
		return s.vpidOf(t.pid)
	}
	return 0
}

// find is find_task_by_vpid in space view (tasklist held).
func (s *System) find(view, n int) model.Handle {
	if n <= 0 {
		return model.NoTask
	}
	g := n
	if view != 0 {
		if s.bug == KillGlobalLeak && n&VPIDBit == 0 && n != 1 {
			// linear mode shortcut: "a number without the VPID bit is global"
			if h, ok := s.byPid[n]; ok {
				return h
			}
			return model.NoTask
		}
		s.vpidLock.Lock()
		var ok bool
		g, ok = s.vmap[vkey{view, n}]
		s.vpidLock.Unlock()
		if !ok {
			return model.NoTask
		}
	}
	if h, ok := s.byPid[g]; ok {
		return h
	}
	return model.NoTask
}

// release is release_task: the number goes back to the pidmap and the
// translation map forgets it (tasklist held).
func (s *System) release(h model.Handle) {
	t := s.get(h)
	t.State = proc.Reaped
	delete(s.byPid, t.pid)
	if t.Home != 0 {
		s.vpidLock.Lock()
		v := s.rmap[t.pid]
		delete(s.rmap, t.pid)
		delete(s.vmap, vkey{t.Home, v})
		s.vpidLock.Unlock()
	}
	s.freeGlobal(t.pid)
}

// world is the System as proc's life-cycle rules see it (tasklist held):
// the host and the containers are the spaces; a dying host kills every
// task, a dying container its own.
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

func (w world) NumSpaces() int                        { return len(w.cts) }
func (w world) Space(i int) *proc.Space               { return &w.cts[i].Space }
func (w world) Visible(view int, h model.Handle) bool { return view == 0 || w.get(h).Home == view }
func (w world) Num(view int, h model.Handle) int      { return w.num(view, w.get(h)) }
func (w world) ReapNum(view int, h model.Handle) int  { return w.num(view, w.get(h)) }
func (w world) Find(view, n int) model.Handle         { return w.find(view, n) }
func (w world) Zombified(model.Handle)                {}
func (w world) Release(h model.Handle)                { w.release(h) }

// Alone: no other task lives in h's space (the host: no other task).
func (w world) Alone(h model.Handle) bool {
	t := w.get(h)
	for i := range w.tasks.Len() {
		if oh, o := w.tasks.At(i); oh != h && o.Exists() && (t.Home == 0 || o.Home == t.Home) {
			return false
		}
	}
	return true
}

func (w world) NextOrder() int {
	w.seq++
	return w.seq - 1
}

// Apply performs one op.
func (s *System) Apply(op model.Op) model.Result {
	switch op.Kind {
	case model.Fork:
		return s.fork(op)
	case model.ForkWithTid:
		return s.forkWithTid(op)
	case model.GetPid, model.GetPPid, model.Translate, model.Lookup:
		s.tasklist.RLock()
		defer s.tasklist.RUnlock()
		return proc.Read(world{s}, op)
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
	switch op.Kind {
	case model.Exit:
		proc.Zombify(world{s}, op.Task, model.Status{Code: op.Code})
		proc.Settle(world{s})
		return model.Result{}
	case model.Wait:
		return proc.Wait(world{s}, op, a.Home)
	case model.Kill:
		return s.kill(op, a)
	case model.Unshare:
		switch {
		case a.Home != 0:
			return model.Fail(model.ENOSPC)
		case a.childCt != a.Home:
			return model.Fail(model.EINVAL)
		case s.p.MaxLevel < 1:
			return model.Fail(model.ENOSPC)
		}
		s.cts = append(s.cts, container{proc.Space{Leader: model.NoTask}})
		a.childCt = len(s.cts) - 1
		return model.Result{}
	case model.SetNs:
		t := s.liveTask(op.Target)
		if t == nil {
			return model.Fail(model.ESRCH)
		}
		if a.Home != 0 && t.Home != a.Home {
			return model.Fail(model.EINVAL)
		}
		a.childCt = t.Home
		return model.Result{}
	case model.SetPidMax:
		if a.Home != 0 {
			return model.Fail(model.EPERM)
		}
		if op.N <= s.p.Floor || op.N > s.p.PidMax {
			return model.Fail(model.EINVAL)
		}
		s.pidMax.Store(int64(op.N))
		return model.Result{}
	case model.SetLastPid:
		if a.Home != 0 {
			return model.Fail(model.EPERM)
		}
		if op.N < 0 || op.N > int(s.pidMax.Load()) {
			return model.Fail(model.EINVAL)
		}
		s.pidmapLock.Lock()
		s.next.Store(int64(op.N + 1))
		s.pidmapLock.Unlock()
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

// fork is copy_process, with the global number allocated while tasklist
// is held for writing, so the fork is one atomic step for every observer.
func (s *System) fork(op model.Op) model.Result {
	if s.bug == AllocBeforeAttach {
		return s.forkAllocFirst(op)
	}
	s.tasklist.Lock()
	a, e := s.checkFork(op)
	if e != model.OK {
		s.tasklist.Unlock()
		return model.Fail(e)
	}
	g := s.allocGlobal()
	if g == 0 {
		s.tasklist.Unlock()
		return model.Fail(model.EAGAIN)
	}
	if s.cts[a.childCt].Dead {
		// alloc_pid checks PIDNS_ADDING last: EAGAIN wins over ENOMEM.
		s.freeGlobal(g)
		s.tasklist.Unlock()
		return model.Fail(model.ENOMEM)
	}
	return s.finishFork(op, a.childCt, g)
}

// finishFork gives the child its virtual number, attaches it and publishes
// it (tasklist held; released on return).
func (s *System) finishFork(op model.Op, dest, g int) model.Result {
	v := 0
	if dest != 0 {
		v = g | VPIDBit
		if s.cts[dest].Leader == model.NoTask {
			v = 1
		}
	}
	s.attach(op, g, v)
	return s.publishVPID(op, dest, g, v)
}

// attach adds the child to the task list and the pid hash (tasklist held).
func (s *System) attach(op model.Op, g, v int) {
	a := s.get(op.Task)
	s.tasks.Add(op.Child, &task{Task: proc.Task{State: proc.Live, Home: a.childCt, Parent: op.Task, Order: s.seq}, pid: g, childCt: a.childCt})
	s.seq++
	s.byPid[g] = op.Child
	if v == 1 {
		s.cts[a.childCt].Leader = op.Child
	}
}

// publishVPID enters the child's virtual number into the translation map
// and releases tasklist.
func (s *System) publishVPID(op model.Op, dest, g, v int) model.Result {
	setMap := func() {
		if dest == 0 {
			return
		}
		s.vpidLock.Lock()
		s.vmap[vkey{dest, v}] = g
		s.rmap[g] = v
		s.vpidLock.Unlock()
	}
	if s.bug == MapAfterVisible {
		s.tasklist.Unlock()
		setMap()
	} else {
		setMap()
		s.tasklist.Unlock()
	}
	if dest == 0 {
		return model.Result{NSpid: []int{g}}
	}
	return model.Result{NSpid: []int{g, v}}
}

// forkWithTid runs the whole fork under tasklist: set_tid is rare.
func (s *System) forkWithTid(op model.Op) model.Result {
	s.tasklist.Lock()
	a, e := s.checkFork(op)
	if e != model.OK {
		s.tasklist.Unlock()
		return model.Fail(e)
	}
	dest := a.childCt
	isInit := dest != 0 && s.cts[dest].Leader == model.NoTask
	limit := int(s.pidMax.Load())
	inRange := func(n int) bool { return n >= 1 && n < limit && n&VPIDBit == 0 }
	tids := op.Tids
	g, v := 0, 0
	fail := func(e model.Errno) model.Result {
		s.tasklist.Unlock()
		return model.Fail(e)
	}
	switch {
	case dest == 0:
		if len(tids) != 1 || !inRange(tids[0]) {
			return fail(model.EINVAL)
		}
		g = tids[0]
	case len(tids) < 1 || len(tids) > 2:
		return fail(model.EINVAL)
	case isInit && tids[0] != 1:
		return fail(model.EINVAL)
	case isInit:
		v = 1
		if len(tids) == 1 {
			if g = s.allocGlobal(); g == 0 {
				return fail(model.EAGAIN)
			}
		} else if g = tids[1]; !inRange(g) {
			return fail(model.EINVAL)
		}
	case tids[0] == 1:
		return fail(model.EEXIST)
	case tids[0]&VPIDBit == 0:
		return fail(model.EINVAL)
	default:
		v = tids[0]
		g = v &^ VPIDBit
		if (len(tids) == 2 && tids[1] != g) || !inRange(g) {
			return fail(model.EINVAL)
		}
	}
	if !(isInit && len(tids) == 1) && !s.claimGlobal(g) {
		return fail(model.EEXIST)
	}
	if s.cts[dest].Dead {
		s.freeGlobal(g)
		return fail(model.ENOMEM)
	}
	s.attach(op, g, v)
	return s.publishVPID(op, dest, g, v)
}

func (s *System) kill(op model.Op, a *task) model.Result {
	if op.Sig != 0 && op.Sig != 9 && op.Sig != 15 {
		return model.Fail(model.EINVAL)
	}
	if op.Pid == 0 || op.Pid < -1 {
		return model.Fail(model.EINVAL)
	}
	var targets []model.Handle
	switch {
	case op.Pid > 0:
		if h := s.find(a.Home, op.Pid); h != model.NoTask {
			targets = append(targets, h)
		}
	case op.Pid == -1:
		for i := range s.tasks.Len() {
			if h, t := s.tasks.At(i); h != op.Task && s.num(a.Home, t) > 1 {
				targets = append(targets, h)
			}
		}
	}
	if len(targets) == 0 {
		return model.Fail(model.ESRCH)
	}
	proc.Deliver(world{s}, op.Sig, a.Home, targets)
	return model.Result{}
}

// Validate checks the internal invariants at a quiescent point: the pidmap,
// the pid hash and the translation maps agree with the task list.
func (s *System) Validate() error {
	s.tasklist.RLock()
	defer s.tasklist.RUnlock()
	s.vpidLock.Lock()
	defer s.vpidLock.Unlock()
	s.pidmapLock.Lock()
	defer s.pidmapLock.Unlock()
	used := 0
	for i := range s.tasks.Len() {
		h, t := s.tasks.At(i)
		if !t.Exists() {
			continue
		}
		used++
		if s.isFree(t.pid) {
			return fmt.Errorf("%s holds global %d but the pidmap says it is free", h, t.pid)
		}
		if s.byPid[t.pid] != h {
			return fmt.Errorf("pid hash: %d is %s, want %s", t.pid, s.byPid[t.pid], h)
		}
		if t.Home != 0 {
			v, ok := s.rmap[t.pid]
			if !ok || s.vmap[vkey{t.Home, v}] != t.pid {
				return fmt.Errorf("%s (global %d, ve%d) has no consistent virtual number", h, t.pid, t.Home)
			}
		}
	}
	inCts := 0
	for i := range s.tasks.Len() {
		if _, t := s.tasks.At(i); t.Exists() && t.Home != 0 {
			inCts++
		}
	}
	if len(s.vmap) != inCts || len(s.rmap) != inCts {
		return fmt.Errorf("translation map has %d/%d entries, containers hold %d tasks: an entry outlived its task", len(s.vmap), len(s.rmap), inCts)
	}
	bits := 0
	for _, w := range s.words {
		for x := uint64(w.Load()); x != 0; x &= x - 1 {
			bits++
		}
	}
	if bits != used {
		return fmt.Errorf("pidmap has %d numbers taken, tasks hold %d", bits, used)
	}
	return nil
}

var (
	_ model.Impl      = (*System)(nil)
	_ model.Validator = (*System)(nil)
	_ proc.World      = world{}
)
