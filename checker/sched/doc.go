// Package sched is pidcheck's controlled scheduler: it runs concurrent code
// written against Env so that exactly one logical thread runs at a time and a
// Chooser decides, at every shared access, which thread goes next. The same
// decisions always give the same execution, bit for bit.
//
// # Running code
//
//	out := sched.Run(ch, sched.Options{}, func(env sched.Env) { … })
//	err := sched.RunReal(func(env sched.Env) { … })   // real goroutines, sync, sync/atomic
//
// Run executes body as the thread named "main"; threads started with env.Go
// run as coroutines (iter.Pull), each parked at its next visible operation
// (lock, atomic access, Go, Yield, WaitUntil, Cond op), so the scheduler
// knows what every runnable thread is about to do. Control passes between
// coroutines directly: a thread that chooses another resumes it (or yields
// back down the chain of resumers to it), so a switch usually costs one
// coroutine switch, and a decision that keeps the same thread costs none.
// Run returns when every thread has returned or the run is stopped; nothing
// of the run is left running afterwards, whatever the verdict (parked
// threads are unwound by a panic the scheduler recovers; their deferred
// calls run). The one exception is a thread blocked outside the scheduler
// (verdict Blocked): it is unwound as soon as it returns to the scheduler.
//
// RunReal runs body with the pass-through Env (NewRealEnv) and waits for
// every thread it started; a panic in any thread is returned as an error.
//
// # Outcome
//
//	type Outcome struct {
//		Verdict Verdict // Done, Deadlock, StepBound, Panic, Blocked, Diverged, Pruned
//		Message string  // one sentence; with the thread's stack for Panic
//		Hash    uint64  // FNV-1a (64-bit words) over the decisions: thread, action, values
//		Steps   int     // number of decisions
//	}
//	func (o *Outcome) Decisions() []Decision // formatted lazily, then cached
//	func (o *Outcome) Failed() bool          // Deadlock, StepBound, Panic or Blocked
//	func (o *Outcome) Tail(n int) string     // the last n decisions, one per line
//	func (o *Outcome) String() string        // "deadlock after 9 decisions (hash …): deadlock: A waits for lock b (held by B); …"
//
//	type Decision struct {
//		Runnable []string // threads runnable at this point, in creation order (main first)
//		Thread   string   // the one chosen
//		Action   string   // what it then did: "B CAS cursor 5→6 ok", "A lock tasklist"
//	}
//	func (d Decision) String() string // "[main A B] B CAS cursor 5→6 ok"
//
// Actions read: "A lock tasklist", "A trylock m busy", "B load x = 5",
// "B store x 5→7", "B add done 0→1", "B CAS cursor 5→6 ok" / "… fail (is 7)",
// "B swap x 1→0", "B or pidmap[3] 0x4: 0x1→0x5", "A wait c", "A relock m
// (after wait c)", "A signal c (wakes B)", "main go A", "A yield",
// "main wait-until threads done".
//
// Change from the SCHED-API sketch: Decisions is a method, not a field, so a
// run records cheap structured records and formats them only when asked.
// Runnable lists threads in creation order rather than by name.
//
// Verdicts: Done (every thread returned), Deadlock (nothing runnable while a
// thread waits; the message names who waits for what), StepBound (more than
// Options.MaxSteps decisions), Panic (a thread panicked, or misused a
// primitive such as unlocking an unlocked Mutex), Blocked (a thread ran
// longer than Options.Watchdog without reaching a scheduling point: it is
// blocked on something the scheduler cannot see, such as a channel or a
// sync.Mutex), Diverged (a replay met a different runnable set or thread),
// Pruned (a DFS run stopped because every continuation is equivalent to one
// explored before; not a failure).
//
// # Choosers
//
// Every decision goes through one Chooser:
//
//	type Chooser interface {
//		Begin()                         // a run starts
//		Choose(p *Point) (int, error)   // index into p.Runnable; an error stops the run (Diverged, Pruned)
//		End(o *Outcome)                 // the run ended; may turn Done into Diverged
//	}
//	type Point struct { Step, Last int; Runnable []Pending }   // Last: thread that made the previous step, -1 at first
//	func (p *Point) Name(i int) string; ObjectName(i int) string; ThreadName(id int) string
//	type Pending struct { Thread int; Op OpKind; Object int }  // pointer-free; Object -1 for none
//	func (p Pending) Independent(q Pending) bool
//
//	NewRandom(seed uint64) Chooser               // uniform among runnable threads
//	NewPCT(seed uint64, depth int) *PCT          // Burckhardt et al., ASPLOS 2010; (*PCT).SetSteps(k)
//	NewReplay(d []Decision) Chooser              // follows a record; Diverged "diverged at decision k: expected …, found …"
//	NewDrawing(draw func(n int) int) Chooser     // every contested decision from draw (checker.NewRapidChooser: rapid shrinks interleavings)
//	NewDFS(preemptionBound int) *DFS             // exhaustive, with sleep sets; bound < 0: unbounded
//
// DFS is an explorer used across runs:
//
//	d := sched.NewDFS(2)
//	for d.Next() {
//		out := sched.Run(d, opts, body)
//		…
//	}
//	d.Count(), d.Pruned(), d.Exhausted()
//
// (*DFS).WithoutSleepSets() turns the reduction off (for counting tests).
// A preemption is choosing another thread while the previous step's thread
// could continue. Sleep sets skip runs that only reorder independent steps
// (different objects; two Loads of one object; never a WaitUntil; a step
// that leaves a writer waiting at an RWMutex depends on its RLocks: the
// table is in DFS's comment). With a finite bound a thread goes to sleep
// only after a subtree the bound did not cut, so sleep sets never lose a
// run the bound allows (naive sleep sets do).
// A panic inside a Chooser (rapid stops a test that way) unwinds the run and
// is re-raised by Run in the caller's goroutine.
// Each chooser owns one seeded source (math/rand/v2 PCG); nothing is global.
// A Chooser is used by one run at a time. A decision with one runnable
// thread is still a decision (recorded, hashed, replayed), but NewRapid
// draws nothing for it.
//
// Options{MaxSteps, Watchdog}: 0 means DefaultMaxSteps (100000) and
// DefaultWatchdog (10 s).
//
// # Writing code for the scheduler
//
// Code under test uses only Env for shared memory and threads. Inside a
// WaitUntil condition, Loads are not scheduling points (the scheduler
// evaluates the condition itself). Code must not block on channels or sync
// primitives the scheduler cannot see: the watchdog reports that as Blocked,
// and the blocked goroutine is unwound when it next reaches the scheduler.
// Env methods must be called from the managed thread itself (not from a
// goroutine it starts with the go statement).
package sched
