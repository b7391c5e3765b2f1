package sched

import (
	"slices"
	"testing"
)

// first always runs the first runnable thread (main when it can).
type first struct{}

func (first) Begin()                     {}
func (first) End(*Outcome)               {}
func (first) Choose(*Point) (int, error) { return 0, nil }

// TestActionsRead pins how every operation reads in a decision record:
// traces show these lines, so a change here is a change of the trace
// format's content.
func TestActionsRead(t *testing.T) {
	o := Run(first{}, Options{}, func(env Env) {
		mu := env.NewMutex("tasklist")
		rw := env.NewRWMutex("ns")
		c := env.NewCond("reaped", mu)
		x := env.NewInt32("cursor", 5)
		w := env.NewInt64("pidmap[3]", 1)
		mu.Lock()
		mu.TryLock()
		mu.Unlock()
		rw.RLock()
		//lint:ignore SA2001 the lock operations themselves are what the test reads
		rw.RUnlock()
		x.Load()
		x.Store(7)
		x.Add(1)
		x.CompareAndSwap(8, 9)
		x.CompareAndSwap(8, 10)
		x.Swap(2)
		w.Or(4)
		w.And(^int64(1))
		env.Yield()
		c.Signal()
		env.Go("A", func() {
			mu.Lock()
			c.Broadcast()
			mu.Unlock()
		})
		mu.Lock()
		c.Wait()
		mu.Unlock()
		env.WaitUntil("threads done", func() bool { return true })
	})
	if o.Verdict != Done {
		t.Fatalf("%v", o)
	}
	var got []string
	for _, d := range o.Decisions() {
		got = append(got, d.Action)
	}
	want := []string{
		"main lock tasklist",
		"main trylock tasklist busy",
		"main unlock tasklist",
		"main rlock ns",
		"main runlock ns",
		"main load cursor = 5",
		"main store cursor 5→7",
		"main add cursor 7→8",
		"main CAS cursor 8→9 ok",
		"main CAS cursor 8→10 fail (is 9)",
		"main swap cursor 9→2",
		"main or pidmap[3] 0x4: 0x1→0x5",
		"main and pidmap[3] 0xfffffffffffffffe: 0x5→0x4",
		"main yield",
		"main signal reaped (no waiter)",
		"main go A",
		"main lock tasklist",
		"main wait reaped",
		"A lock tasklist",
		"A broadcast reaped (wakes 1)",
		"A unlock tasklist",
		"main relock tasklist (after wait reaped)",
		"main unlock tasklist",
		"main wait-until threads done",
	}
	if !slices.Equal(got, want) {
		t.Errorf("actions:\n%q\nwant:\n%q", got, want)
	}
	if d := o.Decisions()[16]; d.String() != "[main A] main lock tasklist" {
		t.Errorf("decision 16 prints %q", d.String())
	}
}

// TestPCTDepthOneNeverInterleaves: with depth 1 PCT has no change points,
// so a thread runs until it blocks or a higher-priority thread appears;
// the increments of the lost-update counter never interleave (each thread
// runs all its increments at once) and the count is always right. The
// bug needs depth 2 (one change point inside a Load–Store pair), which
// TestLitmusLostUpdateFoundByEveryStrategy finds at depth 3.
func TestPCTDepthOneNeverInterleaves(t *testing.T) {
	c := NewPCT(9, 1)
	var final int32
	for range 50 {
		if o := Run(c, Options{}, counter(2, 2, false, &final)); o.Verdict != Done || final != 4 {
			t.Fatalf("%v: final %d\n%s", o, final, o.Tail(14))
		}
	}
}

// TestPOSRedrawsOnlyRacingOperations: after a step, POS draws new
// priorities for the runnable operations that race with it (the same
// object, not two Loads) and for the stepping thread's next one, and keeps
// the others'.
func TestPOSRedrawsOnlyRacingOperations(t *testing.T) {
	c := NewPOS(3)
	c.Begin()
	p := &Point{Runnable: []Pending{
		{Thread: 0, Op: OpStore, Object: 5, object2: -1},
		{Thread: 1, Op: OpLoad, Object: 5, object2: -1},
		{Thread: 2, Op: OpStore, Object: 7, object2: -1},
		{Thread: 3, Op: OpLoad, Object: 5, object2: -1},
	}}
	i, err := c.Choose(p)
	if err != nil {
		t.Fatal(err)
	}
	e := p.Runnable[i]
	for _, r := range p.Runnable {
		want := r.Thread == e.Thread || !e.Independent(r)
		if c.fresh[r.Thread] != want {
			t.Errorf("chose %+v: thread %d (%+v) redrawn %v, want %v", e, r.Thread, r, c.fresh[r.Thread], want)
		}
	}
	// The highest priority ran.
	for _, r := range p.Runnable {
		if r.Thread != e.Thread && !c.fresh[r.Thread] && c.prio[r.Thread] > c.prio[e.Thread] {
			t.Errorf("thread %d had priority %d above the chosen %d's %d", r.Thread, c.prio[r.Thread], e.Thread, c.prio[e.Thread])
		}
	}
	// A thread kept out of the race keeps its priority at the next step.
	kept := map[int]uint64{}
	for _, r := range p.Runnable {
		if !c.fresh[r.Thread] {
			kept[r.Thread] = c.prio[r.Thread]
		}
	}
	if _, err := c.Choose(p); err != nil {
		t.Fatal(err)
	}
	for th, pr := range kept {
		if c.prio[th] != pr {
			t.Errorf("thread %d: priority %d became %d without a race", th, pr, c.prio[th])
		}
	}
	if len(kept) == 0 {
		t.Fatalf("every operation raced with %+v: the test shows nothing", e)
	}
}
