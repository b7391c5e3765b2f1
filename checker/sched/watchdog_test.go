package sched

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// testWatchdog is short, so a watchdog test costs little; the healthy part
// of each run below takes microseconds, far from it.
const testWatchdog = 200 * time.Millisecond

// settled waits until no goroutine of an earlier test is left (goleak
// retries) and returns the number of goroutines there are.
func settled(t *testing.T) int {
	t.Helper()
	goleak.VerifyNone(t)
	return runtime.NumGoroutine()
}

// waitGoroutines polls until exactly want goroutines exist. The wait is
// bounded (the test fails after 10 s) but the test does not depend on how
// long it takes: goroutines that unwind need a moment to exit.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	for range 1000 {
		if runtime.NumGoroutine() == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	buf = buf[:runtime.Stack(buf, true)]
	t.Fatalf("%d goroutines, want %d:\n%s", runtime.NumGoroutine(), want, buf)
}

// TestWatchdogLeavesOnlyTheSpinningThread: a thread that loops without a
// scheduling point is reported as Blocked; the run's other threads are
// unwound at once (A, parked at its first store, and the driver), and what
// stays is the spinning goroutine and the one goroutine parked in its
// coroutine switch. Released, the spinner unwinds at its next scheduling
// point (its deferred call runs, the store after the loop does not) and
// nothing is left.
func TestWatchdogLeavesOnlyTheSpinningThread(t *testing.T) {
	var release, ranOn, unwound, aUnwound atomic.Bool
	base := settled(t)
	o := Run(first{}, Options{Watchdog: testWatchdog}, func(env Env) {
		defer unwound.Store(true)
		x := env.NewInt32("x", 0)
		env.Go("A", func() {
			defer aUnwound.Store(true)
			x.Store(1)
			x.Store(2)
		})
		x.Load()
		for !release.Load() {
		}
		x.Store(3)
		ranOn.Store(true)
	})
	if o.Verdict != Blocked || !strings.Contains(o.Message, "thread main ") {
		t.Fatalf("got %v, want Blocked naming main", o)
	}
	if !slices.Equal(o.Stuck, []string{"main"}) {
		t.Errorf("Stuck = %q, want [main]", o.Stuck)
	}
	waitGoroutines(t, base+2)
	if !aUnwound.Load() {
		t.Error("A, parked at a scheduling point, was not unwound")
	}
	release.Store(true)
	waitGoroutines(t, base)
	if ranOn.Load() || !unwound.Load() {
		t.Errorf("released, main ran on past its scheduling point (%v) or did not unwind (%v)", ranOn.Load(), !unwound.Load())
	}
	goleak.VerifyNone(t)
}

// TestWatchdogUnwindsTheParkedHolderOfARealMutex: A takes a real
// sync.Mutex and parks at a scheduling point holding it; main then blocks
// on that mutex. The watchdog unwinds A (its deferred Unlock runs), which
// lets main reach its next scheduling point and unwind itself: nothing is
// left.
func TestWatchdogUnwindsTheParkedHolderOfARealMutex(t *testing.T) {
	var mu sync.Mutex
	base := settled(t)
	o := Run(first{}, Options{Watchdog: testWatchdog}, func(env Env) {
		x := env.NewInt32("x", 0)
		env.Go("A", func() {
			mu.Lock()
			defer mu.Unlock()
			x.Store(1)
			x.Store(2)
		})
		x.Load()
		mu.Lock()
		x.Store(3)
		mu.Unlock()
	})
	if o.Verdict != Blocked || !strings.Contains(o.Message, "thread main ") {
		t.Fatalf("got %v, want Blocked naming main", o)
	}
	if !slices.Equal(o.Stuck, []string{"main"}) {
		t.Errorf("Stuck = %q, want [main]", o.Stuck)
	}
	waitGoroutines(t, base)
	goleak.VerifyNone(t)
}

// TestWatchdogUnwindsTheThreadThatStartedTheStuckOne: main holds a real
// mutex and starts A, which blocks on it before its first scheduling
// point, while main waits inside Go for A to park. The watchdog unwinds
// main (its deferred Unlock runs), A gets the mutex, returns, and nothing
// is left.
func TestWatchdogUnwindsTheThreadThatStartedTheStuckOne(t *testing.T) {
	var mu sync.Mutex
	base := settled(t)
	o := Run(first{}, Options{Watchdog: testWatchdog}, func(env Env) {
		mu.Lock()
		defer mu.Unlock()
		env.Go("A", func() {
			mu.Lock()
			//lint:ignore SA2001 taking the real mutex is the point: it blocks until main unlocks
			mu.Unlock()
		})
	})
	if o.Verdict != Blocked || !strings.Contains(o.Message, "thread A ") {
		t.Fatalf("got %v, want Blocked naming A", o)
	}
	if !slices.Equal(o.Stuck, []string{"A"}) {
		t.Errorf("Stuck = %q, want [A]", o.Stuck)
	}
	waitGoroutines(t, base)
	goleak.VerifyNone(t)
}

// TestWatchdogDuringUnwinding: the run ends (deadlock), and unwinding B
// blocks in a deferred call on a real channel. The watchdog abandons B,
// the threads after it (C) are still unwound, and B, released, finishes
// alone.
func TestWatchdogDuringUnwinding(t *testing.T) {
	ch := make(chan struct{})
	defer func() {
		select {
		case <-ch:
		default:
			close(ch)
		}
	}()
	base := settled(t)
	var aUnwound, cUnwound atomic.Bool
	o := Run(first{}, Options{Watchdog: testWatchdog}, func(env Env) {
		mu := env.NewMutex("mu")
		env.Go("A", func() {
			defer aUnwound.Store(true)
			mu.Lock()
			mu.Lock()
		})
		env.Go("B", func() {
			defer func() { <-ch }()
			mu.Lock()
		})
		env.Go("C", func() {
			defer cUnwound.Store(true)
			mu.Lock()
		})
	})
	if o.Verdict != Deadlock || !strings.Contains(o.Message, "(then thread B blocked while its deferred calls ran)") {
		t.Fatalf("got %v, want Deadlock, then B blocked while unwinding", o)
	}
	if !slices.Equal(o.Stuck, []string{"B"}) {
		t.Errorf("Stuck = %q, want [B]", o.Stuck)
	}
	waitGoroutines(t, base+2)
	if !aUnwound.Load() || !cUnwound.Load() {
		t.Errorf("A unwound %v, C unwound %v: want both", aUnwound.Load(), cUnwound.Load())
	}
	close(ch)
	waitGoroutines(t, base)
	goleak.VerifyNone(t)
}

// TestEnvFromAForeignGoroutineIsReported: a goroutine started with the go
// statement (not env.Go) that calls the Env ends the run with the verdict
// Foreign and that goroutine's stack, not with a wrong attribution to the
// running thread.
func TestEnvFromAForeignGoroutineIsReported(t *testing.T) {
	for seed := range uint64(5) {
		o := Run(NewRandom(seed), Options{Watchdog: time.Second}, func(env Env) {
			x := env.NewInt32("x", 0)
			env.Go("A", func() { x.Add(1) })
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				x.Add(1)
			}()
			wg.Wait()
			x.Add(1)
		})
		if o.Verdict != Foreign || !o.Failed() {
			t.Fatalf("seed %d: got %v, want Foreign", seed, o)
		}
		if !strings.HasPrefix(o.Message, "Env used outside a managed thread: ") || !strings.Contains(o.Message, "add x") {
			t.Errorf("seed %d: message %q", seed, o.Message)
		}
		if !strings.Contains(o.Message, "TestEnvFromAForeignGoroutineIsReported.func") {
			t.Errorf("seed %d: message has no stack of the foreign goroutine:\n%s", seed, o.Message)
		}
	}
	goleak.VerifyNone(t)
}

// TestEnvFromAForeignGoroutineThatIsAwaitedOnAChannel: the thread waits
// for a result the foreign goroutine never sends (its Env call ended it):
// still Foreign, and reported without waiting for the whole watchdog.
func TestEnvFromAForeignGoroutineThatIsAwaitedOnAChannel(t *testing.T) {
	release := make(chan struct{})
	o := Run(NewRandom(1), Options{Watchdog: testWatchdog}, func(env Env) {
		x := env.NewInt32("x", 0)
		ch := make(chan int32)
		go func() { ch <- x.Load() }()
		select {
		case v := <-ch:
			x.Store(v)
		case <-release:
		}
	})
	if o.Verdict != Foreign || !strings.Contains(o.Message, "load x") {
		t.Fatalf("got %v, want Foreign", o)
	}
	if fmt.Sprint(o.Stuck) != "[main]" {
		t.Errorf("Stuck = %q, want [main]", o.Stuck)
	}
	close(release)
	goleak.VerifyNone(t)
}

// TestWatchdogWhenTheSchedulerItselfIsStuck: a WaitUntil condition that
// blocks (misuse: it must only read), first evaluated by the driver once
// main returned. The
// parked thread A is unwound by another goroutine; only the driver's
// goroutine is left, and it ends when the condition returns.
func TestWatchdogWhenTheSchedulerItselfIsStuck(t *testing.T) {
	ch := make(chan struct{})
	var calls atomic.Int32
	var aUnwound atomic.Bool
	base := settled(t)
	o := Run(first{}, Options{Watchdog: testWatchdog}, func(env Env) {
		env.Go("A", func() {
			defer aUnwound.Store(true)
			env.WaitUntil("never", func() bool {
				calls.Add(1)
				<-ch
				return false
			})
		})
	})
	if o.Verdict != Blocked || !strings.HasPrefix(o.Message, "the scheduler (a WaitUntil condition or the chooser) ran for more than") {
		t.Fatalf("got %v, want Blocked naming the scheduler", o)
	}
	if len(o.Stuck) != 1 || !strings.HasPrefix(o.Stuck[0], "the scheduler") {
		t.Errorf("Stuck = %q, want the scheduler", o.Stuck)
	}
	waitGoroutines(t, base+1)
	if !aUnwound.Load() {
		t.Error("A was not unwound")
	}
	close(ch)
	waitGoroutines(t, base)
	if n := calls.Load(); n != 1 {
		t.Errorf("the condition ran %d times, want once (the driver must not go on deciding)", n)
	}
	goleak.VerifyNone(t)
}
