package oracle

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// ConcShapes names the concurrent scenario shapes, each aimed at a window
// the model predicts:
//
//	tid-nested  forks with set_tid into nested spaces while other threads
//	            fork (plainly or with set_tid) into the same space
//	pidmax      pid_max writes racing forks of the same space
//	lastpid     ns_last_pid writes racing forks of the same space
//	kill-init   an init's death (exit or SIGKILL from outside) racing
//	            forks into its space and setns + fork into it
//	wait-exit   a parent's waits racing its children's exits
//	disjoint    forks in sibling spaces, no inner level shared (the false
//	            alarm check: only the root level is shared, where a
//	            unique number is all the kernel promises)
//	mixed       one of the above, chosen by the seed
func ConcShapes() []string {
	return []string{"tid-nested", "pidmax", "lastpid", "kill-init", "wait-exit", "disjoint", "mixed"}
}

// ConcurrentScenario returns a scenario of the given shape with threads
// parallel threads of up to ops ops each, the same for the same seed.
// Each thread's ops are acted by one task (the thread runs as that task);
// the init part builds the spaces and tasks, the post part reaps what the
// threads left so that every effect can complete.
func ConcurrentScenario(seed uint64, shape string, threads, ops int, p model.Params) (model.Scenario, error) {
	if threads < 1 || threads > MaxThreads {
		return model.Scenario{}, fmt.Errorf("threads %d: want 1 to %d", threads, MaxThreads)
	}
	if ops < 1 || ops > MaxOps {
		return model.Scenario{}, fmt.Errorf("ops %d: want 1 to %d", ops, MaxOps)
	}
	g := &cgen{r: rand.New(rand.NewPCG(seed, 0x51ed27aa3c09e8f1)), p: p, st: spec.Linux(p, model.Cyclic).Init()}
	g.sc = model.Scenario{Level: model.ProcessLevel, Params: p, Threads: make([][]model.Op, threads)}
	if shape == "mixed" {
		shapes := ConcShapes()
		shape = shapes[g.r.IntN(len(shapes)-1)]
	}
	switch shape {
	case "tid-nested":
		g.tidNested(threads, ops)
	case "pidmax", "lastpid":
		g.knob(shape == "pidmax", threads, ops)
	case "kill-init":
		g.killInit(threads, ops)
	case "wait-exit":
		g.waitExit(threads, ops)
	case "disjoint":
		g.disjoint(threads, ops)
	default:
		return model.Scenario{}, fmt.Errorf("no concurrent shape %q: want one of %s", shape, strings.Join(ConcShapes(), ", "))
	}
	return g.sc, validateConcurrent(g.sc)
}

type cgen struct {
	r     *rand.Rand
	p     model.Params
	st    spec.State // after the init part (sequential: the kernel's exact state)
	sc    model.Scenario
	nextH model.Handle
}

// init adds an op to the init part and returns its spec answer.
func (g *cgen) init(op model.Op) model.Result {
	r, next := g.st.Expect(op)
	g.st = next
	g.sc.Init = append(g.sc.Init, op)
	return r
}

func (g *cgen) child() model.Handle { g.nextH++; return g.nextH }

func (g *cgen) fork(parent model.Handle) (model.Handle, []int) {
	h := g.child()
	r := g.init(model.Op{Kind: model.Fork, Task: parent, Child: h})
	return h, r.NSpid
}

func (g *cgen) thread(t int, op model.Op) { g.sc.Threads[t] = append(g.sc.Threads[t], op) }

// waits reaps up to n children of parent in the post part.
func (g *cgen) waits(parent model.Handle, n int) {
	for range n {
		g.sc.Post = append(g.sc.Post, model.Op{Kind: model.Wait, Task: parent, Pid: -1})
	}
}

// nest builds a chain of depth spaces below the root; it returns the
// innermost space's init.
func (g *cgen) nest(depth int) model.Handle {
	top := model.Root
	for range depth {
		g.init(model.Op{Kind: model.Unshare, Task: top})
		top, _ = g.fork(top)
	}
	return top
}

func (g *cgen) tidNested(threads, ops int) {
	depth := 1 + g.r.IntN(3)
	top := g.nest(depth)
	// Numbers the space's cyclic cursor reaches next, per level.
	_, last := g.fork(top) // a task, so the cursors are known
	actors := make([]model.Handle, threads)
	for t := range actors {
		actors[t], last = g.fork(top)
	}
	for t, a := range actors {
		for range ops {
			op := model.Op{Kind: model.Fork, Task: a, Child: g.child()}
			if g.r.IntN(3) > 0 {
				op.Kind = model.ForkWithTid
				n := 1 + g.r.IntN(len(last))
				for k := range n {
					l := len(last) - 1 - k // innermost first
					op.Tids = append(op.Tids, last[l]+1+g.r.IntN(threads*ops/2+2))
				}
			}
			g.thread(t, op)
		}
		g.waits(a, ops)
	}
}

func (g *cgen) knob(pidMax bool, threads, ops int) {
	space := model.Root
	if g.r.IntN(2) == 0 {
		space = g.nest(1)
	}
	g.init(model.Op{Kind: model.SetLastPid, Task: space, N: 296 + g.r.IntN(8)})
	actors := make([]model.Handle, threads)
	for t := range actors {
		actors[t], _ = g.fork(space)
	}
	for t, a := range actors {
		for j := range ops {
			var op model.Op
			switch {
			case t == 0 || g.r.IntN(3) == 0:
				op = model.Op{Kind: model.Fork, Task: a, Child: g.child()}
			case pidMax:
				m := g.p.MinMax()
				op = model.Op{Kind: model.SetPidMax, Task: a, N: g.oneOf(m, m+1, m+2, m+4, m+7, m+9, m+19, g.p.PidMax)} // m: the machine's smallest pid_max
			default:
				op = model.Op{Kind: model.SetLastPid, Task: a, N: g.oneOf(0, 1, 298, 299, 300, 301, 303, 305, 310+j)}
			}
			g.thread(t, op)
		}
		g.waits(a, ops)
	}
}

func (g *cgen) oneOf(xs ...int) int { return xs[g.r.IntN(len(xs))] }

func (g *cgen) killInit(threads, ops int) {
	// Outside tasks first (level 0), then the space s1 with its init.
	outside := make([]model.Handle, threads)
	nums := make([]int, threads)
	for t := range outside {
		h, ns := g.fork(model.Root)
		outside[t], nums[t] = h, ns[0]
	}
	g.init(model.Op{Kind: model.Unshare, Task: outside[0]})
	init1, ns := g.fork(outside[0])
	inner := []model.Handle{init1}
	for range g.r.IntN(3) {
		h, _ := g.fork(init1)
		inner = append(inner, h)
	}
	// Thread 0 forks into s1 from outside (its children space is s1),
	// now and then joining s1 again through one of its tasks (a setns that
	// races the death of the task it names).
	for range ops {
		if g.r.IntN(3) == 0 {
			g.thread(0, model.Op{Kind: model.SetNs, Task: outside[0], Target: inner[g.r.IntN(len(inner))]})
			continue
		}
		g.thread(0, model.Op{Kind: model.Fork, Task: outside[0], Child: g.child()})
	}
	g.waits(outside[0], ops+1)
	if threads == 1 {
		return
	}
	// Thread 1 ends s1: its init exits, or an outside task kills it.
	if g.r.IntN(2) == 0 || threads == 2 && g.r.IntN(2) == 0 {
		// No forks by the dying init itself: its children are reaped by
		// its own zap_pid_ns_processes at once, often before their
		// numbers can be read (the run would be Unknown).
		for range g.r.IntN(ops) {
			g.thread(1, model.Op{Kind: model.GetPPid, Task: init1})
		}
		g.thread(1, model.Op{Kind: model.Exit, Task: init1, Code: g.r.IntN(3)})
	} else {
		g.thread(1, model.Op{Kind: model.Kill, Task: outside[1], Pid: ns[0], Sig: 9})
		for range ops - 1 {
			g.thread(1, model.Op{Kind: model.Fork, Task: outside[1], Child: g.child()})
		}
		g.waits(outside[1], ops)
	}
	// The others join s1 and fork into it.
	for t := 2; t < threads; t++ {
		a := outside[t]
		g.thread(t, model.Op{Kind: model.SetNs, Task: a, Target: inner[g.r.IntN(len(inner))]})
		for range ops - 1 {
			g.thread(t, model.Op{Kind: model.Fork, Task: a, Child: g.child()})
		}
		g.waits(a, ops)
	}
}

func (g *cgen) waitExit(threads, ops int) {
	parent := model.Root
	if g.r.IntN(2) == 0 {
		parent = g.nest(1)
	}
	kids := make([]model.Handle, threads-1)
	for i := range kids {
		kids[i], _ = g.fork(parent)
	}
	for range ops {
		op := model.Op{Kind: model.Wait, Task: parent, Pid: -1}
		g.thread(0, op)
	}
	for i, k := range kids {
		for range g.r.IntN(ops) {
			g.thread(i+1, model.Op{Kind: model.GetPPid, Task: k})
		}
		g.thread(i+1, model.Op{Kind: model.Exit, Task: k, Code: i % 4})
	}
	g.waits(parent, threads)
}

func (g *cgen) disjoint(threads, ops int) {
	for t := range threads {
		h, _ := g.fork(model.Root)
		g.init(model.Op{Kind: model.Unshare, Task: h})
		init1, _ := g.fork(h)
		for range ops {
			g.thread(t, model.Op{Kind: model.Fork, Task: init1, Child: g.child()})
		}
		g.waits(init1, ops)
	}
}

// HuntKinds names the targeted scenarios of the two kernel behaviours the
// model predicts (zoo variants linux-inflight-visible and
// linux-pidmax-window; alloc/linux/zoo_*.go tells their stories).
func HuntKinds() []string { return []string{"inflight-visible", "pidmax-window"} }

// HuntNumber is the number both hunts aim at in the innermost space: free
// there and at every level (the init part takes only a few low numbers),
// above RESERVED_PIDS so that pid_max can be lowered below it.
const HuntNumber = 350

// HuntScenario returns one iteration of a hunt, in a chain of depth
// nested spaces (more levels, a wider window: alloc_pid takes and drops
// pidmap_lock once per level, innermost first), the same for the same seed.
//
// inflight-visible: thread A forks with set_tid [350, 350, …, 350, 1]
// — it reserves 350 at every level from the innermost out, then fails
// with EEXIST at the root, where t0 has 1, and releases them; it holds the
// innermost 350 for the time the outer levels take. Threads B, C, … fork
// with set_tid [350, 4194304]: EINVAL at the second level, unless the
// innermost 350 is held, then EEXIST. No fork ever holds 350 for good, so
// the spec says EINVAL every time: an EEXIST is the in-flight number
// seen, not linearizable.
//
// pidmax-window: thread A forks once into the innermost space, whose
// cursor the init part set so the child gets 350 there. Thread B first
// makes failing forks (set_tid out of range: EINVAL after the same
// copy_process work, so B's next op lands near A's alloc_pid), then
// lowers the space's pid_max to 301 and probes 350 with kill 0. A probe
// answering ESRCH after the write puts A's fork after the write, where
// 350 is out of range: if A then got 350, its alloc_pid read pid_max
// before the write and attached the task after the probe.
func HuntScenario(kind string, seed uint64, depth int, p model.Params) (model.Scenario, error) {
	if depth < 1 || depth > p.MaxLevel {
		return model.Scenario{}, fmt.Errorf("depth %d: want 1 to %d", depth, p.MaxLevel)
	}
	g := &cgen{r: rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d)), p: p, st: spec.Linux(p, model.Cyclic).Init()}
	threads := 2
	if kind == "inflight-visible" {
		threads = 3
	}
	g.sc = model.Scenario{Level: model.ProcessLevel, Params: p, Threads: make([][]model.Op, threads)}
	top := g.nest(depth)
	actors := make([]model.Handle, threads)
	for t := range actors {
		actors[t], _ = g.fork(top)
	}
	switch kind {
	case "inflight-visible":
		tids := make([]int, depth+1)
		for i := range tids {
			tids[i] = HuntNumber
		}
		tids[depth] = 1
		for range MaxOps {
			g.thread(0, model.Op{Kind: model.ForkWithTid, Task: actors[0], Child: g.child(), Tids: tids})
		}
		for t := 1; t < threads; t++ {
			for range MaxOps {
				g.thread(t, model.Op{Kind: model.ForkWithTid, Task: actors[t], Child: g.child(), Tids: []int{HuntNumber, p.PidMax}})
			}
		}
	case "pidmax-window":
		g.init(model.Op{Kind: model.SetLastPid, Task: top, N: HuntNumber - 1})
		g.thread(0, model.Op{Kind: model.Fork, Task: actors[0], Child: g.child()})
		for range g.r.IntN(2) {
			g.thread(1, model.Op{Kind: model.ForkWithTid, Task: actors[1], Child: g.child(), Tids: []int{p.PidMax}})
		}
		g.thread(1, model.Op{Kind: model.SetPidMax, Task: actors[1], N: HuntNumber - 49})
		for len(g.sc.Threads[1]) < MaxOps {
			g.thread(1, model.Op{Kind: model.Kill, Task: actors[1], Pid: HuntNumber, Sig: 0})
		}
		g.waits(actors[0], 1)
	default:
		return model.Scenario{}, fmt.Errorf("no hunt %q: want one of %s", kind, strings.Join(HuntKinds(), ", "))
	}
	return g.sc, validateConcurrent(g.sc)
}
