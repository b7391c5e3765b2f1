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
// operations (Pending.Independent): after the subtree of choice t at a node
// is explored, t sleeps in the subtrees of t's later siblings until some
// operation dependent on t's runs. A run reaching a state where every
// runnable thread sleeps is cut short with the verdict Pruned. With a
// finite preemption bound, sleep sets may skip an interleaving whose only
// equivalents within the bound were themselves skipped; unbounded, every
// reachable final state is still reached.
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
	last     int       // thread of the previous step, -1 at the first
	choice   int       // thread chosen in the current run
	done     uint64    // choices whose subtrees are explored
	sleep    uint64    // threads asleep at this node
	sleepOps []Pending // what each sleeping thread will do when it runs
	preempts int       // preemptions before this node
}

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
		if c, ok := d.pick(top); ok {
			top.choice = c
			return true
		}
		d.stack = d.stack[:len(d.stack)-1]
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
	node := dfsNode{run: slices.Clone(p.Runnable), last: p.Last}
	if i > 0 {
		parent := &d.stack[i-1]
		node.preempts = parent.preempts
		if parent.preemptive(parent.choice) {
			node.preempts++
		}
		if !d.noSleep {
			// A thread sleeps on in the child while what it will do is
			// independent of the step just taken. A sleeping thread need
			// not be runnable here (it may have blocked meanwhile), so its
			// operation is carried along rather than looked up.
			ran := parent.op(parent.choice)
			keep := func(q Pending) {
				if q.Thread != parent.choice && q.Independent(ran) {
					node.sleep |= 1 << q.Thread
					node.sleepOps = append(node.sleepOps, q)
				}
			}
			for _, q := range parent.sleepOps {
				keep(q)
			}
			for _, q := range parent.run {
				if parent.done&(1<<q.Thread) != 0 && parent.sleep&(1<<q.Thread) == 0 {
					keep(q)
				}
			}
		}
	}
	c, ok := d.pick(&node)
	if !ok {
		d.pruned++
		return 0, ErrPruned
	}
	node.choice = c
	d.stack = append(d.stack, node)
	return slices.IndexFunc(p.Runnable, func(q Pending) bool { return q.Thread == c }), nil
}

// pick returns the first choice at n not yet explored, not asleep and
// within the bound: the previous thread first (no preemption), then the
// others in creation order.
func (d *DFS) pick(n *dfsNode) (int, bool) {
	skip := n.done | n.sleep
	if n.enabled(n.last) && skip&(1<<n.last) == 0 {
		return n.last, true
	}
	if n.enabled(n.last) && d.bound >= 0 && n.preempts >= d.bound {
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

func (n *dfsNode) op(t int) Pending {
	i := slices.IndexFunc(n.run, func(q Pending) bool { return q.Thread == t })
	return n.run[i]
}

func pendingNames(p *Point, run []Pending) string {
	return names(&Point{Runnable: run, s: p.s})
}
