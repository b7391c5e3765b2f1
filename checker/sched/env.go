package sched

// Env is everything concurrent code under test may use to share memory and
// to run threads. Implementations in package alloc are written against Env
// only, never against sync or sync/atomic, so the controlled scheduler sees
// (and decides the order of) every shared access.
//
// There are two Envs: the controlled one, where every primitive operation is
// a scheduling point and exactly one thread runs at a time, and a
// pass-through one over sync and sync/atomic for real concurrency (stress
// runs, go test -race).
//
// Every object is created with a name ("cursor", "pidmap[3]", "tasklist"):
// the scheduler's decision record says which thread did what to which
// object ("B CAS cursor 5→6 ok"), so an interleaving reads as one.
// Create objects before or while threads run; names need not be unique, but
// unique names make traces clearer.
type Env interface {
	NewMutex(name string) Mutex
	NewRWMutex(name string) RWMutex
	NewInt32(name string, v int32) Int32
	NewInt64(name string, v int64) Int64
	// NewCond returns a condition variable bound to l, which must be a
	// Mutex (or RWMutex) made by this Env.
	NewCond(name string, l Locker) Cond

	// Go starts f as a new managed thread. The run ends when every thread
	// has returned.
	Go(name string, f func())
	// Yield is a scheduling point with no shared access.
	Yield()
	// WaitUntil blocks the calling thread until cond() holds. cond is
	// evaluated at scheduling points, possibly by another thread: it may
	// only read (Load on this Env's atomics, or memory that is written only
	// under a Mutex the caller does not hold) and must not block, lock or
	// write. what names the wait in deadlock reports ("fork: s1 has numbers in flight").
	WaitUntil(what string, cond func() bool)
}

// Observed marks the step in progress on env (the code since the thread's
// last scheduling point) as one that records an observation whose order
// against other threads' observations matters: a checker's history, whose
// calls and returns are ticks of one counter. It is not a scheduling point
// and changes no decision; DFS treats two observed steps as dependent, so
// sleep sets and DPOR never skip a run that only reorders them. (Without
// it, two steps on different objects commute for the program, but not for
// the history: one order puts one op's return before the other's call,
// a real-time constraint a linearizability check may need.) On an Env
// that is not a controlled run's it does nothing.
func Observed(env Env) {
	if s, ok := env.(*sched); ok {
		s.observed = true
	}
}

// Locker is the part of Mutex that Cond needs.
type Locker interface {
	Lock()
	Unlock()
}

// Mutex is a mutual-exclusion lock, as sync.Mutex.
type Mutex interface {
	Lock()
	Unlock()
	TryLock() bool
}

// RWMutex is a reader/writer lock, as sync.RWMutex.
type RWMutex interface {
	Mutex
	RLock()
	RUnlock()
}

// Int32 is an atomic 32-bit integer, as atomic.Int32.
type Int32 interface {
	Load() int32
	Store(v int32)
	Add(delta int32) int32
	CompareAndSwap(old, new int32) bool
	Swap(v int32) int32
	Or(mask int32) (old int32)
	And(mask int32) (old int32)
}

// Int64 is an atomic 64-bit integer, as atomic.Int64. Bitmaps are built
// from Int64 words ("pidmap[3]"): Or is test_and_set_bit (the bit was
// already set when old&mask != 0), And with ^mask is test_and_clear_bit.
type Int64 interface {
	Load() int64
	Store(v int64)
	Add(delta int64) int64
	CompareAndSwap(old, new int64) bool
	Swap(v int64) int64
	Or(mask int64) (old int64)
	And(mask int64) (old int64)
}

// Cond is a condition variable, as sync.Cond: Wait atomically unlocks the
// Locker and suspends; on wake-up it locks again before returning.
type Cond interface {
	Wait()
	Signal()
	Broadcast()
}
