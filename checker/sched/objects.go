package sched

import "fmt"

// The controlled Env: *sched implements Env. Every method first finds its
// thread (self), which also rejects a goroutine that is not the running
// thread's. Creating an object is not a
// scheduling point (nothing shared is touched yet), but it commits like one,
// so a watchdog report can name the object.

func (s *sched) newObject(name string) object {
	if s.self(OpNone, nil).unwinding {
		return object{id: -1, name: name} // no record names it
	}
	s.objs = append(s.objs, name)
	if !s.exit() { // publish the name to the watchdog, as a step does
		s.comeBack(true)
	}
	return object{id: int32(len(s.objs) - 1), name: name}
}

// NewMutex returns a shadow Mutex (also usable as an RWMutex).
func (s *sched) NewMutex(name string) Mutex { return s.newMutex(name) }

// NewRWMutex returns a shadow RWMutex.
func (s *sched) NewRWMutex(name string) RWMutex { return s.newMutex(name) }

func (s *sched) newMutex(name string) *cMutex {
	m := &cMutex{object: s.newObject(name), s: s}
	s.mutexes = append(s.mutexes, m)
	return m
}

// mutex returns the mutex with object id, nil if there is none.
func (s *sched) mutex(id int) *cMutex {
	for _, m := range s.mutexes {
		if int(m.id) == id {
			return m
		}
	}
	return nil
}

// NewInt32 returns a shadow atomic int32.
func (s *sched) NewInt32(name string, v int32) Int32 {
	return &cInt[int32]{object: s.newObject(name), s: s, v: v}
}

// NewInt64 returns a shadow atomic int64.
func (s *sched) NewInt64(name string, v int64) Int64 {
	return &cInt[int64]{object: s.newObject(name), s: s, v: v, flags: recWide}
}

// NewCond returns a shadow condition variable on l, a Mutex or RWMutex of
// this Env (an RWMutex's write lock).
func (s *sched) NewCond(name string, l Locker) Cond {
	m, ok := l.(*cMutex)
	if !ok || m.s != s {
		panic(fmt.Sprintf("sched: NewCond %s: the locker (%T) was not made by this Env", name, l))
	}
	return &cCond{object: s.newObject(name), s: s, m: m}
}

// Go starts f as a new thread; starting it is a scheduling point of the
// calling thread. The new thread runs at once up to its first operation
// (its code before that touches nothing shared), where it parks.
func (s *sched) Go(name string, f func()) {
	t := s.self(OpGo, nil)
	t.what = name
	rec := s.point(t, OpGo, nil)
	t.what = ""
	if rec == nil {
		panic(errUnwind{}) // no new threads while unwinding
	}
	child := s.newThread(name, f)
	rec.a = int64(child.id)
	s.release()
	if !s.start(child) {
		s.unwindChain(t) // the watchdog took child's coroutine
	}
}

// Yield is a scheduling point that touches nothing.
func (s *sched) Yield() {
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpYield, nil)
	}
	if rec := s.point(t, OpYield, nil); rec != nil {
		s.release()
	}
}

// WaitUntil parks the calling thread until cond holds; the scheduler
// evaluates cond at every decision, with Loads that are not scheduling
// points.
func (s *sched) WaitUntil(what string, cond func() bool) {
	t := s.self(OpWaitUntil, nil)
	if t.unwinding {
		if !cond() {
			panic(errUnwind{})
		}
		return
	}
	t.cond, t.what = cond, what
	rec := s.point(t, OpWaitUntil, nil)
	t.cond, t.what = nil, ""
	if rec != nil {
		s.release()
	}
}

// cMutex is a shadow Mutex / RWMutex.
type cMutex struct {
	object
	s       *sched
	holder  *thread // the writer holding it
	readers int
}

func (m *cMutex) Lock() {
	s := m.s
	t := s.self(OpLock, &m.object)
	t.mu = m
	rec := s.point(t, OpLock, &m.object)
	if rec == nil && (m.holder != nil || m.readers > 0) {
		panic(errUnwind{})
	}
	m.holder = t
	if rec != nil {
		s.release()
	}
}

func (m *cMutex) Unlock() {
	s := m.s
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpUnlock, &m.object)
	}
	rec := s.point(t, OpUnlock, &m.object)
	held := m.holder != nil
	m.holder = nil
	if rec != nil {
		s.release()
	}
	if !held {
		panic("sched: unlock of unlocked mutex " + m.name)
	}
}

func (m *cMutex) TryLock() bool {
	s := m.s
	t := s.self(OpTryLock, &m.object)
	rec := s.point(t, OpTryLock, &m.object)
	ok := m.holder == nil && m.readers == 0
	if ok {
		m.holder = t
	}
	if rec != nil {
		if ok {
			rec.flags |= recOK
		}
		s.release()
	}
	return ok
}

func (m *cMutex) RLock() {
	s := m.s
	t := s.self(OpRLock, &m.object)
	t.mu = m
	rec := s.point(t, OpRLock, &m.object)
	if rec == nil && m.holder != nil {
		panic(errUnwind{})
	}
	m.readers++
	if rec != nil {
		s.release()
	}
}

func (m *cMutex) RUnlock() {
	s := m.s
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpRUnlock, &m.object)
	}
	rec := s.point(t, OpRUnlock, &m.object)
	held := m.readers > 0
	if held {
		m.readers--
	}
	if rec != nil {
		s.release()
	}
	if !held {
		panic("sched: RUnlock of unlocked RWMutex " + m.name)
	}
}

// cCond is a shadow condition variable; waiters wake in FIFO order.
type cCond struct {
	object
	s       *sched
	m       *cMutex
	waiters []*thread
}

func (c *cCond) Wait() {
	s := c.s
	t := s.self(OpWait, &c.object)
	t.mu = c.m
	rec := s.point(t, OpWait, &c.object)
	if rec == nil {
		panic(errUnwind{})
	}
	held := c.m.holder != nil
	c.m.holder = nil
	t.waiting = true
	c.waiters = append(c.waiters, t)
	s.release()
	if !held {
		panic("sched: Wait on " + c.name + " without holding " + c.m.name)
	}
	t.mu = c.m
	if rec = s.point(t, OpRelock, &c.object); rec == nil {
		panic(errUnwind{})
	}
	c.m.holder = t
	s.release()
}

func (c *cCond) Signal() {
	s := c.s
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpSignal, &c.object)
	}
	rec := s.point(t, OpSignal, &c.object)
	woken := int64(-1)
	if len(c.waiters) > 0 {
		w := c.waiters[0]
		c.waiters = c.waiters[1:]
		w.waiting = false
		woken = int64(w.id)
	}
	if rec != nil {
		rec.a = woken
		s.release()
	}
}

func (c *cCond) Broadcast() {
	s := c.s
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpBroadcast, &c.object)
	}
	rec := s.point(t, OpBroadcast, &c.object)
	n := int64(len(c.waiters))
	for _, w := range c.waiters {
		w.waiting = false
	}
	c.waiters = c.waiters[:0]
	if rec != nil {
		if n == 0 {
			n = -1
		}
		rec.a = n
		s.release()
	}
}

// cInt is a shadow atomic integer.
type cInt[T int32 | int64] struct {
	object
	s     *sched
	v     T
	flags uint8 // recWide for int64
}

func (x *cInt[T]) Load() T {
	s := x.s
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpLoad, &x.object)
	}
	if s.inCond {
		return x.v // in a WaitUntil condition: not a scheduling point
	}
	rec := s.point(t, OpLoad, &x.object)
	v := x.v
	if rec != nil {
		rec.r, rec.flags = int64(v), x.flags
		s.release()
	}
	return v
}

func (x *cInt[T]) Store(v T) {
	s := x.s
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpStore, &x.object)
	}
	rec := s.point(t, OpStore, &x.object)
	old := x.v
	x.v = v
	if rec != nil {
		rec.a, rec.r, rec.flags = int64(v), int64(old), x.flags
		s.release()
	}
}

func (x *cInt[T]) Add(delta T) T {
	s := x.s
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpAdd, &x.object)
	}
	rec := s.point(t, OpAdd, &x.object)
	x.v += delta
	v := x.v
	if rec != nil {
		rec.a, rec.r, rec.flags = int64(delta), int64(v), x.flags
		s.release()
	}
	return v
}

func (x *cInt[T]) CompareAndSwap(old, new T) bool {
	s := x.s
	t, mine := s.owner()
	if !mine {
		t = s.stranger(OpCAS, &x.object)
	}
	rec := s.point(t, OpCAS, &x.object)
	cur := x.v
	ok := cur == old
	if ok {
		x.v = new
	}
	if rec != nil {
		rec.a, rec.flags = int64(old), x.flags
		if ok {
			rec.r = int64(new)
			rec.flags |= recOK
		} else {
			rec.r, rec.aux = int64(cur), int32(len(s.extra))
			s.extra = append(s.extra, int64(new))
		}
		s.release()
	}
	return ok
}

func (x *cInt[T]) Swap(v T) T {
	s := x.s
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpSwap, &x.object)
	}
	rec := s.point(t, OpSwap, &x.object)
	old := x.v
	x.v = v
	if rec != nil {
		rec.a, rec.r, rec.flags = int64(v), int64(old), x.flags
		s.release()
	}
	return old
}

func (x *cInt[T]) Or(mask T) T {
	s := x.s
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpOr, &x.object)
	}
	rec := s.point(t, OpOr, &x.object)
	old := x.v
	x.v |= mask
	if rec != nil {
		rec.a, rec.r, rec.flags = int64(mask), int64(old), x.flags
		s.release()
	}
	return old
}

func (x *cInt[T]) And(mask T) T {
	s := x.s
	t, ok := s.owner()
	if !ok {
		t = s.stranger(OpAnd, &x.object)
	}
	rec := s.point(t, OpAnd, &x.object)
	old := x.v
	x.v &= mask
	if rec != nil {
		rec.a, rec.r, rec.flags = int64(mask), int64(old), x.flags
		s.release()
	}
	return old
}

var (
	_ Env     = (*sched)(nil)
	_ RWMutex = (*cMutex)(nil)
	_ Int32   = (*cInt[int32])(nil)
	_ Int64   = (*cInt[int64])(nil)
	_ Cond    = (*cCond)(nil)
)
