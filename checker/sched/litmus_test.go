package sched

import (
	"flag"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"pgregory.net/rapid"
)

// counter is the lost-update litmus: threads × incs increments of x, each
// a Load then a Store (not atomic as a whole). With locked, each increment
// holds mutex "mu". final receives x at the end.
func counter(threads, incs int, locked bool, final *int32) func(env Env) {
	return func(env Env) {
		x := env.NewInt32("x", 0)
		mu := env.NewMutex("mu")
		done := env.NewInt32("done", 0)
		for i := 0; i < threads; i++ {
			env.Go(string(rune('A'+i)), func() {
				for j := 0; j < incs; j++ {
					if locked {
						mu.Lock()
					}
					v := x.Load()
					x.Store(v + 1)
					if locked {
						mu.Unlock()
					}
				}
				done.Add(1)
			})
		}
		env.WaitUntil("threads done", func() bool { return int(done.Load()) == threads })
		*final = x.Load()
	}
}

// strategy runs a program up to n times under one chooser kind, calling
// each with every outcome; each returns false to stop early.
type strategy struct {
	name string
	runs func(t *testing.T, n int, body func(env Env), each func(*Outcome) bool)
}

func strategies() []strategy {
	return []strategy{
		{"random", func(t *testing.T, n int, body func(env Env), each func(*Outcome) bool) {
			for seed := range uint64(n) {
				if !each(Run(NewRandom(seed), Options{}, body)) {
					return
				}
			}
		}},
		{"pct", func(t *testing.T, n int, body func(env Env), each func(*Outcome) bool) {
			c := NewPCT(1, 3)
			for range n {
				if !each(Run(c, Options{}, body)) {
					return
				}
			}
		}},
		{"pos", func(t *testing.T, n int, body func(env Env), each func(*Outcome) bool) {
			c := NewPOS(1)
			for range n {
				if !each(Run(c, Options{}, body)) {
					return
				}
			}
		}},
		{"dfs", func(t *testing.T, n int, body func(env Env), each func(*Outcome) bool) {
			d := NewDFS(2)
			for d.Next() && d.Count() < n {
				if o := Run(d, Options{}, body); o.Verdict != Pruned && !each(o) {
					return
				}
			}
		}},
		{"rapid", func(t *testing.T, n int, body func(env Env), each func(*Outcome) bool) {
			gen := rapid.Custom(func(rt *rapid.T) *Outcome { return Run(newRapid(rt), Options{}, body) })
			for seed := range n {
				if !each(gen.Example(seed)) {
					return
				}
			}
		}},
	}
}

// TestLitmusLostUpdateFoundByEveryStrategy: two threads incrementing with
// Load+Store lose an update under some interleaving; every strategy finds
// one, and replaying its decisions reproduces it exactly.
func TestLitmusLostUpdateFoundByEveryStrategy(t *testing.T) {
	for _, st := range strategies() {
		t.Run(st.name, func(t *testing.T) {
			var final int32
			var found *Outcome
			st.runs(t, 200, counter(2, 2, false, &final), func(o *Outcome) bool {
				if o.Verdict != Done {
					t.Fatalf("run ended %v", o)
				}
				if final < 4 {
					found = o
					return false
				}
				return true
			})
			if found == nil {
				t.Fatalf("%s did not lose an update in 200 runs", st.name)
			}
			lost := final
			again := Run(NewReplay(found.Decisions()), Options{}, counter(2, 2, false, &final))
			if again.Verdict != Done || again.Hash != found.Hash || final != lost {
				t.Fatalf("replay: %v, final %d; want done, hash %016x, final %d", again, final, found.Hash, lost)
			}
		})
	}
}

// TestLitmusLostUpdateDFSReachesExactlyTheFinalValues: with 2 threads × 2
// increments the final counter can be 2, 3 or 4 — never 1 (each thread's
// second Load sees at least its own first Store) — and exhaustive DFS
// reaches exactly {2, 3, 4}, with and without sleep sets.
func TestLitmusLostUpdateDFSReachesExactlyTheFinalValues(t *testing.T) {
	for _, sleep := range []bool{true, false} {
		d := NewDFS(-1)
		if !sleep {
			d.WithoutSleepSets()
		}
		seen := map[int32]bool{}
		var final int32
		for d.Next() {
			o := Run(d, Options{}, counter(2, 2, false, &final))
			switch o.Verdict {
			case Done:
				seen[final] = true
			case Pruned:
			default:
				t.Fatalf("run %d: %v", d.Count(), o)
			}
		}
		var got []int32
		for v := range seen {
			got = append(got, v)
		}
		slices.Sort(got)
		if !d.Exhausted() || !slices.Equal(got, []int32{2, 3, 4}) {
			t.Errorf("sleep sets %v: final values %v after %d runs (exhausted %v), want [2 3 4]", sleep, got, d.Count(), d.Exhausted())
		}
		t.Logf("sleep sets %v: %d runs, %d pruned", sleep, d.Count(), d.Pruned())
	}
}

// TestLitmusLockedCounterNeverFails: the same counter under a mutex ends at
// 4 under every strategy, and DFS exhausts the space.
func TestLitmusLockedCounterNeverFails(t *testing.T) {
	for _, st := range strategies() {
		t.Run(st.name, func(t *testing.T) {
			var final int32
			runs := 0
			st.runs(t, 100, counter(2, 2, true, &final), func(o *Outcome) bool {
				runs++
				if o.Verdict != Done || final != 4 {
					t.Fatalf("%v: final %d, want done with 4\n%s", o, final, o.Tail(20))
				}
				return true
			})
			if runs == 0 {
				t.Fatal("no run")
			}
		})
	}
	d := NewDFS(-1)
	var final int32
	for d.Next() {
		if o := Run(d, Options{}, counter(2, 2, true, &final)); o.Verdict == Done && final != 4 || o.Failed() {
			t.Fatalf("dfs: %v, final %d", o, final)
		}
	}
	if !d.Exhausted() {
		t.Fatal("dfs did not exhaust the locked counter")
	}
}

// oppositeLocks: A takes a then b, B takes b then a.
func oppositeLocks(env Env) {
	a, b := env.NewMutex("a"), env.NewMutex("b")
	//lint:ignore SA2001 the lock operations themselves are what the test exercises
	env.Go("A", func() { a.Lock(); b.Lock(); b.Unlock(); a.Unlock() })
	//lint:ignore SA2001 the lock operations themselves are what the test exercises
	env.Go("B", func() { b.Lock(); a.Lock(); a.Unlock(); b.Unlock() })
}

// TestLitmusOppositeLocksDeadlock: every strategy reports the deadlock,
// naming who waits for what, with the interleaving that led there.
func TestLitmusOppositeLocksDeadlock(t *testing.T) {
	for _, st := range strategies() {
		t.Run(st.name, func(t *testing.T) {
			var found *Outcome
			st.runs(t, 200, oppositeLocks, func(o *Outcome) bool {
				switch o.Verdict {
				case Done:
					return true
				case Deadlock:
					found = o
					return false
				}
				t.Fatalf("unexpected %v", o)
				return false
			})
			if found == nil {
				t.Fatal("no deadlock found")
			}
			for _, want := range []string{"A waits for lock b (held by B)", "B waits for lock a (held by A)"} {
				if !strings.Contains(found.Message, want) {
					t.Errorf("message %q lacks %q", found.Message, want)
				}
			}
			var acts []string
			for _, d := range found.Decisions() {
				acts = append(acts, d.Action)
			}
			if !slices.Contains(acts, "A lock a") || !slices.Contains(acts, "B lock b") || acts[len(acts)-1] == "" {
				t.Errorf("decisions %q lack the two first locks", acts)
			}
		})
	}
}

// TestLitmusEndlessLoopHitsStepBound: a thread spinning on a Load forever.
func TestLitmusEndlessLoopHitsStepBound(t *testing.T) {
	o := Run(NewRandom(1), Options{MaxSteps: 500}, func(env Env) {
		flag := env.NewInt32("flag", 0)
		env.Go("A", func() {
			for flag.Load() == 0 {
			}
		})
	})
	if o.Verdict != StepBound || o.Steps != 500 || !strings.Contains(o.Message, "step bound 500") || !strings.Contains(o.Message, "A at load flag") {
		t.Fatalf("got %v, want step bound after 500 decisions naming A", o)
	}
}

func panicker() { panic("boom") }

// TestLitmusPanicReportedWithStack: a panicking thread ends the run with
// its stack; the other thread, parked at a lock, is unwound and its
// deferred Unlock runs.
func TestLitmusPanicReportedWithStack(t *testing.T) {
	unwound := false
	o := Run(NewRandom(3), Options{}, func(env Env) {
		mu := env.NewMutex("mu")
		gate := env.NewInt32("gate", 0)
		env.Go("A", func() {
			mu.Lock()
			defer func() { unwound = true; mu.Unlock() }()
			env.WaitUntil("never", func() bool { return gate.Load() == 1 })
		})
		env.Go("B", func() { gate.Load(); panicker() })
	})
	if o.Verdict != Panic || !strings.Contains(o.Message, "thread B panicked: boom") || !strings.Contains(o.Message, "sched.panicker") {
		t.Fatalf("got %v\n%s, want B's panic with its stack", o, o.Message)
	}
	if !unwound {
		t.Error("thread A was not unwound (its deferred call did not run)")
	}
}

// TestLitmusUnlockOfUnlockedMutexIsPanic: misuse is reported like sync's
// fatal error, as a panic of the thread.
func TestLitmusUnlockOfUnlockedMutexIsPanic(t *testing.T) {
	o := Run(NewRandom(0), Options{}, func(env Env) { env.NewMutex("tasklist").Unlock() })
	if o.Verdict != Panic || !strings.Contains(o.Message, "unlock of unlocked mutex tasklist") {
		t.Fatalf("got %v", o)
	}
}

// TestLitmusRealChannelBlockedByWatchdog: a thread blocked on a channel the
// scheduler cannot see is reported by the watchdog; once the channel is
// closed, the blocked goroutine unwinds and nothing is left running.
func TestLitmusRealChannelBlockedByWatchdog(t *testing.T) {
	ch := make(chan int)
	start := time.Now()
	// A second, not less: a loaded machine may stall a healthy thread for
	// 100ms between two scheduling points, and the watchdog would name it.
	o := Run(NewRandom(0), Options{Watchdog: time.Second}, func(env Env) {
		x := env.NewInt32("x", 0)
		env.Go("A", func() {
			x.Store(1)
			<-ch
			x.Store(2)
		})
		x.Load()
	})
	if o.Verdict != Blocked || !strings.Contains(o.Message, "thread A ") {
		t.Fatalf("got %v, want Blocked naming A", o)
	}
	if ds := o.Decisions(); len(ds) == 0 || ds[len(ds)-1].Action != "A store x 0→1" {
		t.Errorf("decisions %v: want the last to be A's first store", ds)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("the watchdog took %v", time.Since(start))
	}
	close(ch)
	goleak.VerifyNone(t)
}

// TestLitmusSyncMutexBlockedByWatchdog: the same for a real sync.Mutex.
func TestLitmusSyncMutexBlockedByWatchdog(t *testing.T) {
	var mu sync.Mutex
	mu.Lock()
	o := Run(NewRandom(0), Options{Watchdog: time.Second}, func(env Env) {
		env.Yield()
		mu.Lock()
		//lint:ignore SA2001 the lock operations themselves are what the test exercises
		mu.Unlock()
	})
	if o.Verdict != Blocked || !strings.Contains(o.Message, "thread main ") {
		t.Fatalf("got %v, want Blocked naming main", o)
	}
	mu.Unlock()
	goleak.VerifyNone(t)
}

// TestCondWaitSignal: a producer/consumer over a Cond completes under every
// strategy, and a consumer that nobody signals is a deadlock.
func TestCondWaitSignal(t *testing.T) {
	body := func(env Env) {
		mu := env.NewMutex("mu")
		c := env.NewCond("nonempty", mu)
		n := env.NewInt32("n", 0)
		env.Go("P", func() {
			mu.Lock()
			n.Add(1)
			c.Signal()
			mu.Unlock()
		})
		mu.Lock()
		for n.Load() == 0 {
			c.Wait()
		}
		mu.Unlock()
	}
	d := NewDFS(-1)
	for d.Next() {
		if o := Run(d, Options{}, body); o.Verdict != Done && o.Verdict != Pruned {
			t.Fatalf("%v\n%s", o, o.Tail(20))
		}
	}
	o := Run(NewRandom(0), Options{}, func(env Env) {
		mu := env.NewMutex("mu")
		c := env.NewCond("nonempty", mu)
		mu.Lock()
		c.Wait()
	})
	if o.Verdict != Deadlock || !strings.Contains(o.Message, "main waits in nonempty (not signalled)") {
		t.Fatalf("got %v", o)
	}
}

// TestRWMutexWriterBlocksNewReaders: as sync.RWMutex, a waiting writer
// blocks new readers, so a recursive read lock can deadlock.
func TestRWMutexWriterBlocksNewReaders(t *testing.T) {
	deadlocks := 0
	for seed := range uint64(100) {
		o := Run(NewRandom(seed), Options{}, func(env Env) {
			rw := env.NewRWMutex("rw")
			//lint:ignore SA2001 the lock operations themselves are what the test exercises
			env.Go("W", func() { rw.Lock(); rw.Unlock() })
			rw.RLock()
			env.Yield()
			rw.RLock()
			//lint:ignore SA2001 the lock operations themselves are what the test exercises
			rw.RUnlock()
			rw.RUnlock()
		})
		switch o.Verdict {
		case Deadlock:
			deadlocks++
			if !strings.Contains(o.Message, "W waits for lock rw (held by 1 readers)") {
				t.Fatalf("message %q", o.Message)
			}
		case Done:
		default:
			t.Fatalf("%v", o)
		}
	}
	if deadlocks == 0 {
		t.Fatal("no deadlock in 100 runs")
	}
}

// TestWaitUntilConditionMayOnlyLoad: a Store inside a condition is a panic
// of the waiting thread, not a hang.
func TestWaitUntilConditionMayOnlyLoad(t *testing.T) {
	o := Run(NewRandom(0), Options{}, func(env Env) {
		x := env.NewInt32("x", 0)
		env.WaitUntil("bad", func() bool { x.Store(1); return true })
	})
	if o.Verdict != Panic || !strings.Contains(o.Message, "store x inside a WaitUntil condition") {
		t.Fatalf("got %v", o)
	}
}

// TestReplayDiverges: a recording edited to choose differently diverges at
// the edited decision with both sides named.
func TestReplayDiverges(t *testing.T) {
	var final int32
	o := Run(NewRandom(7), Options{}, counter(2, 1, false, &final))
	ds := slices.Clone(o.Decisions())
	k := slices.IndexFunc(ds, func(d Decision) bool { return len(d.Runnable) == 2 })
	ds[k].Runnable = []string{"A", "C"}
	r := Run(NewReplay(ds), Options{}, counter(2, 1, false, &final))
	want := fmt.Sprintf("diverged at decision %d: expected runnable [A C], found [%s]", k, strings.Join(o.Decisions()[k].Runnable, " "))
	if r.Verdict != Diverged || r.Message != want {
		t.Fatalf("got %v, want %q", r, want)
	}
	short := Run(NewReplay(o.Decisions()[:3]), Options{}, counter(2, 1, false, &final))
	if short.Verdict != Diverged || !strings.HasPrefix(short.Message, "diverged at decision 3: expected the run to end") {
		t.Fatalf("short recording: got %v", short)
	}
	long := append(slices.Clone(o.Decisions()), Decision{Runnable: []string{"A"}, Thread: "A", Action: "A yield"})
	if l := Run(NewReplay(long), Options{}, counter(2, 1, false, &final)); l.Verdict != Diverged || !strings.Contains(l.Message, "found the run ended") {
		t.Fatalf("long recording: got %v", l)
	}
}

// recordTB is a rapid.TB that records the failure instead of failing.
type recordTB struct {
	failed bool
	log    strings.Builder
}

func (r *recordTB) Helper()                         {}
func (r *recordTB) Name() string                    { return "TestRapidShrinksInterleavings" }
func (r *recordTB) Logf(format string, args ...any) { fmt.Fprintf(&r.log, format+"\n", args...) }
func (r *recordTB) Log(args ...any)                 { fmt.Fprintln(&r.log, args...) }
func (r *recordTB) Skipf(format string, args ...any) {
	panic("skip")
}
func (r *recordTB) Skip(args ...any) { panic("skip") }
func (r *recordTB) SkipNow()         { panic("skip") }
func (r *recordTB) Errorf(format string, args ...any) {
	r.failed = true
	r.Logf(format, args...)
}
func (r *recordTB) Error(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *recordTB) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *recordTB) Fatal(args ...any)                 { r.Error(args...) }
func (r *recordTB) FailNow()                          { r.failed = true }
func (r *recordTB) Fail()                             { r.failed = true }
func (r *recordTB) Failed() bool                      { return r.failed }

// TestRapidShrinksInterleavings: rapid finds the lost update and shrinks
// the interleaving with its draws: the reported run still loses an update,
// with at most as many preemptions as the first failing run rapid found and
// at most three (rapid minimises the draw stream, not the preemption count,
// so it may stop at 2 or 3; one suffices). The seed is fixed.
func TestRapidShrinksInterleavings(t *testing.T) {
	for name, v := range map[string]string{"rapid.nofailfile": "true", "rapid.seed": "12345"} {
		old := flag.Lookup(name).Value.String()
		if err := flag.Set(name, v); err != nil {
			t.Fatal(err)
		}
		defer flag.Set(name, old)
	}
	var last *Outcome
	var final int32
	firstPreemptions := -1
	tb := &recordTB{}
	rapid.Check(tb, func(rt *rapid.T) {
		last = Run(newRapid(rt), Options{}, counter(2, 2, false, &final))
		if final != 4 {
			if firstPreemptions < 0 {
				firstPreemptions = preemptions(last)
			}
			rt.Fatalf("lost update: final %d", final)
		}
	})
	if !tb.failed || !strings.Contains(tb.log.String(), "lost update: final") {
		t.Fatalf("rapid did not report the lost update:\n%s", tb.log.String())
	}
	if p := preemptions(last); final == 4 || p > firstPreemptions || p > 3 {
		t.Errorf("shrunk run: final %d with %d preemptions (first failure had %d), want a lost update with fewer\n%s", final, p, firstPreemptions, last.Tail(20))
	}
	t.Logf("preemptions: first failure %d, shrunk %d", firstPreemptions, preemptions(last))
}

// TestGOMAXPROCS reruns the determinism test with 1 and 2 Ps.
func TestGOMAXPROCS(t *testing.T) {
	for _, p := range []int{1, 2} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(p))
			testDeterminism(t)
		})
	}
}

// preemptions counts decisions that switch away from a thread that could
// have continued.
func preemptions(o *Outcome) int {
	n, prev := 0, ""
	for _, d := range o.Decisions() {
		if prev != "" && d.Thread != prev && slices.Contains(d.Runnable, prev) {
			n++
		}
		prev = d.Thread
	}
	return n
}

// panicky is a chooser that panics at its third decision.
type panicky struct{ n int }

func (c *panicky) Begin()       {}
func (c *panicky) End(*Outcome) {}
func (c *panicky) Choose(p *Point) (int, error) {
	if c.n++; c.n == 3 {
		panic("chooser boom")
	}
	return 0, nil
}

// TestChooserPanicReRaisedAfterUnwinding: a panic inside the chooser (how
// rapid stops a test) comes out of Run in the caller's goroutine, after the
// run is unwound (goleak in TestMain checks nothing is left).
func TestChooserPanicReRaisedAfterUnwinding(t *testing.T) {
	unwound := false
	defer func() {
		if r := recover(); r != "chooser boom" {
			t.Fatalf("recovered %v, want the chooser's panic", r)
		}
		if !unwound {
			t.Fatal("thread A was not unwound")
		}
	}()
	var final int32
	Run(&panicky{}, Options{}, func(env Env) {
		env.Go("A", func() { defer func() { unwound = true }(); env.Yield(); env.Yield() })
		counter(1, 1, false, &final)(env)
	})
	t.Fatal("Run returned")
}

// TestGoexitInThreadIsReported: runtime.Goexit in a thread (t.FailNow from
// inside one) ends the run with a verdict instead of hanging it.
func TestGoexitInThreadIsReported(t *testing.T) {
	o := Run(NewRandom(0), Options{}, func(env Env) {
		env.Go("A", func() { env.Yield(); runtime.Goexit() })
		env.Yield()
		env.Yield()
	})
	if o.Verdict != Panic || !strings.Contains(o.Message, "Goexit") {
		t.Fatalf("got %v", o)
	}
}
