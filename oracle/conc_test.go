package oracle

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// fakeKernel is a concKernel whose answers and times are scripted: the
// history construction is tested without root or a kernel.
type fakeKernel struct {
	t      *testing.T
	clock  int64
	seqRes map[string]model.Result // by op string; default ok
	par    [][]rawOp
	done   []bool // answers of successive complete calls
	calls  int
	closed bool
}

func (f *fakeKernel) tick() int64 { f.clock += 10; return f.clock }

func (f *fakeKernel) seq(op model.Op) (rawOp, error) {
	c := f.tick()
	r := f.seqRes[op.String()]
	return rawOp{res: r, call: c, ret: f.tick(), ran: true}, nil
}

func (f *fakeKernel) parallel(_ context.Context, threads [][]model.Op) ([][]rawOp, error) {
	base := f.clock
	out := make([][]rawOp, len(f.par))
	last := base
	for t, ops := range f.par {
		for _, r := range ops {
			if r.ran {
				r.call += base
				r.ret += base
				last = max(last, r.ret)
			}
			out[t] = append(out[t], r)
		}
	}
	f.clock = last
	return out, nil
}

func (f *fakeKernel) complete() (int64, bool, error) {
	ok := f.calls < len(f.done) && f.done[f.calls]
	f.calls++
	return f.tick(), ok, nil
}

func (f *fakeKernel) close() { f.closed = true }

func ops(t *testing.T, lines ...string) []model.Op { return parseOps(t, lines...) }

// TestConcurrentHistoryFromFakeAgents: the init and post parts are the
// main thread's, the parallel ops keep their agents' times, an async op's
// return waits for the completion observed after the parallel part, and a
// thread whose task died is cut after its last issued op.
func TestConcurrentHistoryFromFakeAgents(t *testing.T) {
	sc := model.Scenario{Level: model.ProcessLevel, Params: Params(),
		Init:    ops(t, "t0 fork t1", "t0 fork t2"),
		Threads: [][]model.Op{ops(t, "t1 fork t3", "t1 exit 0"), ops(t, "t2 getpid", "t2 getppid", "t2 fork t4")},
		Post:    ops(t, "t0 wait -1")}
	f := &fakeKernel{t: t, seqRes: map[string]model.Result{"t0 fork t1": {NSpid: []int{2}}, "t0 fork t2": {NSpid: []int{3}}},
		par: [][]rawOp{
			{{res: model.Result{NSpid: []int{4}}, call: 5, ret: 9, ran: true}, {call: 12, ret: 12, async: true, ran: true}},
			{{res: model.Result{N: 3}, call: 6, ret: 7, ran: true}, {res: model.Result{N: 1}, call: 8, ret: 20, ran: true}, {}},
		},
		done: []bool{true}}
	run, err := runConcurrent(context.Background(), f, sc)
	if err != nil {
		t.Fatal(err)
	}
	if run.Unknown != "" {
		t.Fatalf("unknown: %s", run.Unknown)
	}
	var got []string
	for _, o := range run.History {
		got = append(got, strings.Join([]string{threadLabel(o.Thread), o.Op.String(), o.Result.Format(o.Op.Kind)}, " "))
	}
	want := []string{"main t0 fork t1 [2]", "main t0 fork t2 [3]", "A t1 fork t3 [4]", "B t2 getpid 3", "B t2 getppid 1", "A t1 exit 0 ok", "main t0 wait -1 0"}
	if !slices.Equal(got, want) {
		t.Fatalf("history:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	exit := run.History[5]
	if !exit.Async || exit.Return <= 40+20 {
		t.Fatalf("the exit's return %d is not the completion's time (after every parallel op)", exit.Return)
	}
	if len(run.Scenario.Threads[1]) != 2 {
		t.Fatalf("thread B ran 2 ops; the scenario keeps %d", len(run.Scenario.Threads[1]))
	}
	if run.Overlaps == 0 {
		t.Fatal("A's fork [5,9] and B's getpid [6,7] overlap; Overlaps says none")
	}
}

func threadLabel(t int) string {
	if t == Main {
		return "main"
	}
	return model.ThreadName(t)
}

// TestAsyncReturnWaitsForThePostPart: an effect not complete after the
// parallel part (a dying init waits for a wait op) completes after a post
// op; one never complete makes the run Unknown, with a return after
// everything.
func TestAsyncReturnWaitsForThePostPart(t *testing.T) {
	sc := model.Scenario{Level: model.ProcessLevel, Params: Params(),
		Init: ops(t, "t0 fork t1"), Threads: [][]model.Op{ops(t, "t1 exit 0")}, Post: ops(t, "t0 wait -1", "t0 getpid")}
	for _, c := range []struct {
		complete []bool
		unknown  bool
		after    int // the history index the exit's return must follow
	}{
		{complete: []bool{false, true}, after: 2},
		{complete: []bool{false, false, false}, unknown: true, after: 3},
	} {
		f := &fakeKernel{t: t, par: [][]rawOp{{{call: 1, ret: 1, async: true, ran: true}}}, done: c.complete}
		run, err := runConcurrent(context.Background(), f, sc)
		if err != nil {
			t.Fatal(err)
		}
		if (run.Unknown != "") != c.unknown {
			t.Fatalf("complete %v: unknown %q", c.complete, run.Unknown)
		}
		exit := run.History[1]
		if exit.Op.Kind != model.Exit || exit.Return <= run.History[c.after].Return {
			t.Fatalf("complete %v: exit returns at %d, not after %s (%d)", c.complete, exit.Return, run.History[c.after].Op, run.History[c.after].Return)
		}
	}
}

// TestUnansweredOpMakesTheRunUnknown: an op whose task died during it has
// no answer: the run is Unknown, never judged.
func TestUnansweredOpMakesTheRunUnknown(t *testing.T) {
	sc := model.Scenario{Level: model.ProcessLevel, Params: Params(),
		Init: ops(t, "t0 fork t1"), Threads: [][]model.Op{ops(t, "t1 fork t2", "t1 fork t3")}}
	f := &fakeKernel{t: t, par: [][]rawOp{{{call: 1, ret: 1, ran: true, unanswered: "its task died during the call"}, {}}}}
	run, err := runConcurrent(context.Background(), f, sc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(run.Unknown, "died during the call") || len(run.Scenario.Threads[0]) != 1 {
		t.Fatalf("unknown %q, thread A kept %d ops", run.Unknown, len(run.Scenario.Threads[0]))
	}
}

// TestTicksKeepRealTime: random timed histories rank into distinct ticks
// that keep every real-time order, each op's call below its return, each
// thread's ops in order, and equal nanoseconds concurrent.
func TestTicksKeepRealTime(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := 1 + r.IntN(12)
		var h []TimedOp
		next := map[int]int64{}
		for range n {
			th := r.IntN(3) - 1
			c := next[th] + int64(r.IntN(4))
			ret := c + int64(r.IntN(4))
			next[th] = ret + 1 + int64(r.IntN(2))
			h = append(h, TimedOp{Thread: th, Call: c, Return: ret})
		}
		calls, rets := Ticks(h)
		seen := map[int]bool{}
		for i := range h {
			for _, k := range []int{calls[i], rets[i]} {
				if seen[k] {
					t.Fatalf("tick %d twice: %+v", k, h)
				}
				seen[k] = true
			}
			if calls[i] >= rets[i] {
				t.Fatalf("op %d: call tick %d, return tick %d: %+v", i, calls[i], rets[i], h)
			}
			for j := range h {
				if i == j {
					continue
				}
				if h[i].Return < h[j].Call && rets[i] > calls[j] {
					t.Fatalf("op %d returned before op %d was called; ticks lost it: %+v", i, j, h)
				}
				if h[i].Thread != h[j].Thread && h[i].Return == h[j].Call && rets[i] < calls[j] {
					t.Fatalf("ops %d and %d meet at %d ns (concurrent); ticks ordered them: %+v", i, j, h[i].Return, h)
				}
				if h[i].Thread == h[j].Thread && i < j && rets[i] > calls[j] {
					t.Fatalf("thread %d's op %d after op %d in ticks: %+v", h[i].Thread, j, i, h)
				}
			}
		}
	}
}

func TestValidateConcurrentRefusesWhatCannotRun(t *testing.T) {
	base := model.Scenario{Level: model.ProcessLevel, Params: Params(), Init: ops(t, "t0 fork t1", "t0 fork t2")}
	for _, c := range []struct {
		threads [][]string
		want    string
	}{
		{[][]string{{"t1 fork t3", "t2 fork t4"}}, "each thread runs as one task"},
		{[][]string{{"t1 exit 0", "t1 getpid"}}, "exit must be its last op"},
		{[][]string{{"t1 getpid"}, {"t1 getppid"}}, "both act as t1"},
		{[][]string{{"t1 translate t2"}}, "not run concurrently"},
		{[][]string{{"t1 kill 0 9"}}, "not run concurrently"},
	} {
		sc := base
		sc.Threads = nil
		for _, th := range c.threads {
			sc.Threads = append(sc.Threads, ops(t, th...))
		}
		if err := validateConcurrent(sc); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want %q", c.threads, err, c.want)
		}
	}
}

// TestConcurrentScenariosAreValidAndDeterministic: every shape, every
// thread count, the same seed gives the same scenario, and the kernel
// oracle can run it (validateConcurrent); so can every hunt at every depth.
func TestConcurrentScenariosAreValidAndDeterministic(t *testing.T) {
	p := Params()
	for _, shape := range ConcShapes() {
		for threads := 1; threads <= 4; threads++ {
			for seed := uint64(0); seed < 20; seed++ {
				a, err := ConcurrentScenario(seed, shape, threads, 4, p)
				if err != nil {
					t.Fatalf("%s threads %d seed %d: %v", shape, threads, seed, err)
				}
				b, _ := ConcurrentScenario(seed, shape, threads, 4, p)
				if a.Ops() != b.Ops() || !slices.EqualFunc(a.Init, b.Init, model.Op.Equal) {
					t.Fatalf("%s seed %d: two different scenarios", shape, seed)
				}
			}
		}
	}
	if _, err := ConcurrentScenario(1, "nope", 2, 4, p); err == nil {
		t.Fatal("an unknown shape was accepted")
	}
	for _, kind := range HuntKinds() {
		for depth := 1; depth <= p.MaxLevel; depth++ {
			if _, err := HuntScenario(kind, 1, depth, p); err != nil {
				t.Fatalf("%s depth %d: %v", kind, depth, err)
			}
		}
	}
}
