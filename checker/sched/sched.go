package sched

import (
	"fmt"
	"iter"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options bound a run.
type Options struct {
	// MaxSteps bounds the number of decisions (livelock, endless loop);
	// 0 means DefaultMaxSteps.
	MaxSteps int
	// Watchdog bounds the wall-clock time a thread may run between two
	// scheduling points before the run is stopped as Blocked; 0 means
	// DefaultWatchdog. Wall time is used only for this failure path.
	Watchdog time.Duration
	// MaxRecords bounds the decisions a run keeps for its Outcome (0:
	// all of them). A repeated decision (a thread spinning) is kept once,
	// so the bound matters only for runs that switch threads at random
	// for long; past it, decisions are hashed and counted, not kept
	// (Outcome.Elided).
	MaxRecords int
}

// The defaults for Options.
const (
	DefaultMaxSteps = 100000
	DefaultWatchdog = 10 * time.Second
)

// errUnwind is the sentinel panic that unwinds a parked thread when its run
// is over; the thread's top frame recovers it.
type errUnwind struct{}

// object is what every shadow primitive has: an identity and a name.
type object struct {
	id   int32
	name string
}

// thread is one managed thread: a coroutine parked at its next operation.
type thread struct {
	s     *sched
	id    int
	name  string
	next  func() (struct{}, bool)
	stop  func()
	yield func(struct{}) bool
	c     *coro // its Runner's coroutine; nil for a run of Run

	// The operation the thread is parked at.
	op   OpKind
	obj  *object
	mu   *cMutex     // Lock, RLock, Relock, Wait: the lock involved
	cond func() bool // WaitUntil
	what string      // WaitUntil

	waiting   bool // in Cond.Wait, not yet signalled
	inChain   bool // running, or resuming another thread (not parked in its yield)
	done      bool
	starting  bool // running to its first operation
	unwinding bool // its run is over: operations run directly

	g         uintptr     // its goroutine (getg), set when it starts
	abandoned atomic.Bool // the watchdog took its coroutine: it is stuck outside the scheduler
	late      bool        // abandoned, it came back and is unwinding alone (holds lateMu)
}

// sched is the state of one controlled run. Exactly one coroutine touches
// it at a time; the gate makes the watchdog's view of it safe.
type sched struct {
	ch       Chooser
	observed bool // the step in progress recorded an observation (Observed)
	maxSteps int
	runner   *Runner // nil: every thread gets a coroutine of its own

	threads []*thread
	cur     int  // the thread running now
	next    int  // the thread a parking thread handed control to, -1 for none
	last    int  // the thread chosen at the previous decision
	inCond  bool // evaluating a WaitUntil condition

	recs    recList
	pool    []int32   // runnable sets of records with thread ids ≥ 64: count, ids
	extra   []int64   // the new value of each failed CAS
	objs    []string  // object names by id
	mutexes []*cMutex // every Mutex and RWMutex, in creation order
	whats   []string  // WaitUntil descriptions of the records
	pt      Point

	stopped         bool
	verdict         Verdict
	msg             string
	chooserPanic    any
	chooserPanicked bool

	// gate counts committed steps (one compare-and-swap per step, after
	// the step's record is complete), or is gateAborted once the watchdog
	// took the run over. gv is the scheduler's own copy.
	gate atomic.Int64
	gv   int64

	// curT is the thread whose goroutine may use the Env now: the running
	// thread, the driver while it decides, nobody once the watchdog took
	// the run. Every Env call compares its goroutine with curT's (self).
	curT    atomic.Pointer[thread]
	driver  *thread // &driverT: the driver goroutine, as a pseudo-thread
	nobody  *thread // &nobodyT: curT after the watchdog took the run
	driverT thread
	nobodyT thread
	foreign atomic.Pointer[string] // the first Env call from a goroutine that is no thread of the run

	// The watchdog's take-over (abandon).
	stuckMu  sync.Mutex
	stuck    []*thread     // under stuckMu: the threads the watchdog abandoned
	claimed  chan struct{} // closed once the watchdog recorded the stuck thread (made before the gate is aborted)
	released chan struct{} // closed when Run returns after the watchdog took the run (likewise)
	unwound  chan struct{} // closed when every thread not abandoned is unwound
	lateMu   sync.Mutex    // held by an abandoned thread that came back, while it unwinds
}

const gateAborted = -1

// Run executes body as the thread "main" under the controlled scheduler:
// body and the threads it starts with env.Go run one at a time, c choosing
// at every scheduling point. Run returns when every thread has returned or
// the run is stopped, with a verdict; every thread is unwound, except one
// stuck outside the scheduler (verdict Blocked, named in Outcome.Stuck),
// which unwinds itself when it reaches the scheduler again (the package
// doc says what it leaves behind until then).
//
// A panic inside c (rapid's draws stop a test that way) stops the run,
// unwinds it, and is re-raised by Run in the caller's goroutine.
func Run(c Chooser, opts Options, body func(env Env)) *Outcome {
	return run(nil, c, opts, body)
}

func run(r *Runner, c Chooser, opts Options, body func(env Env)) *Outcome {
	if c == nil {
		return &Outcome{Verdict: Diverged, Message: "sched.Run: no chooser (nil)"}
	}
	s := &sched{ch: c, maxSteps: opts.MaxSteps, runner: r, last: -1, next: -1, unwound: make(chan struct{})}
	s.recs.limit = opts.MaxRecords
	s.driverT = thread{s: s, id: -1, name: "the scheduler (a WaitUntil condition or the chooser)"}
	s.nobodyT = thread{s: s, id: -1, name: "(a thread being unwound)"}
	s.driver, s.nobody = &s.driverT, &s.nobodyT
	s.pt.s = s
	if s.maxSteps <= 0 {
		s.maxSteps = DefaultMaxSteps
	}
	wd := opts.Watchdog
	if wd <= 0 {
		wd = DefaultWatchdog
	}
	c.Begin()
	go func() {
		defer func() {
			if !s.driver.late {
				close(s.unwound)
			}
		}()
		s.drive(body)
	}()
	var timer *time.Timer
	if r != nil {
		timer = r.timer(wd / 4)
	} else {
		timer = time.NewTimer(wd / 4)
	}
	o, finished := s.watch(wd, timer)
	if r != nil {
		r.collect(s, finished)
	}
	c.End(o)
	if finished && s.chooserPanicked {
		panic(s.chooserPanic)
	}
	return o
}

// watch waits for the run to end (finished), or takes it over when
// neither the gate nor the running thread changed for wd (after a foreign
// Env call, which ends the run, for one tick of wd/4). timer is running,
// set to one tick; watch stops it before it returns.
func (s *sched) watch(wd time.Duration, timer *time.Timer) (o *Outcome, finished bool) {
	tick := wd / 4
	defer timer.Stop()
	last, owner, same := s.gate.Load(), s.curT.Load(), 0
	for {
		select {
		case <-s.unwound:
			return s.outcome(), true
		case <-timer.C:
		}
		timer.Reset(tick)
		g, t := s.gate.Load(), s.curT.Load()
		if g != last || t != owner {
			last, owner, same = g, t, 0
			continue
		}
		if same++; same < 4 && s.foreign.Load() == nil {
			continue
		}
		if s.claimed == nil { // read only by goroutines that saw the gate aborted
			s.claimed, s.released = make(chan struct{}), make(chan struct{})
		}
		if !s.gate.CompareAndSwap(g, gateAborted) {
			last, same = s.gate.Load(), 0
			continue
		}
		return s.abandon(wd, timer), false
	}
}

// abandon runs in Run's goroutine once the watchdog aborted the gate. The
// thread that was running (curT) is stuck outside the scheduler, and Go
// cannot stop a goroutine. So the watchdog takes its coroutine instead: a
// new goroutine calls its stop, which hands control back to the thread that
// resumed it, as a yield would; that thread, and every thread below it in
// the chain of resumers, unwinds, and the driver unwinds every parked
// thread. (If the driver itself is stuck, deciding, a new goroutine unwinds
// the parked threads.) The goroutine in stop stays parked in the stuck
// coroutine (a running coroutine always has one goroutine waiting for it),
// using no CPU, until the stuck thread returns to the scheduler: then the
// thread waits until Run has returned and the others are unwound, unwinds
// alone (comeBack), and both goroutines end.
//
// abandon waits for the unwinding, giving up when it makes no progress for
// wd (a deferred call blocked), and returns the outcome.
//
// Every path by which a thread could switch coroutines after its last
// commit checks the gate first (decide after the conditions and the
// chooser, release, the first operation, handOff and start after a
// resume), and comes back instead when it is aborted. What remains is the
// few instructions between such a check and the switch: the watchdog
// would have to take the run exactly there, after the thread made no
// progress for wd, which needs that goroutine starved of a CPU for that
// long.
func (s *sched) abandon(wd time.Duration, timer *time.Timer) *Outcome {
	t := s.curT.Load()
	s.curT.Store(s.nobody) // t's next Env call must not pass as the owner's
	s.stuckMu.Lock()
	s.stuck = append(s.stuck, t)
	s.stuckMu.Unlock()
	t.abandoned.Store(true)
	if t == s.driver {
		go func() {
			s.unwindAll()
			close(s.unwound)
		}()
	} else {
		go t.stop()
	}
	close(s.claimed)
	stuck := []string{t.name}
	owner, same := s.curT.Load(), 0
wait:
	for {
		select {
		case <-s.unwound:
			break wait
		case <-timer.C:
		}
		timer.Reset(wd / 4)
		if o := s.curT.Load(); o != owner {
			owner, same = o, 0
			continue
		}
		if same++; same == 4 {
			// owner blocked in a deferred call while it unwound: it
			// goes on unwinding (the rest after it) if it ever returns.
			stuck = append(stuck, owner.name)
			break
		}
	}
	o := s.blockedOutcome(wd, t)
	o.Stuck = stuck
	close(s.released)
	return o
}

// blockedOutcome builds the outcome of a run the watchdog took over from
// t. Every record was committed before the gate's last change, which the
// watchdog's compare-and-swap observed; a step in progress (a WaitUntil
// condition or the chooser that blocks) has not written its record yet,
// and no thread writes one after the gate is aborted.
func (s *sched) blockedOutcome(wd time.Duration, t *thread) *Outcome {
	o := s.outcome()
	if o.Verdict == Foreign {
		return o
	}
	who := "thread " + t.name
	if t == s.driver {
		who = t.name
	}
	if s.stopped {
		o.Message += " (then " + who + " blocked while its deferred calls ran)"
		return o
	}
	o.Verdict = Blocked
	o.Message = fmt.Sprintf("%s ran for more than %v (the watchdog) without reaching a scheduling point: it is blocked on something the scheduler does not see (a channel, a sync.Mutex, I/O) or loops without using Env", who, wd)
	return o
}

func (s *sched) outcome() *Outcome {
	names := make([]string, len(s.threads))
	for i, t := range s.threads {
		names[i] = t.name
	}
	o := &Outcome{
		Verdict: s.verdict,
		Message: s.msg,
		Hash:    hashRecords(&s.recs, s.extra),
		Steps:   s.recs.n,
		Elided:  s.recs.elided(),
		names:   names,
		objs:    s.objs,
		whats:   s.whats,
		extra:   s.extra,
		recs:    s.recs,
		pool:    s.pool,
	}
	if m := s.foreign.Load(); m != nil {
		o.Verdict, o.Message = Foreign, *m
	}
	return o
}

// drive runs the scheduler loop on its own goroutine: it resumes the chosen
// thread until that thread hands control back, and unwinds every thread at
// the end.
func (s *sched) drive(body func(env Env)) {
	s.driver.g = getg()
	normal := false
	defer func() {
		if s.driver.late {
			return // the watchdog abandoned the driver; the run was unwound without it
		}
		if !normal {
			// A thread called runtime.Goexit (t.FailNow inside a thread).
			s.stop(Panic, "a thread called runtime.Goexit (t.FailNow or t.SkipNow inside a managed thread?)")
		}
		s.unwindAll()
	}()
	main := s.newThread("main", func() { body(s) })
	if s.start(main) {
		s.driverDecide()
		for s.next >= 0 {
			x := s.threads[s.next]
			x.inChain = true
			_, ok := x.next()
			if s.aborted() {
				break // the watchdog took a stuck coroutine: unwind the rest
			}
			x.inChain = false
			if !ok || x.done {
				s.driverDecide() // x returned (its Runner's coroutine waits for another thread)
			}
		}
	}
	normal = true
}

// driverDecide makes a decision on the driver's goroutine.
func (s *sched) driverDecide() {
	s.curT.Store(s.driver)
	s.setNext(s.decide())
}

func (s *sched) newThread(name string, f func()) *thread {
	t := &thread{s: s, id: len(s.threads), name: name}
	s.threads = append(s.threads, t)
	body := func(yield func(struct{}) bool) {
		t.begin(yield)
		defer t.finish()
		f()
	}
	if s.runner == nil {
		t.next, t.stop = iter.Pull(body)
		return t
	}
	t.c = s.runner.get()
	t.c.t, t.c.job = t, body
	t.next, t.stop = t.c.next, t.c.stop
	return t
}

// begin is the first thing t does, on its own goroutine: it takes the
// run. (Not inlined: the coroutine's top frame stays small, which keeps a
// short run's stacks from growing.)
//
//go:noinline
func (t *thread) begin(yield func(struct{}) bool) {
	reserveStack(t.id)
	t.yield = yield
	t.g = getg()
	t.s.curT.Store(t)
}

// stackReserve is the stack a thread's coroutine gets at its start.
const stackReserve = 16 << 10

// reserveStack grows the calling coroutine's stack to stackReserve while
// it is shallow. A fresh coroutine starts with a small stack that the
// implementation's calls and the chooser (both run on it) outgrow; each
// growth copies the stack and adjusts every frame on it, which cost a
// fifth of a small run's CPU when it happened deep in those calls. Here it
// happens once, with two frames to copy. The buffer is only declared in a
// branch never taken (id is never negative), so it is not zeroed; its
// size still counts in the frame, which the prologue checks.
//
//go:noinline
func reserveStack(id int) byte {
	if id < 0 {
		var buf [stackReserve - 2048]byte
		return touch(&buf)
	}
	return 0
}

//go:noinline
func touch(b *[stackReserve - 2048]byte) byte { return b[len(b)-1] }

// start runs t up to its first operation (or its end), on behalf of the
// thread performing Go (or of the driver, for main). It returns false when
// the watchdog took the run meanwhile: the caller unwinds.
func (s *sched) start(t *thread) bool {
	prev := s.cur
	s.cur = t.id // t sets curT when it starts
	t.starting = true
	t.inChain = true
	t.next()
	if s.aborted() {
		return false
	}
	t.inChain = false
	s.setCur(s.threads[prev])
	return true
}

// finish is deferred at the top of every thread: it recovers the unwinding
// sentinel, and turns any other panic into the verdict Panic.
func (t *thread) finish() {
	r := recover()
	s := t.s
	if t.abandoned.Load() {
		if !t.late {
			s.comeBack(false) // it returned without reaching the scheduler again
		}
		t.done = true
		s.lateMu.Unlock()
		return // the run is over: a panic now is not its verdict
	}
	t.done = true
	if r == nil || t.unwinding {
		return
	}
	if _, ok := r.(errUnwind); ok {
		return
	}
	stack := string(debug.Stack())
	if !s.enter() {
		return
	}
	s.stop(Panic, fmt.Sprintf("thread %s panicked: %v\n%s", t.name, r, stack))
	s.exit()
}

// unwindAll resumes every parked thread with unwinding set: it panics
// the sentinel at once, running its deferred calls with operations
// performed directly. Threads the watchdog abandoned are left to unwind
// themselves (comeBack).
func (s *sched) unwindAll() {
	for _, t := range s.threads {
		if !t.abandoned.Load() {
			t.unwinding = true
		}
	}
	for _, t := range s.threads {
		if t.done || t.abandoned.Load() {
			continue
		}
		t.next() // t takes the run over itself (unwindChain), for the watchdog to see
	}
}

// unwindChain unwinds t, running: resumed by unwindAll, or after the
// watchdog took a coroutine t resumed (or one above it).
func (s *sched) unwindChain(t *thread) {
	s.takeOver(t)
	t.unwinding = true
	panic(errUnwind{})
}

// takeOver makes t's goroutine the one that uses the run, which is over.
func (s *sched) takeOver(t *thread) {
	s.inCond = false
	s.setCur(t)
}

func (s *sched) setCur(t *thread) {
	s.cur = t.id
	s.curT.Store(t)
}

// aborted reports whether the watchdog took the run.
func (s *sched) aborted() bool { return s.gate.Load() == gateAborted }

// comeBack is where a goroutine the watchdog abandoned returns to the
// scheduler (or a step it was in ends). It waits until Run has returned and
// every other thread is unwound, then unwinds its thread alone: it panics
// the sentinel (when panics is set and the thread was not unwinding
// already), or returns the thread, which performs its operations directly.
// The driver ends instead.
func (s *sched) comeBack(panics bool) *thread {
	<-s.released
	<-s.unwound
	g := getg()
	if g == s.driver.g {
		s.driver.late = true
		runtime.Goexit()
	}
	var t *thread
	for _, u := range s.threads {
		if u.g == g {
			t = u
		}
	}
	if t == nil {
		panic("sched: internal: an unknown goroutine came back after the watchdog took the run")
	}
	s.lateMu.Lock() // until t's coroutine ends (finish)
	t.late = true
	s.takeOver(t)
	if panics && !t.unwinding {
		t.unwinding = true
		panic(errUnwind{})
	}
	t.unwinding = true
	return t
}

// self returns the thread calling the Env. A goroutine that is not the
// running thread's is an abandoned thread coming back (comeBack), or a
// foreign goroutine: the run ends with the verdict Foreign and the
// goroutine exits (runtime.Goexit; its deferred calls run).
func (s *sched) self(op OpKind, obj *object) *thread {
	if t, ok := s.owner(); ok {
		return t
	}
	return s.stranger(op, obj)
}

// owner returns the running thread and whether the caller's goroutine is
// its. It is inlined (self is not: Env methods that call owner
// themselves keep the stack of a condition's Loads shallow).
func (s *sched) owner() (t *thread, ok bool) {
	t = s.curT.Load()
	return t, t.g == getg()
}

func (s *sched) stranger(op OpKind, obj *object) *thread {
	if s.aborted() {
		<-s.claimed
		g := getg()
		s.stuckMu.Lock()
		abandoned := false
		for _, t := range s.stuck {
			abandoned = abandoned || t.g == g
		}
		s.stuckMu.Unlock()
		if abandoned {
			return s.comeBack(true)
		}
	}
	what := "the Env"
	if op != OpNone {
		what = strings.TrimSpace(op.String() + " " + objName(obj))
	}
	msg := fmt.Sprintf("Env used outside a managed thread: a goroutine that is none of the run's threads called %s (start threads with env.Go, not the go statement); that goroutine was ended\n%s", what, debug.Stack())
	s.foreign.CompareAndSwap(nil, &msg)
	runtime.Goexit()
	return nil
}

// enter starts a scheduling step; false when the watchdog took the run.
func (s *sched) enter() bool { return s.gate.Load() != gateAborted }

// exit commits a scheduling step; false when the watchdog took the run.
func (s *sched) exit() bool {
	if !s.gate.CompareAndSwap(s.gv, s.gv+1) {
		return false
	}
	s.gv++
	return true
}

func (s *sched) stop(v Verdict, msg string) {
	if s.stopped {
		return
	}
	s.stopped, s.verdict, s.msg = true, v, msg
}

// point is called by the running thread t (from self) before it performs
// op on obj. It returns once the thread has been chosen, with the
// decision's record for the operation's result, inside a step that the
// caller ends with release. It returns nil when the run is over and the
// thread is unwinding: the caller performs the operation directly (or
// panics errUnwind if it would block).
func (s *sched) point(t *thread, op OpKind, obj *object) *record {
	if s.inCond {
		panic(fmt.Sprintf("sched: %s %s inside a WaitUntil condition: a condition may only Load", op, objName(obj)))
	}
	if t.unwinding {
		return nil
	}
	t.op, t.obj = op, obj
	if t.starting {
		t.starting = false
		if !s.enter() || !s.exit() {
			s.comeBack(true)
		}
		if !t.yield(struct{}{}) || t.unwinding {
			s.unwindChain(t)
		}
		return s.recs.last()
	}
	if n := s.decide(); n != t {
		s.setNext(n)
		s.handOff(t)
	}
	return s.recs.last()
}

func (s *sched) setNext(n *thread) {
	s.next = -1
	if n != nil {
		s.next = n.id
	}
}

// handOff runs other threads until control comes back to t, the running
// thread, parked at its operation. The coroutines form a chain: the driver
// resumed one thread, which may have resumed another, and so on. A thread
// parked in its yield is resumed directly from t (one coroutine switch);
// a thread further down the chain, or the end of the run, is reached by
// yielding to t's resumer.
func (s *sched) handOff(t *thread) {
	for s.next != t.id {
		if s.next >= 0 {
			if x := s.threads[s.next]; !x.inChain {
				x.inChain = true
				_, ok := x.next()
				if s.aborted() {
					s.unwindChain(t) // the watchdog took x's coroutine (or one x resumed)
				}
				x.inChain = false
				if !ok || x.done { // x returned
					s.setCur(t)
					s.setNext(s.decide())
				}
				continue
			}
		}
		if !t.yield(struct{}{}) || t.unwinding {
			s.unwindChain(t)
		}
	}
}

// release ends the step of an operation begun by point.
func (s *sched) release() {
	if !s.exit() {
		s.comeBack(true)
	}
}

func objName(o *object) string {
	if o == nil {
		return ""
	}
	return o.name
}

// decide makes one decision: it computes who can run, detects the end of
// the run, asks the chooser, and records the decision. It returns the
// chosen thread inside a step (which the chosen thread's operation ends),
// or nil when the run is over.
func (s *sched) decide() *thread {
	if !s.enter() {
		s.comeBack(true) // the watchdog took the run: the decider was stuck
		return nil
	}
	if s.foreign.Load() != nil {
		s.stop(Foreign, "")
	}
	if s.stopped {
		s.exit()
		return nil
	}
	run := s.pt.Runnable[:0]

	live := 0
	for _, t := range s.threads {
		if t.done {
			continue
		}
		live++
		if s.enabled(t) {
			run = append(run, t.pending())
		}
		if s.stopped { // a WaitUntil condition panicked
			s.exit()
			return nil
		}
	}
	if cap(run) != cap(s.pt.Runnable) {
		s.pt.Runnable = run
	} else {
		s.pt.Runnable = s.pt.Runnable[:len(run)] // no write barrier
	}
	if live == 0 || len(run) == 0 || s.recs.n >= s.maxSteps {
		s.end(live)
		s.exit()
		return nil
	}
	s.pt.Step, s.pt.Last = s.recs.n, s.last
	i, err := s.choose()
	if s.aborted() {
		s.comeBack(true) // the watchdog took the run while a condition or the chooser ran
		return nil
	}
	if err != nil || i < 0 || i >= len(run) {
		s.chooserFailed(i, err)
		s.exit()
		return nil
	}
	s.observed = false // a new step
	n := s.threads[run[i].Thread]
	r := record{thread: uint16(n.id), op: n.op, obj: -1, rs: -1}
	if run[len(run)-1].Thread < 64 {
		for _, p := range run {
			r.run |= 1 << p.Thread
		}
	} else {
		r.rs = int32(len(s.pool))
		s.pool = append(s.pool, int32(len(run)))
		for _, p := range run {
			s.pool = append(s.pool, int32(p.Thread))
		}
	}
	if n.obj != nil {
		r.obj = n.obj.id
	}
	switch n.op {
	case OpRelock:
		r.aux = n.mu.id
	case OpWaitUntil:
		r.aux = int32(len(s.whats))
		s.whats = append(s.whats, n.what)
	}
	s.recs.add(r, s.extra)
	s.last = n.id
	s.cur = n.id
	if s.curT.Load() != n {
		s.curT.Store(n)
	}
	return n
}

// The cold parts of decide have frames of their own: decide's frame is on
// the stack while WaitUntil conditions run, deep in a coroutine's small
// stack.

// end stops the run when no thread is live, none can run, or the step
// bound is reached.
//
//go:noinline
func (s *sched) end(live int) {
	switch {
	case live == 0:
		s.stop(Done, "")
	case len(s.pt.Runnable) == 0:
		s.stop(Deadlock, "deadlock: "+s.waiters())
	default:
		s.stop(StepBound, fmt.Sprintf("step bound %d exceeded (a livelock or an endless loop); runnable: %s", s.maxSteps, s.runnableText()))
	}
}

// chooserFailed stops the run when the chooser returned an error (or
// panicked) or an index out of range.
//
//go:noinline
func (s *sched) chooserFailed(i int, err error) {
	switch {
	case s.chooserPanicked:
		s.stop(Diverged, fmt.Sprintf("the chooser panicked: %v", s.chooserPanic))
	case err == ErrPruned:
		s.stop(Pruned, err.Error())
	case err != nil:
		s.stop(Diverged, err.Error())
	default:
		s.stop(Diverged, fmt.Sprintf("the chooser chose %d of %d runnable threads", i, len(s.pt.Runnable)))
	}
}

// choose asks the chooser, turning its panic into an error. Like evalCond,
// it calls recover only when the call did not return: recover is costly on
// a fresh goroutine's small stack (it grows the stack), and every run's
// coroutines are fresh.
func (s *sched) choose() (i int, err error) {
	returned := false
	defer func() {
		if returned {
			return
		}
		if r := recover(); r != nil {
			s.chooserPanicked, s.chooserPanic = true, r
			err = fmt.Errorf("chooser panicked: %v", r)
		}
	}()
	i, err = s.ch.Choose(&s.pt)
	returned = true
	return i, err
}

func (t *thread) pending() Pending {
	p := Pending{Thread: t.id, Op: t.op, Object: -1, object2: -1}
	if t.obj != nil {
		p.Object = int(t.obj.id)
	}
	if t.mu != nil && (t.op == OpWait || t.op == OpRelock) {
		p.object2 = int(t.mu.id)
	}
	return p
}

// enabled reports whether t's pending operation can proceed now.
func (s *sched) enabled(t *thread) bool {
	switch t.op {
	case OpLock:
		return t.mu.holder == nil && t.mu.readers == 0
	case OpRLock:
		return t.mu.holder == nil && !s.writerWaiting(t.mu)
	case OpRelock:
		return !t.waiting && t.mu.holder == nil && t.mu.readers == 0
	case OpWaitUntil:
		return s.evalCond(t)
	}
	return true
}

// writerWaiting: a writer is parked at Lock of m and cannot take it, so new
// readers wait, as with sync.RWMutex.
func (s *sched) writerWaiting(m *cMutex) bool {
	if m.readers == 0 {
		return false
	}
	for _, u := range s.threads {
		if !u.done && u.op == OpLock && u.mu == m {
			return true
		}
	}
	return false
}

func (s *sched) evalCond(t *thread) (ok bool) {
	s.inCond = true
	// Commit what this decision wrote so far: if the condition blocks, the
	// goroutines that unwind the run read it.
	if !s.exit() {
		s.comeBack(true)
	}
	returned := false
	defer func() {
		if returned {
			if s.aborted() {
				s.comeBack(true) // the watchdog took the run while the condition ran
			}
			s.inCond = false
			return
		}
		s.inCond = false
		if r := recover(); r != nil {
			ok = false
			s.stop(Panic, fmt.Sprintf("thread %s: WaitUntil %q: the condition panicked: %v\n%s", t.name, t.what, r, debug.Stack()))
		}
	}()
	ok = t.cond()
	returned = true
	return ok
}

// waiters says who waits for what, for a deadlock report.
func (s *sched) waiters() string {
	var parts []string
	for _, t := range s.threads {
		if t.done {
			continue
		}
		var w string
		switch t.op {
		case OpLock, OpRLock, OpRelock:
			m := t.mu
			verb := "lock"
			if t.op == OpRLock {
				verb = "rlock"
			}
			if t.op == OpRelock && t.waiting {
				w = fmt.Sprintf("%s waits in %s (not signalled)", t.name, objName(t.obj))
				break
			}
			switch {
			case m.holder != nil:
				w = fmt.Sprintf("%s waits for %s %s (held by %s)", t.name, verb, m.name, m.holder.name)
			case m.readers > 0:
				w = fmt.Sprintf("%s waits for %s %s (held by %d readers)", t.name, verb, m.name, m.readers)
			default:
				w = fmt.Sprintf("%s waits for %s %s", t.name, verb, m.name)
			}
		case OpWaitUntil:
			w = fmt.Sprintf("%s waits until %s", t.name, t.what)
		default:
			w = fmt.Sprintf("%s at %s %s", t.name, t.op, objName(t.obj))
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, "; ")
}

func (s *sched) runnableText() string {
	var parts []string
	for i, p := range s.pt.Runnable {
		parts = append(parts, strings.TrimSpace(s.pt.Name(i)+" at "+p.Op.String()+" "+s.pt.ObjectName(i)))
	}
	return strings.Join(parts, ", ")
}
