package sched

import (
	"errors"
	"fmt"
)

// Chooser makes every scheduling decision of a run. Run calls Begin once,
// then Choose at every scheduling point, then End once with the outcome. A
// Chooser serves one run at a time; explorers (DFS, PCT) carry state from
// one run to the next.
type Chooser interface {
	// Begin is called when a run starts.
	Begin()
	// Choose returns the index in p.Runnable of the thread that runs next.
	// A non-nil error stops the run: ErrPruned gives the verdict Pruned,
	// any other error Diverged, with the error's text as the message.
	Choose(p *Point) (int, error)
	// End is called once the run has ended and nothing of it runs any
	// more. It may change o (a replay that ended early is Diverged).
	End(o *Outcome)
}

// ErrPruned is returned by a Chooser that stops a run because every way to
// continue it is equivalent to a run explored before.
var ErrPruned = errors.New("pruned: every continuation is equivalent to one explored before")

// Point is one scheduling decision as a Chooser sees it. It is valid only
// during the Choose call.
type Point struct {
	Step     int       // the decision's index in the run, from 0
	Last     int       // the thread that made the previous step, -1 at the first decision
	Runnable []Pending // the threads that can run, in creation order; never empty

	s *sched
}

// ThreadName returns the name of the thread with creation index id
// ("main", "A", …).
func (p *Point) ThreadName(id int) string {
	if p.s == nil || id < 0 || id >= len(p.s.threads) {
		return fmt.Sprintf("thread#%d", id)
	}
	return p.s.threads[id].name
}

// Name returns the name of the i-th runnable thread.
func (p *Point) Name(i int) string { return p.ThreadName(p.Runnable[i].Thread) }

// ObjectName returns the name of the object the i-th runnable thread is
// about to touch, "" for none.
func (p *Point) ObjectName(i int) string {
	if o := p.Runnable[i].Object; o >= 0 && p.s != nil {
		return p.s.objs[o]
	}
	return ""
}

// Pending is a runnable thread and the operation it is parked at, which it
// performs first when chosen. It holds no pointers (a decision copies one
// per runnable thread); Point.Name and Point.ObjectName give the names.
type Pending struct {
	Thread  int    // creation index: main is 0
	Op      OpKind // what it is about to do
	Object  int    // the object it touches, -1 for none (Go, Yield, WaitUntil)
	object2 int    // a Cond's lock, -1 for none
}

// Independent reports whether p's and q's operations commute and neither
// can enable or disable the other, so running them in either order gives
// the same state: they are different threads' and touch different objects
// (a Wait or Relock also touches its Cond's lock), or both are Loads. Go
// and Yield are independent of everything but WaitUntil. WaitUntil depends
// on everything: its condition may read plain memory that any step (a Go's
// or Yield's too) writes under a lock. This is the static part of the
// relation DFS uses; its comment has the whole table, and the two effects
// (writer preference, disabling) that DFS checks on top.
func (p Pending) Independent(q Pending) bool {
	if p.Thread == q.Thread {
		return false
	}
	if p.Op == OpWaitUntil || q.Op == OpWaitUntil {
		return false
	}
	if p.Op == OpGo || p.Op == OpYield || q.Op == OpGo || q.Op == OpYield {
		return true
	}
	if p.Op == OpLoad && q.Op == OpLoad {
		return true
	}
	return !p.touches(q.Object) && !p.touches(q.object2)
}

func (p Pending) touches(obj int) bool {
	return obj >= 0 && (p.Object == obj || p.object2 == obj)
}

// OpKind is the kind of a visible operation.
type OpKind uint8

// The visible operations: every one is a scheduling point.
const (
	OpNone OpKind = iota
	OpLock
	OpUnlock
	OpTryLock
	OpRLock
	OpRUnlock
	OpLoad
	OpStore
	OpAdd
	OpCAS
	OpSwap
	OpOr
	OpAnd
	OpWait   // Cond.Wait: unlock and sleep
	OpRelock // Cond.Wait: woken, lock again
	OpSignal
	OpBroadcast
	OpGo
	OpYield
	OpWaitUntil
)

var opNames = [...]string{"none", "lock", "unlock", "trylock", "rlock", "runlock", "load", "store", "add", "CAS", "swap", "or", "and", "wait", "relock", "signal", "broadcast", "go", "yield", "wait-until"}

// String returns the operation's name as actions print it ("CAS", "lock").
func (k OpKind) String() string {
	if int(k) < len(opNames) {
		return opNames[k]
	}
	return "op?"
}
