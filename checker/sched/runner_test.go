package sched

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// runnerPrograms are runs of every ending: done, a lost update (done with
// another final value), a deadlock, a thread's panic, a WaitUntil
// condition's panic, and threads that start threads.
func runnerPrograms() map[string]func(env Env) {
	var final int32
	return map[string]func(env Env){
		"counter":  counter(3, 3, false, &final),
		"locked":   counter(2, 3, true, &final),
		"deadlock": func(env Env) { lockOrder(env) },
		"panic": func(env Env) {
			x := env.NewInt32("x", 0)
			env.Go("A", func() { x.Store(1); panic("boom") })
			env.Go("B", func() { x.Store(2) })
			x.Load()
		},
		"cond panic": func(env Env) {
			x := env.NewInt32("x", 0)
			env.Go("A", func() { x.Store(1) })
			env.WaitUntil("x is 1", func() bool {
				if x.Load() == 1 {
					panic("cond")
				}
				return false
			})
		},
		"nested": func(env Env) {
			x := env.NewInt32("x", 0)
			env.Go("A", func() {
				env.Go("A1", func() { x.Add(1) })
				x.Add(1)
			})
			env.Go("B", func() { x.Add(1) })
			env.WaitUntil("three adds", func() bool { return x.Load() == 3 })
		},
	}
}

// lockOrder takes two mutexes in opposite orders on two threads.
func lockOrder(env Env) {
	a, b := env.NewMutex("a"), env.NewMutex("b")
	done := env.NewInt32("done", 0)
	//lint:ignore SA2001 the inner lock is taken only to order the two threads
	env.Go("A", func() { a.Lock(); b.Lock(); b.Unlock(); a.Unlock(); done.Add(1) })
	//lint:ignore SA2001 the inner lock is taken only to order the two threads
	env.Go("B", func() { b.Lock(); a.Lock(); a.Unlock(); b.Unlock(); done.Add(1) })
	env.WaitUntil("both done", func() bool { return done.Load() == 2 })
}

// TestRunnerRunsAsRun: runs on one Runner, its coroutines passed from
// program to program, give what Run gives for the same chooser: the
// verdict, the message's first line, the hash and the decisions; and the
// Runner keeps no more coroutines than a run has threads.
func TestRunnerRunsAsRun(t *testing.T) {
	progs := runnerPrograms()
	names := make([]string, 0, len(progs))
	for n := range progs {
		names = append(names, n)
	}
	slices.Sort(names)
	verdicts := map[Verdict]bool{}
	r := NewRunner()
	defer r.Close()
	for seed := range uint64(30) {
		for _, n := range names {
			want := Run(NewRandom(seed), Options{}, progs[n])
			got := r.Run(NewRandom(seed), Options{}, progs[n])
			verdicts[want.Verdict] = true
			line := func(o *Outcome) string { l, _, _ := strings.Cut(o.Message, "\n"); return l }
			if got.Verdict != want.Verdict || line(got) != line(want) || got.Hash != want.Hash || got.Steps != want.Steps {
				t.Fatalf("%s, seed %d: Runner gave %s %q %x (%d steps), Run %s %q %x (%d steps)", n, seed, got.Verdict, line(got), got.Hash, got.Steps, want.Verdict, line(want), want.Hash, want.Steps)
			}
			if !slices.EqualFunc(got.Decisions(), want.Decisions(), func(a, b Decision) bool { return a.String() == b.String() }) {
				t.Fatalf("%s, seed %d: other decisions on the Runner", n, seed)
			}
			if len(r.idle) == 0 || len(r.idle) > 4 {
				t.Fatalf("%s, seed %d: the Runner keeps %d coroutines after a run of at most 4 threads", n, seed, len(r.idle))
			}
		}
	}
	for _, v := range []Verdict{Done, Deadlock, Panic} {
		if !verdicts[v] {
			t.Errorf("no program ended %s", v)
		}
	}
}

// TestRunnerReusesCoroutines: a thread of the second run runs on a
// goroutine a thread of the first one ran on; Close ends them all (the
// package's TestMain checks no goroutine is left).
func TestRunnerReusesCoroutines(t *testing.T) {
	r := NewRunner()
	goroutines := func() map[uintptr]bool {
		gs := map[uintptr]bool{}
		r.Run(NewRandom(1), Options{}, func(env Env) {
			var done atomic.Int32
			gs[getg()] = true
			x := env.NewInt32("x", 0)
			env.Go("A", func() { gs[getg()] = true; x.Add(1); done.Add(1) })
			env.WaitUntil("A done", func() bool { return x.Load() == 1 })
		})
		return gs
	}
	first, second := goroutines(), goroutines()
	shared := 0
	for g := range second {
		if first[g] {
			shared++
		}
	}
	if shared != 2 {
		t.Fatalf("%d of the second run's 2 threads ran on the first run's goroutines", shared)
	}
	r.Close()
	if len(r.idle) != 0 {
		t.Fatal("Close left coroutines")
	}
}

// TestRunnerAfterTheWatchdog: after a run the watchdog took over, the
// coroutine of its thread that had returned is ended (not kept, not left
// parked), the spinning thread unwinds alone once released, and the
// Runner goes on running runs.
func TestRunnerAfterTheWatchdog(t *testing.T) {
	base := settled(t)
	r := NewRunner()
	var release atomic.Bool
	o := r.Run(first{}, Options{Watchdog: testWatchdog}, func(env Env) {
		x := env.NewInt32("x", 0)
		env.Go("A", func() { x.Store(1) })
		env.WaitUntil("A stored", func() bool { return x.Load() == 1 })
		for !release.Load() {
		}
		x.Store(2)
	})
	if o.Verdict != Blocked {
		t.Fatalf("got %v, want Blocked", o)
	}
	if len(r.idle) != 0 {
		t.Fatalf("the Runner kept %d coroutines of a run the watchdog took", len(r.idle))
	}
	release.Store(true)
	waitGoroutines(t, base)
	var final int32
	if o := r.Run(NewRandom(1), Options{}, counter(2, 2, true, &final)); o.Verdict != Done || final != 4 {
		t.Fatalf("after the watchdog: %v, final %d", o, final)
	}
	r.Close()
	waitGoroutines(t, base)
}
