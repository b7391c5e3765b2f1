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
// Run returns when every thread has returned or the run is stopped. Every
// thread parked at a scheduling point is then unwound by a panic the
// scheduler recovers (its deferred calls run, their Env operations
// performed directly, with no decisions), so nothing of the run is left,
// with one exception.
//
// # What the watchdog leaves behind
//
// A thread that runs longer than Options.Watchdog without reaching a
// scheduling point (it spins, or blocks on a channel, a sync.Mutex or I/O)
// cannot be stopped: Go has no way to kill a goroutine. The watchdog ends
// the run as Blocked and unwinds every other thread at once, including the
// threads waiting in the chain of coroutine switches below the stuck one
// (so one that holds a sync.Mutex the stuck thread waits for releases it in
// a deferred Unlock). Outcome.Stuck names the stuck thread, and what stays
// is exactly two goroutines: the stuck one, which may burn a CPU for the
// rest of the process, and one parked goroutine that holds its coroutine
// (a running Go coroutine always has one goroutine waiting for it; it uses
// no CPU). When the stuck thread reaches a scheduling point (or returns), it
// waits until Run has returned and the others are unwound, then unwinds
// itself at once, alone, without running on; both goroutines end. If it
// is the scheduler that is stuck (a WaitUntil condition that blocks, or a
// chooser), the threads are unwound by another goroutine and the stuck
// goroutine is the only one left; it ends when the condition returns.
// A thread whose deferred call blocks while it is being unwound is treated
// the same way, as a second stuck thread (named in Stuck too); the threads
// after it are still unwound. A thread that blocks again in the deferred
// calls it runs after coming back keeps the other stuck threads from
// unwinding after it. An explorer should run no more code that left a
// stuck thread: each one is a goroutine that may spin forever.
//
// RunReal runs body with the pass-through Env (NewRealEnv) and waits for
// every thread it started; a panic in any thread is returned as an error.
//
// # Outcome
//
//	type Outcome struct {
//		Verdict Verdict  // Done, Deadlock, StepBound, Panic, Blocked, Diverged, Pruned, Foreign
//		Message string   // one sentence; with the goroutine's stack for Panic and Foreign
//		Hash    uint64   // FNV-1a (64-bit words) over the decisions: thread, action, values
//		Steps   int      // number of decisions
//		Stuck   []string // threads left running outside the scheduler (see above); empty unless the watchdog took the run
//	}
//	func (o *Outcome) Decisions() []Decision // formatted lazily, then cached
//	func (o *Outcome) Failed() bool          // Deadlock, StepBound, Panic, Blocked or Foreign
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
// A run records its decisions as compact records; Decisions formats them
// on its first call.
//
// Verdicts: Done (every thread returned), Deadlock (nothing runnable while a
// thread waits; the message names who waits for what), StepBound (more than
// Options.MaxSteps decisions), Panic (a thread panicked, or misused a
// primitive such as unlocking an unlocked Mutex), Blocked (a thread ran
// longer than Options.Watchdog without reaching a scheduling point: it is
// blocked on something the scheduler cannot see, such as a channel or a
// sync.Mutex; the message names the thread, or the scheduler when a
// WaitUntil condition or the chooser blocked), Diverged (a replay met a
// different runnable set or thread), Pruned (a DFS run stopped because
// every continuation is equivalent to one explored before; not a failure),
// Foreign (a goroutine that is none of the run's threads called the Env:
// "Env used outside a managed thread: … called add x …", then that
// goroutine's stack; it takes precedence over every other verdict, which
// may be its consequence).
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
//	NewPOS(seed uint64) *POS                     // partial-order sampling, Yuan, Yang and Gu, CAV 2018
//	NewReplay(d []Decision) Chooser              // follows a record; Diverged "diverged at decision k: expected …, found …"
//	NewDrawing(draw func(n int) int) Chooser     // every contested decision from draw (checker.NewRapidChooser: rapid shrinks interleavings)
//	NewDFS(preemptionBound int) *DFS             // exhaustive, with sleep sets; bound < 0: unbounded
//	Observed(env Env)                            // the step in progress records an ordered observation (no scheduling point)
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
// table is in DFS's comment; two steps that called Observed(env), as the
// checker's recorder does at every call and return, are dependent too).
// With a finite bound a thread goes to sleep only after a subtree the
// bound did not cut, so sleep sets never lose a run the bound allows (naive
// sleep sets do).
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
// primitives the scheduler cannot see: the watchdog reports that as
// Blocked, and leaves what is said above.
//
// Env methods must be called from the managed thread itself, never from a
// goroutine it starts with the go statement. The controlled Env checks it
// at every call, by comparing the calling goroutine with the running
// thread's (its runtime g, read by a two-instruction assembly function on
// amd64 and arm64; elsewhere parsed from runtime.Stack, which is correct
// but costs about a microsecond a call). A call from another goroutine is
// not performed: the run ends with the verdict Foreign, carrying that
// goroutine's stack, and the goroutine exits (runtime.Goexit, so its
// deferred calls run: a WaitGroup.Done releases the thread waiting for
// it). A thread left waiting for a value the goroutine would have sent is
// taken over by the watchdog within half of Options.Watchdog, and the
// verdict is still Foreign. A foreign call made after the run ended is not
// reported (the goroutine still exits).
package sched
