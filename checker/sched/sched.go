package sched

import (
	"fmt"
	"iter"
	"runtime/debug"
	"strings"
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
}

// sched is the state of one controlled run. Exactly one coroutine touches
// it at a time; the gate makes the watchdog's view of it safe.
type sched struct {
	ch       Chooser
	maxSteps int

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
}

const gateAborted = -1

// Run executes body as the thread "main" under the controlled scheduler:
// body and the threads it starts with env.Go run one at a time, c choosing
// at every scheduling point. Run returns when every thread has returned or
// the run is stopped, with a verdict; nothing of the run is left running,
// except a thread blocked outside the scheduler (verdict Blocked), which is
// unwound as soon as it reaches the scheduler again.
//
// A panic inside c (rapid's draws stop a test that way) stops the run,
// unwinds it, and is re-raised by Run in the caller's goroutine.
func Run(c Chooser, opts Options, body func(env Env)) *Outcome {
	if c == nil {
		return &Outcome{Verdict: Diverged, Message: "sched.Run: no chooser (nil)"}
	}
	s := &sched{ch: c, maxSteps: opts.MaxSteps, last: -1, next: -1}
	s.pt.s = s
	if s.maxSteps <= 0 {
		s.maxSteps = DefaultMaxSteps
	}
	wd := opts.Watchdog
	if wd <= 0 {
		wd = DefaultWatchdog
	}
	c.Begin()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.drive(body)
	}()
	o, finished := s.watch(done, wd)
	c.End(o)
	if finished && s.chooserPanicked {
		panic(s.chooserPanic)
	}
	return o
}

// watch waits for the run to end (finished), or stops it when the gate
// shows no progress for wd.
func (s *sched) watch(done chan struct{}, wd time.Duration) (o *Outcome, finished bool) {
	tick := wd / 4
	timer := time.NewTimer(tick)
	defer timer.Stop()
	last, same := s.gate.Load(), 0
	for {
		select {
		case <-done:
			return s.outcome(), true
		case <-timer.C:
		}
		timer.Reset(tick)
		g := s.gate.Load()
		if g != last {
			last, same = g, 0
			continue
		}
		if same++; same < 4 {
			continue
		}
		if !s.gate.CompareAndSwap(g, gateAborted) {
			last, same = s.gate.Load(), 0
			continue
		}
		return s.blockedOutcome(wd), false
	}
}

// blockedOutcome builds the outcome of a run the watchdog stopped. Every
// record was committed before the gate's last change, which the watchdog's
// compare-and-swap observed; a step in progress (a WaitUntil condition or
// the chooser that blocks) has not written its record yet, and no thread
// writes one after the gate is aborted.
func (s *sched) blockedOutcome(wd time.Duration) *Outcome {
	o := s.outcome()
	if s.stopped {
		o.Message += " (then a thread blocked while its deferred calls ran)"
		return o
	}
	who := "main"
	if s.last >= 0 {
		who = s.threads[s.last].name
	}
	if r := s.recs.last(); r != nil && r.op == OpGo && r.a > 0 {
		who += " (or the thread it started, " + s.threads[r.a].name + ")"
	}
	o.Verdict = Blocked
	o.Message = fmt.Sprintf("thread %s ran for more than %v (the watchdog) without reaching a scheduling point: it is blocked on something the scheduler does not see (a channel, a sync.Mutex, I/O) or loops without using Env", who, wd)
	return o
}

func (s *sched) outcome() *Outcome {
	names := make([]string, len(s.threads))
	for i, t := range s.threads {
		names[i] = t.name
	}
	return &Outcome{
		Verdict: s.verdict,
		Message: s.msg,
		Hash:    hashRecords(&s.recs, s.extra),
		Steps:   s.recs.n,
		names:   names,
		objs:    s.objs,
		whats:   s.whats,
		extra:   s.extra,
		recs:    s.recs,
		pool:    s.pool,
	}
}

// drive runs the scheduler loop on its own goroutine: it resumes the chosen
// thread until that thread hands control back, and unwinds every thread at
// the end.
func (s *sched) drive(body func(env Env)) {
	normal := false
	defer func() {
		if !normal {
			// A thread called runtime.Goexit (t.FailNow inside a thread).
			s.stop(Panic, "a thread called runtime.Goexit (t.FailNow or t.SkipNow inside a managed thread?)")
		}
		s.unwindAll()
	}()
	main := s.newThread("main", func() { body(s) })
	s.start(main)
	s.setNext(s.decide())
	for s.next >= 0 {
		x := s.threads[s.next]
		x.inChain = true
		_, ok := x.next()
		x.inChain = false
		if !ok {
			s.setNext(s.decide()) // x returned
		}
	}
	normal = true
}

func (s *sched) newThread(name string, f func()) *thread {
	t := &thread{s: s, id: len(s.threads), name: name}
	s.threads = append(s.threads, t)
	t.next, t.stop = iter.Pull(func(yield func(struct{}) bool) {
		t.yield = yield
		defer t.finish()
		f()
	})
	return t
}

// start runs t up to its first operation (or its end), on behalf of the
// thread performing Go (or of the driver, for main).
func (s *sched) start(t *thread) {
	prev := s.cur
	s.cur = t.id
	t.starting = true
	t.inChain = true
	t.next()
	t.inChain = false
	s.cur = prev
}

// finish is deferred at the top of every thread: it recovers the unwinding
// sentinel, and turns any other panic into the verdict Panic.
func (t *thread) finish() {
	r := recover()
	t.done = true
	if r == nil || t.unwinding {
		return
	}
	if _, ok := r.(errUnwind); ok {
		return
	}
	stack := string(debug.Stack())
	s := t.s
	if !s.enter() {
		return
	}
	s.stop(Panic, fmt.Sprintf("thread %s panicked: %v\n%s", t.name, r, stack))
	s.exit()
}

// unwindAll stops every thread's coroutine; parked threads unwind by the
// sentinel panic, running their deferred calls with operations performed
// directly.
func (s *sched) unwindAll() {
	for _, t := range s.threads {
		t.unwinding = true
	}
	for _, t := range s.threads {
		s.cur = t.id
		t.stop()
	}
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

// current returns the running thread.
func (s *sched) current() *thread { return s.threads[s.cur] }

func (s *sched) stop(v Verdict, msg string) {
	if s.stopped {
		return
	}
	s.stopped, s.verdict, s.msg = true, v, msg
}

// point is called by the running thread before it performs op on obj. It
// returns once the thread has been chosen, with the decision's record for
// the operation's result, inside a step that the caller ends with release.
// It returns nil when the run is over and the thread is unwinding: the
// caller performs the operation directly (or panics errUnwind if it would
// block).
func (s *sched) point(op OpKind, obj *object) *record {
	if s.inCond {
		panic(fmt.Sprintf("sched: %s %s inside a WaitUntil condition: a condition may only Load", op, objName(obj)))
	}
	t := s.current()
	if t.unwinding {
		return nil
	}
	t.op, t.obj = op, obj
	if t.starting {
		t.starting = false
		if !s.enter() {
			t.unwinding = true
			panic(errUnwind{})
		}
		s.exit()
		if !t.yield(struct{}{}) {
			t.unwinding = true
			panic(errUnwind{})
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
				x.inChain = false
				if !ok {
					s.setNext(s.decide()) // x returned
				}
				continue
			}
		}
		if !t.yield(struct{}{}) {
			t.unwinding = true
			panic(errUnwind{})
		}
	}
}

// release ends the step of an operation begun by point.
func (s *sched) release() {
	if !s.exit() {
		s.current().unwinding = true
		panic(errUnwind{})
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
		return nil
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
	switch {
	case live == 0:
		s.stop(Done, "")
	case len(run) == 0:
		s.stop(Deadlock, "deadlock: "+s.waiters())
	case s.recs.n >= s.maxSteps:
		s.stop(StepBound, fmt.Sprintf("step bound %d exceeded (a livelock or an endless loop); runnable: %s", s.maxSteps, s.runnableText()))
	}
	if s.stopped {
		s.exit()
		return nil
	}
	s.pt.Step, s.pt.Last = s.recs.n, s.last
	i, err := s.choose()
	if err != nil {
		switch {
		case s.chooserPanicked:
			s.stop(Diverged, fmt.Sprintf("the chooser panicked: %v", s.chooserPanic))
		case err == ErrPruned:
			s.stop(Pruned, err.Error())
		default:
			s.stop(Diverged, err.Error())
		}
		s.exit()
		return nil
	}
	if i < 0 || i >= len(run) {
		s.stop(Diverged, fmt.Sprintf("the chooser chose %d of %d runnable threads", i, len(run)))
		s.exit()
		return nil
	}
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
	s.recs.add(r)
	s.last = n.id
	s.cur = n.id
	return n
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
	returned := false
	defer func() {
		s.inCond = false
		if returned {
			return
		}
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
