package sched

import (
	"fmt"
	"slices"
)

// DFS explores the decision tree of a deterministic program depth first,
// one run per leaf, CHESS-style: a choice is a preemption when the thread
// that made the previous step could continue but another is chosen, and no
// run makes more than the preemption bound of them (iterative context
// bounding: run bound 0, 1, 2, … for the fewest preemptions first).
//
// Sleep sets (Godefroid 1996) skip runs that only reorder independent
// steps: after the subtree of choice t at a node is explored, t sleeps in
// the subtrees of t's later siblings until a step dependent on t's is
// taken. A run reaching a state where every runnable thread sleeps is cut
// short with the verdict Pruned. Unbounded, every reachable state is still
// visited, so every final state (and deadlock) is reached.
//
// With a finite preemption bound, plain sleep sets are unsound: the run
// that justified putting t to sleep may itself have been cut by the bound,
// so an interleaving whose only equivalents need more preemptions is never
// run (pidmap's false EAGAIN needs two preemptions; naive sleep sets missed
// it even at bound five). So t goes to sleep only after a subtree of t in
// which the bound cut no choice ("complete"): that subtree was explored as
// an unbounded search would have, and the sleep-set argument holds for it.
// Sleep sets then save less under tight bounds, but never lose a run the
// bound allows.
//
// A step is what one decision runs: the chosen thread's pending operation,
// then the thread's own code up to its next operation, where it parks (a
// Go step also runs the new thread up to its first operation). Two steps
// of different threads are independent when they commute and neither can
// enable or disable the other. Pending.Independent gives the static part,
// from the two pending operations p and q (symmetric; the first row that
// matches decides):
//
//	p                       q                             independent
//	any                     any, same thread              no
//	WaitUntil               anything (Go, Yield too)      no: its condition may read plain memory any step writes
//	Go, Yield               anything but WaitUntil        yes
//	Load x                  Load x                        yes
//	atomic op on x          any op but Load on x          no (results depend on the order)
//	Lock/Unlock/TryLock m   Lock/Unlock/TryLock m         no (TryLock's result, who holds m)
//	RLock/RUnlock rw        any op on rw                  no (conservative for RLock/RLock)
//	Wait c (lock m)         any op on c or on m           no (releases m, joins c's queue)
//	Relock c (lock m)       any op on c or on m           no (enabled by Signal/Broadcast c, takes m)
//	Signal/Broadcast c      any op on c                   no (who is woken, in what order)
//	Signal/Broadcast c      Lock/Unlock m (c's lock)      yes (touches only c's queue)
//	any                     no shared object              yes, but for the two rules below
//
// Three effects are not in the pending operations, and DFS checks them when it
// carries a sleeping thread u over a step s into the child node:
//
//   - Writer preference: a thread parked at Lock of an RWMutex that readers
//     hold blocks new readers (as sync.RWMutex does), so a step that leaves
//     a thread parked at Lock rw (its own next operation, or a new thread's
//     first) can disable an RLock rw although it touches neither. If s is
//     an RLock rw that other readers held, u stays asleep only if u's step
//     leaves no thread at Lock rw (as observed when u's subtree was
//     explored; a step that ended the run counts as leaving threads at
//     every lock). The other way round, s blocking u, is the rule below.
//   - Observations: a step that called Observed (a checker's history: an
//     op's call or return, ticks of one counter every thread shares) and
//     another such step are dependent, whatever objects they touch. u's
//     step is known from when u's subtree was explored (one that ended the
//     run counts as observed); s's from the run.
//   - Disabling: u stays asleep only if it is still runnable after s. So a
//     sleeping thread is always runnable, and whatever s did to u (blocked
//     it through an effect above or one not foreseen) u is explored again.
//
// Use:
//
//	d := NewDFS(2)
//	for d.Next() {
//		out := Run(d, opts, body)
//		…
//	}
//
// The program must be deterministic given the decisions; DFS stops a run
// with Diverged when the runnable set differs from the recorded one. At
// most 64 threads.
type DFS struct {
	bound     int
	noSleep   bool
	stack     []dfsNode
	pos       int
	started   bool
	exhausted bool
	count     int
	pruned    int
}

type dfsNode struct {
	run      []Pending // runnable threads and their operations
	arrive   []int32   // by index in run: lockArrival of that choice's step, once taken
	quiet    uint64    // choices whose step, once taken, was seen not to be Observed
	last     int       // thread of the previous step, -1 at the first
	threads  int       // threads created before this node
	choice   int       // thread chosen in the current run
	done     uint64    // choices whose subtrees are explored
	complete uint64    // choices whose subtrees were explored with no choice cut by the bound
	cut      bool      // the bound kept some choice at this node from being explored
	childCut bool      // the bound cut a choice somewhere below the current choice
	sleep    uint64    // threads asleep at this node
	sleepOps []sleeper // what each sleeping thread will do when it runs
	preempts int       // preemptions before this node
}

// sleeper is a sleeping thread's step: its operation, and where the step
// leaves threads parked (lockArrival).
type sleeper struct {
	op       Pending
	arrive   int32
	observed bool // the step records an observation (Observed), or may
}

// The lockArrival of a step: the mutex a thread is left parked at Lock of,
// or one of these.
const (
	arriveNone int32 = -1 // no thread is left parked at a Lock
	arriveAny  int32 = -2 // unknown (the run ended) or several: any mutex
)

// NewDFS returns an explorer with the given preemption bound; a negative
// bound means unbounded.
func NewDFS(preemptionBound int) *DFS { return &DFS{bound: preemptionBound} }

// WithoutSleepSets turns the sleep-set reduction off; call it before the
// first Next. It returns d.
func (d *DFS) WithoutSleepSets() *DFS {
	d.noSleep = true
	return d
}

// Next prepares the next run; false when the tree is exhausted.
func (d *DFS) Next() bool {
	if !d.started {
		d.started = true
		return true
	}
	for len(d.stack) > 0 {
		top := &d.stack[len(d.stack)-1]
		top.done |= 1 << top.choice
		if !top.childCut {
			top.complete |= 1 << top.choice
		}
		top.childCut = false
		if c, ok := d.pick(top); ok {
			top.choice = c
			return true
		}
		cut := top.cut || top.done&^top.complete != 0
		d.stack = d.stack[:len(d.stack)-1]
		if cut && len(d.stack) > 0 {
			d.stack[len(d.stack)-1].childCut = true
		}
	}
	d.exhausted = true
	return false
}

// Count returns the number of runs started so far (pruned ones included).
func (d *DFS) Count() int { return d.count }

// Pruned returns how many runs were cut short by sleep sets.
func (d *DFS) Pruned() int { return d.pruned }

// Exhausted reports whether every run within the bound has been explored.
func (d *DFS) Exhausted() bool { return d.exhausted }

// Begin starts a run at the root of the tree.
func (d *DFS) Begin() {
	d.pos = 0
	d.count++
}

// End does nothing: Next backtracks.
func (d *DFS) End(*Outcome) {}

// Choose replays the current path, then extends it with the first allowed
// choice.
func (d *DFS) Choose(p *Point) (int, error) {
	i := d.pos
	d.pos++
	if i < len(d.stack) {
		n := &d.stack[i]
		if !slices.EqualFunc(n.run, p.Runnable, func(a, b Pending) bool { return a.Thread == b.Thread && a.Op == b.Op && a.Object == b.Object }) {
			return 0, fmt.Errorf("dfs: the program is not deterministic: at decision %d the runnable threads were [%s], now [%s]", i, pendingNames(p, n.run), names(p))
		}
		return slices.IndexFunc(p.Runnable, func(q Pending) bool { return q.Thread == n.choice }), nil
	}
	if t := p.Runnable[len(p.Runnable)-1].Thread; t >= 64 {
		return 0, fmt.Errorf("dfs: thread %s is the 65th: at most 64 threads", p.Name(len(p.Runnable)-1))
	}
	node := dfsNode{run: slices.Clone(p.Runnable), last: p.Last, threads: threadCount(p)}
	if i > 0 {
		parent := &d.stack[i-1]
		node.preempts = parent.preempts
		if parent.preemptive(parent.choice) {
			node.preempts++
		}
		ran := parent.op(parent.choice)
		arrive := lockArrival(p, parent.choice, parent.threads)
		if parent.arrive == nil {
			parent.arrive = make([]int32, len(parent.run))
			for k := range parent.arrive {
				parent.arrive[k] = arriveAny
			}
		}
		parent.arrive[parent.index(parent.choice)] = arrive
		ranObserved := p.s == nil || p.s.observed
		if ranObserved {
			parent.quiet &^= 1 << parent.choice
		} else {
			parent.quiet |= 1 << parent.choice
		}
		if !d.noSleep {
			// A thread sleeps on in the child while its step and the step
			// just taken are independent: see the table in the type's
			// comment. A sleeping thread's step is carried along, not
			// looked up, as it was taken at an ancestor. Whether ran
			// blocked it shows in p.Runnable; whether its step would block
			// ran (an RLock, behind a writer the step leaves waiting) was
			// recorded when the step was taken, and matters only if there
			// were readers before ran.
			readersBefore := 1
			if ran.Op == OpRLock && p.s != nil {
				if m := p.s.mutex(ran.Object); m != nil {
					readersBefore = m.readers - 1
				}
			}
			keep := func(q sleeper) {
				if q.op.Thread != parent.choice && q.op.Independent(ran) && !(q.observed && ranObserved) &&
					!(readersBefore > 0 && arrivalBlocks(q.arrive, ran)) &&
					slices.ContainsFunc(p.Runnable, func(r Pending) bool { return r.Thread == q.op.Thread }) {
					node.sleep |= 1 << q.op.Thread
					node.sleepOps = append(node.sleepOps, q)
				}
			}
			for _, q := range parent.sleepOps {
				keep(q)
			}
			for k, q := range parent.run {
				if parent.complete&(1<<q.Thread) != 0 && parent.sleep&(1<<q.Thread) == 0 {
					keep(sleeper{op: q, arrive: parent.arrive[k], observed: parent.quiet&(1<<q.Thread) == 0})
				}
			}
		}
	}
	c, ok := d.pick(&node)
	if !ok {
		if node.cut && i > 0 {
			d.stack[i-1].childCut = true
		}
		d.pruned++
		return 0, ErrPruned
	}
	node.choice = c
	d.stack = append(d.stack, node)
	return slices.IndexFunc(p.Runnable, func(q Pending) bool { return q.Thread == c }), nil
}

// pick returns the first choice at n not yet explored, not asleep and
// within the bound: the previous thread first (no preemption), then the
// others in creation order. When the bound keeps a choice from being
// explored, it marks n as cut.
func (d *DFS) pick(n *dfsNode) (int, bool) {
	skip := n.done | n.sleep
	if n.enabled(n.last) && skip&(1<<n.last) == 0 {
		return n.last, true
	}
	if n.enabled(n.last) && d.bound >= 0 && n.preempts >= d.bound {
		n.cut = n.cut || slices.ContainsFunc(n.run, func(q Pending) bool { return q.Thread != n.last && skip&(1<<q.Thread) == 0 })
		return 0, false
	}
	for _, q := range n.run {
		if q.Thread != n.last && skip&(1<<q.Thread) == 0 {
			return q.Thread, true
		}
	}
	return 0, false
}

func (n *dfsNode) enabled(t int) bool {
	return t >= 0 && slices.ContainsFunc(n.run, func(q Pending) bool { return q.Thread == t })
}

func (n *dfsNode) preemptive(t int) bool { return t != n.last && n.enabled(n.last) }

func (n *dfsNode) index(t int) int {
	return slices.IndexFunc(n.run, func(q Pending) bool { return q.Thread == t })
}

func (n *dfsNode) op(t int) Pending { return n.run[n.index(t)] }

// threadCount returns the number of threads created so far in p's run.
func threadCount(p *Point) int {
	if p.s == nil {
		return 0
	}
	return len(p.s.threads)
}

// lockArrival says where the step thread t just took left threads parked
// (t itself, and any thread its step created, numbered from old): the
// mutex id of a Lock one of them waits at now, arriveNone, or arriveAny
// when there are several or p does not tell.
func lockArrival(p *Point, t, old int) int32 {
	if p.s == nil {
		return arriveAny
	}
	arrive := arriveNone
	for _, u := range p.s.threads {
		if (u.id != t && u.id < old) || u.done || u.op != OpLock || u.mu == nil {
			continue
		}
		if arrive != arriveNone {
			return arriveAny
		}
		arrive = u.mu.id
	}
	return arrive
}

// arrivalBlocks reports whether a step that left a thread parked at Lock
// of the mutex arrive may block q, an RLock of that mutex behind a waiting
// writer.
func arrivalBlocks(arrive int32, q Pending) bool {
	return q.Op == OpRLock && arrive != arriveNone && (arrive == arriveAny || int(arrive) == q.Object)
}

func pendingNames(p *Point, run []Pending) string {
	return names(&Point{Runnable: run, s: p.s})
}
