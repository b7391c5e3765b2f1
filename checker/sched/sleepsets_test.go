package sched

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// fataler is what the helpers need of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// stateKey is a program state at a decision: state() (values and what the
// threads observed) and where every thread is parked, by thread name (so
// two runs that created the same threads in another order agree).
func stateKey(p *Point, state func() string) string {
	ts := make([]string, 0, len(p.s.threads))
	for _, t := range p.s.threads {
		ts = append(ts, fmt.Sprintf("%s@%v %s done=%v waiting=%v", t.name, t.op, objName(t.obj), t.done, t.waiting))
	}
	slices.Sort(ts)
	return state() + " | " + strings.Join(ts, ", ")
}

// visiting is a DFS that also records the state at every decision.
type visiting struct {
	*DFS
	state   func() string
	visited map[string]bool
}

func (v *visiting) Choose(p *Point) (int, error) {
	v.visited[stateKey(p, v.state)] = true
	return v.DFS.Choose(p)
}

// exploration is what exploring a program exhaustively found.
type exploration struct {
	final   map[string]bool // verdict and state() of every Done or Deadlock run
	visited map[string]bool // stateKey at every decision of every run
	d       *DFS
}

// explore explores body exhaustively with DFS (bound, with or without sleep
// sets). Any verdict but Done, Deadlock and Pruned fails the test.
func exploreStates(t fataler, body func(env Env), state func() string, bound int, sleep bool) exploration {
	t.Helper()
	d := NewDFS(bound)
	if !sleep {
		d.WithoutSleepSets()
	}
	e := exploration{final: map[string]bool{}, visited: map[string]bool{}, d: d}
	v := &visiting{DFS: d, state: state, visited: e.visited}
	for d.Next() {
		o := Run(v, Options{}, body)
		switch o.Verdict {
		case Done, Deadlock:
			e.final[o.Verdict.String()+": "+state()] = true
		case Pruned:
		default:
			t.Fatalf("sleep sets %v, run %d: %v\n%s", sleep, d.Count(), o, o.Tail(30))
		}
	}
	if !d.Exhausted() {
		t.Fatalf("sleep sets %v: not exhausted after %d runs", sleep, d.Count())
	}
	return e
}

// diff fails the test unless the two sets are equal, listing what only
// plain DFS found and what only DFS with sleep sets found.
func diff(t fataler, what string, with, without map[string]bool) {
	t.Helper()
	if maps.Equal(with, without) {
		return
	}
	var missing, extra []string
	for k := range without {
		if !with[k] {
			missing = append(missing, k)
		}
	}
	for k := range with {
		if !without[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	t.Fatalf("%s: missed with sleep sets: %q\nonly with sleep sets: %q", what, missing, extra)
}

// sameStates explores body with and without sleep sets and fails unless
// both reach exactly the same final states and, unbounded, visit exactly
// the same states (sleep sets alone skip transitions, never states). It
// returns the final states.
func sameStates(t fataler, body func(env Env), state func() string, bound int) []string {
	t.Helper()
	with := exploreStates(t, body, state, bound, true)
	without := exploreStates(t, body, state, bound, false)
	what := fmt.Sprintf("bound %d, sleep sets %d runs (%d pruned), plain DFS %d runs", bound, with.d.Count(), with.d.Pruned(), without.d.Count())
	diff(t, what+": final states", with.final, without.final)
	if bound < 0 {
		diff(t, what+": visited states", with.visited, without.visited)
	}
	return slices.Sorted(maps.Keys(with.final))
}

// readerBlockedWhileAsleep is the regression program for the DFS bug fixed
// in "sched: DFS carries a sleeping thread's operation…": main holds a read
// lock of rw and starts T (RLock rw, Load x, RUnlock rw), then W (Store x,
// Lock rw, Unlock rw), then Loads x and releases its read lock.
//
// At the node after "main go W" DFS explores main, then T, then W. When W
// is chosen, T (done there, its RLock independent of W's Store x) sleeps in
// W's subtree; but W's step parks W at Lock rw while main still reads, so a
// writer waits and T's RLock is no longer runnable. At the next node
// only main can run (its Load x depends on W's Store x, so main is awake),
// and choosing it carried T's sleep over by looking T's
// operation up in the runnable list, found none, and indexed -1.
func readerBlockedWhileAsleep(obs *[3]int64) func(env Env) {
	return func(env Env) {
		*obs = [3]int64{-1, -1, -1}
		rw := env.NewRWMutex("rw")
		x := env.NewInt64("x", 0)
		rw.RLock()
		env.Go("T", func() {
			rw.RLock()
			obs[1] = x.Load()
			rw.RUnlock()
		})
		env.Go("W", func() {
			x.Store(1)
			rw.Lock()
			obs[2] = x.Load()
			rw.Unlock()
		})
		obs[0] = x.Load()
		rw.RUnlock()
	}
}

// TestDFSSleepingThreadThatBlocks: DFS with sleep sets explores the program
// above without crashing, exhausts it, and reaches exactly the final
// outcomes plain DFS reaches, unbounded and with bounds 0–2.
func TestDFSSleepingThreadThatBlocks(t *testing.T) {
	var obs [3]int64
	state := func() string { return fmt.Sprintf("main saw %d, T saw %d, W saw %d", obs[0], obs[1], obs[2]) }
	for _, bound := range []int{-1, 0, 1, 2} {
		got := sameStates(t, readerBlockedWhileAsleep(&obs), state, bound)
		if bound < 0 {
			// main and T read 0 or 1 (before or after W's Store); W reads
			// its own 1 under the write lock.
			want := []string{
				"done: main saw 0, T saw 0, W saw 1",
				"done: main saw 0, T saw 1, W saw 1",
				"done: main saw 1, T saw 0, W saw 1",
				"done: main saw 1, T saw 1, W saw 1",
			}
			if !slices.Equal(got, want) {
				t.Errorf("unbounded final states %q, want %q", got, want)
			}
		}
	}
}

// The random programs of the sleep-set property: a few threads, each a
// short list of instructions over two Int64s, a Mutex with a Cond, an
// RWMutex and a plain variable written only under the Mutex.

type instrKind uint8

const (
	iLoad instrKind = iota
	iStore
	iAdd
	iCAS
	iLock      // Lock mu; body; Unlock mu
	iTryLock   // if TryLock mu { body; Unlock mu }
	iRLock     // RLock rw; body; RUnlock rw
	iWLock     // Lock rw; body; Unlock rw
	iSignal    // Signal c (c's lock is mu)
	iBroadcast // Broadcast c
	iWait      // Wait c (only inside iLock's body)
	iPlainW    // plain = a (only inside iLock's body)
	iPlainR    // observe plain (only inside iLock's body)
	iYield
	iWaitUntil // WaitUntil x[obj] ≥ a, or plain ≥ a when obj is 2
	iGo        // start a thread running body
	iObserve   // append the thread's name to an unlocked log, and call Observed (no scheduling point)
)

var instrNames = [...]string{"load", "store", "add", "cas", "lock", "trylock", "rlock", "wlock", "signal", "broadcast", "wait", "plain=", "plain?", "yield", "waituntil", "go", "observe"}

type instr struct {
	kind instrKind
	obj  int // 0 or 1: which Int64 (2: plain, for iWaitUntil)
	a, b int64
	body []instr
}

func (in instr) String() string {
	s := instrNames[in.kind]
	switch in.kind {
	case iLoad:
		s += fmt.Sprintf(" x%d", in.obj)
	case iStore, iAdd:
		s += fmt.Sprintf(" x%d %d", in.obj, in.a)
	case iCAS:
		s += fmt.Sprintf(" x%d %d→%d", in.obj, in.a, in.b)
	case iPlainW:
		s += fmt.Sprint(in.a)
	case iWaitUntil:
		if in.obj == 2 {
			s += fmt.Sprintf(" plain≥%d", in.a)
		} else {
			s += fmt.Sprintf(" x%d≥%d", in.obj, in.a)
		}
	}
	if in.body != nil || in.kind == iLock || in.kind == iTryLock || in.kind == iRLock || in.kind == iWLock || in.kind == iGo {
		s += " {" + instrsString(in.body) + "}"
	}
	return s
}

func instrsString(l []instr) string {
	parts := make([]string, len(l))
	for i, in := range l {
		parts[i] = in.String()
	}
	return strings.Join(parts, "; ")
}

// cost is the number of scheduling points in is (a bound on the steps it
// takes), which keeps the plain DFS of a program small.
func cost(l []instr) int {
	n := 0
	for _, in := range l {
		switch in.kind {
		case iLock, iTryLock, iRLock, iWLock:
			n += 2 + cost(in.body)
		case iWait:
			n += 2
		case iGo:
			n += 1 + cost(in.body)
		case iObserve:
		default:
			n++
		}
	}
	return n
}

// genAtomic draws an operation on one of the Int64s (values 0–2, so CASes
// both succeed and fail).
func genAtomic(t *rapid.T) instr {
	in := instr{kind: rapid.SampledFrom([]instrKind{iLoad, iStore, iAdd, iCAS}).Draw(t, "atomic"), obj: rapid.IntRange(0, 1).Draw(t, "obj")}
	in.a = rapid.Int64Range(0, 2).Draw(t, "a")
	if in.kind == iCAS {
		in.b = rapid.Int64Range(0, 2).Draw(t, "b")
	}
	return in
}

// genInstr draws one instruction; depth 0 is a thread's top level.
func genInstr(t *rapid.T, depth int) instr {
	// Atomics (iLoad stands for all four: genAtomic picks), Lock blocks
	// (where Waits are) and Signals count twice, so that synchronisation
	// is common.
	kinds := []instrKind{iLoad, iLoad, iYield, iObserve}
	if depth == 0 {
		kinds = append(kinds, iLock, iLock, iTryLock, iRLock, iWLock, iSignal, iSignal, iBroadcast, iWaitUntil, iGo)
	}
	in := instr{kind: rapid.SampledFrom(kinds).Draw(t, "kind")}
	switch in.kind {
	case iLoad, iStore, iAdd, iCAS:
		return genAtomic(t)
	case iLock:
		inner := []instrKind{iLoad, iYield, iWait, iWait, iPlainW, iPlainR}
		for range rapid.IntRange(1, 2).Draw(t, "body") {
			k := rapid.SampledFrom(inner).Draw(t, "inner")
			switch k {
			case iLoad:
				in.body = append(in.body, genAtomic(t))
			case iPlainW:
				in.body = append(in.body, instr{kind: k, a: rapid.Int64Range(1, 2).Draw(t, "plain")})
			default:
				in.body = append(in.body, instr{kind: k})
			}
		}
	case iTryLock, iRLock, iWLock:
		for range rapid.IntRange(0, 1).Draw(t, "body") {
			in.body = append(in.body, genAtomic(t))
		}
	case iWaitUntil:
		in.obj = rapid.IntRange(0, 2).Draw(t, "obj")
		in.a = rapid.Int64Range(1, 2).Draw(t, "a")
	case iGo:
		for range rapid.IntRange(1, 2).Draw(t, "body") {
			in.body = append(in.body, genInstr(t, 1))
		}
	}
	return in
}

// program is a generated program: main starts threads[i] as thread
// "A", "B", …, then returns.
type program struct {
	threads [][]instr
}

func (p program) String() string {
	var parts []string
	for i, th := range p.threads {
		parts = append(parts, fmt.Sprintf("%c: %s", 'A'+i, instrsString(th)))
	}
	return strings.Join(parts, " | ")
}

// progState is where a run of a program leaves its observable state.
type progState struct {
	x     [2]*cInt[int64]
	mu    *cMutex
	rw    *cMutex
	c     *cCond
	plain int64
	obs   map[string][]string // per thread: what it observed, in order
	log   []string            // iObserve's, across threads, in order
}

func (st *progState) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "x0=%d x1=%d plain=%d", st.x[0].v, st.x[1].v, st.plain)
	for _, m := range []*cMutex{st.mu, st.rw} {
		if m.holder != nil {
			fmt.Fprintf(&b, " %s held by %s", m.name, m.holder.name)
		}
		if m.readers > 0 {
			fmt.Fprintf(&b, " %s read by %d", m.name, m.readers)
		}
	}
	if len(st.c.waiters) > 0 {
		fmt.Fprintf(&b, " %d waiting in c", len(st.c.waiters))
	}
	for _, name := range slices.Sorted(maps.Keys(st.obs)) {
		fmt.Fprintf(&b, " %s[%s]", name, strings.Join(st.obs[name], " "))
	}
	if len(st.log) > 0 {
		fmt.Fprintf(&b, " log=%s", strings.Join(st.log, ","))
	}
	return b.String()
}

// body returns the program as a body for Run, recording into st.
func (p program) body(st *progState) func(env Env) {
	return func(env Env) {
		*st = progState{obs: map[string][]string{}}
		st.x[0] = env.NewInt64("x0", 0).(*cInt[int64])
		st.x[1] = env.NewInt64("x1", 0).(*cInt[int64])
		st.mu = env.NewMutex("mu").(*cMutex)
		st.rw = env.NewRWMutex("rw").(*cMutex)
		st.c = env.NewCond("c", st.mu).(*cCond)
		var run func(name string, l []instr)
		var threadBody func(name string, l []instr) func()
		run = func(name string, l []instr) {
			see := func(format string, args ...any) {
				st.obs[name] = append(st.obs[name], fmt.Sprintf(format, args...))
			}
			for k, in := range l {
				x := st.x[in.obj%2]
				switch in.kind {
				case iLoad:
					see("%d", x.Load())
				case iStore:
					x.Store(in.a)
				case iAdd:
					see("%d", x.Add(in.a))
				case iCAS:
					see("%v", x.CompareAndSwap(in.a, in.b))
				case iLock:
					st.mu.Lock()
					run(name, in.body)
					st.mu.Unlock()
				case iTryLock:
					ok := st.mu.TryLock()
					see("%v", ok)
					if ok {
						run(name, in.body)
						st.mu.Unlock()
					}
				case iRLock:
					st.rw.RLock()
					run(name, in.body)
					st.rw.RUnlock()
				case iWLock:
					st.rw.Lock()
					run(name, in.body)
					st.rw.Unlock()
				case iSignal:
					st.c.Signal()
				case iBroadcast:
					st.c.Broadcast()
				case iWait:
					st.c.Wait()
					see("woke")
				case iPlainW:
					st.plain = in.a
				case iPlainR:
					see("p%d", st.plain)
				case iYield:
					env.Yield()
				case iWaitUntil:
					env.WaitUntil(in.String(), func() bool {
						if in.obj == 2 {
							return st.plain >= in.a
						}
						return x.Load() >= in.a
					})
				case iGo:
					child := fmt.Sprintf("%s%d", name, k)
					env.Go(child, threadBody(child, in.body))
				case iObserve:
					Observed(env)
					st.log = append(st.log, name)
				}
			}
		}
		threadBody = func(name string, l []instr) func() {
			return func() {
				run(name, l)
				st.obs[name] = append(st.obs[name], "end")
			}
		}
		for i, th := range p.threads {
			name := string(rune('A' + i))
			env.Go(name, threadBody(name, th))
		}
	}
}

// maxCost bounds a generated program's scheduling points, so that plain
// DFS stays at a few thousand runs at most; smaller under -short and -race.
func maxCost() int {
	if testing.Short() || raceEnabled {
		return 6
	}
	return 9
}

// genProgram draws 2–3 threads of 1–3 instructions each, within maxCost.
func genProgram(t *rapid.T) program {
	maxCost := maxCost()
	var p program
	n := rapid.IntRange(2, 3).Draw(t, "threads")
	total := 0
	for range n {
		var th []instr
		for range rapid.IntRange(1, 3).Draw(t, "instrs") {
			in := genInstr(t, 0)
			if c := cost([]instr{in}); total+c <= maxCost {
				th = append(th, in)
				total += c
			}
		}
		p.threads = append(p.threads, th)
	}
	return p
}

// TestPropertySleepSetsReachSameFinalStates: for small random programs,
// unbounded DFS with sleep sets reaches exactly the final states (every
// object's value, the locks' holders, the Cond's waiters, and what each
// thread observed, for Done and Deadlock runs) that unbounded DFS without
// them reaches, and visits exactly the same states at its decisions.
// (Making one of Signal/Wait, TryLock/Unlock or Store/Load on one object
// independent fails it within the default 100 checks.)
func TestPropertySleepSetsReachSameFinalStates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genProgram(t)
		t.Logf("program: %v", p)
		var st progState
		sameStates(t, p.body(&st), st.String, -1)
	})
}

// TestPropertyBoundedSleepSetsReachSameFinalStates: with a preemption
// bound, sleep sets still reach every final state plain DFS reaches within
// that bound. Naive sleep sets fail this (a thread put to sleep after a
// subtree the bound cut short hides runs nobody explores: pidmap's false
// EAGAIN at two preemptions was missed even at bound five); DFS now puts a
// thread to sleep only after a subtree the bound did not cut.
func TestPropertyBoundedSleepSetsReachSameFinalStates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := genProgram(t)
		bound := rapid.IntRange(0, 2).Draw(t, "bound")
		t.Logf("program: %v", p)
		var st progState
		sameStates(t, p.body(&st), st.String, bound)
	})
}

// TestDFSWaitUntilDependsOnYield: a WaitUntil condition may read plain
// memory written under a Mutex (Env's contract), and the step after a
// Yield inside the critical section writes it, so a Yield can enable or
// disable a WaitUntil. Here B's wait is enabled only between A's two
// writes; when Yield was independent of WaitUntil, A slept after B's wait
// and the run where B gets through was pruned: the Done state was missed.
func TestDFSWaitUntilDependsOnYield(t *testing.T) {
	p := program{threads: [][]instr{
		{{kind: iLock, body: []instr{{kind: iYield}, {kind: iPlainW, a: 1}, {kind: iYield}, {kind: iPlainW, a: 0}}}},
		{{kind: iWaitUntil, obj: 2, a: 1}},
	}}
	var st progState
	got := sameStates(t, p.body(&st), st.String, -1)
	want := []string{
		"deadlock: x0=0 x1=0 plain=0 A[end]",
		"done: x0=0 x1=0 plain=0 A[end] B[end]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("%v: final states %q, want %q", p, got, want)
	}
}

// TestDFSWriterArrivalBlocksReaders: a thread's step ends where it parks
// at its next operation, and parking at Lock of an RWMutex that readers
// hold makes a writer wait, which blocks new readers. So B's "store x1"
// (which leaves B waiting at Lock rw while A reads) and C's RLock rw do not
// commute although they touch different objects. When DFS let B sleep
// after C's RLock, the states where B stored while A and C both read were
// never visited.
func TestDFSWriterArrivalBlocksReaders(t *testing.T) {
	reader := []instr{{kind: iRLock, body: []instr{{kind: iLoad, obj: 0}}}}
	writer := []instr{{kind: iStore, obj: 1, a: 1}, {kind: iWLock, body: []instr{{kind: iStore, obj: 0, a: 1}}}}
	for _, p := range []program{
		{threads: [][]instr{reader, writer, reader}},
		{threads: [][]instr{reader, reader, writer}},
		{threads: [][]instr{writer, reader, reader}},
	} {
		var st progState
		sameStates(t, p.body(&st), st.String, -1)
	}
}

// TestIndependentTable pins Pending.Independent to the table in DFS's
// comment, both ways round. Objects: x 0, y 1 (Int64s), m 2 (Mutex), c 3
// (a Cond on m), rw 4 (RWMutex).
func TestIndependentTable(t *testing.T) {
	const x, y, m, c, rw = 0, 1, 2, 3, 4
	op := func(k OpKind, obj int) Pending {
		p := Pending{Op: k, Object: obj, object2: -1}
		if k == OpWait || k == OpRelock {
			p.object2 = m
		}
		return p
	}
	none := -1
	for _, tc := range []struct {
		p, q Pending
		want bool
	}{
		{op(OpWaitUntil, none), op(OpYield, none), false},
		{op(OpWaitUntil, none), op(OpGo, none), false},
		{op(OpWaitUntil, none), op(OpLoad, x), false},
		{op(OpWaitUntil, none), op(OpWaitUntil, none), false},
		{op(OpGo, none), op(OpLock, m), true},
		{op(OpGo, none), op(OpGo, none), true},
		{op(OpYield, none), op(OpStore, x), true},
		{op(OpLoad, x), op(OpLoad, x), true},
		{op(OpLoad, x), op(OpStore, x), false},
		{op(OpLoad, x), op(OpCAS, x), false},
		{op(OpAdd, x), op(OpAdd, x), false},
		{op(OpSwap, x), op(OpOr, x), false},
		{op(OpStore, x), op(OpStore, y), true},
		{op(OpLock, m), op(OpUnlock, m), false},
		{op(OpLock, m), op(OpLock, m), false},
		{op(OpTryLock, m), op(OpUnlock, m), false},
		{op(OpTryLock, m), op(OpTryLock, m), false},
		{op(OpTryLock, m), op(OpStore, x), true},
		{op(OpRLock, rw), op(OpRLock, rw), false},
		{op(OpRLock, rw), op(OpLock, rw), false},
		{op(OpRUnlock, rw), op(OpLock, rw), false},
		{op(OpRLock, rw), op(OpLock, m), true},
		{op(OpWait, c), op(OpLock, m), false},
		{op(OpWait, c), op(OpUnlock, m), false},
		{op(OpWait, c), op(OpSignal, c), false},
		{op(OpWait, c), op(OpWait, c), false},
		{op(OpRelock, c), op(OpBroadcast, c), false},
		{op(OpRelock, c), op(OpUnlock, m), false},
		{op(OpRelock, c), op(OpTryLock, m), false},
		{op(OpSignal, c), op(OpSignal, c), false},
		{op(OpSignal, c), op(OpBroadcast, c), false},
		{op(OpSignal, c), op(OpLock, m), true},
		{op(OpBroadcast, c), op(OpUnlock, m), true},
		{op(OpWait, c), op(OpLoad, x), true},
	} {
		p, q := tc.p, tc.q
		p.Thread, q.Thread = 1, 2
		if got, back := p.Independent(q), q.Independent(p); got != tc.want || back != tc.want {
			t.Errorf("%v %d / %v %d: independent %v and %v, want %v", p.Op, p.Object, q.Op, q.Object, got, back, tc.want)
		}
		q.Thread = 1
		if p.Independent(q) {
			t.Errorf("%v / %v of the same thread: independent", p.Op, q.Op)
		}
	}
}
