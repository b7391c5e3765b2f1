package sched

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// Verdict says how a run ended.
type Verdict uint8

// The verdicts.
const (
	Done      Verdict = iota // every thread returned
	Deadlock                 // nothing runnable while some thread waits
	StepBound                // more decisions than Options.MaxSteps
	Panic                    // a thread panicked (or misused a primitive)
	Blocked                  // a thread blocked outside the scheduler's knowledge (watchdog)
	Diverged                 // the chooser could not follow the run (replay)
	Pruned                   // the chooser cut a redundant run short (DFS); not a failure
	Foreign                  // the Env was used from a goroutine that is none of the run's threads
)

var verdictNames = [...]string{"done", "deadlock", "step bound", "panic", "blocked", "diverged", "pruned", "foreign"}

// String returns "done", "deadlock", "step bound", "panic", "blocked",
// "diverged", "pruned" or "foreign".
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// Outcome is the result of one run.
type Outcome struct {
	Verdict Verdict
	Message string // one sentence; for Panic followed by the thread's stack
	Hash    uint64 // FNV-1a over the decisions (thread chosen, action, values)
	Steps   int    // number of decisions
	// Elided is how many decisions, after the first ones, the run did not
	// keep (Options.MaxRecords): Decisions returns the first Steps-Elided
	// of them; Hash still covers all.
	Elided int

	// Stuck names the threads the run left running outside the scheduler
	// (Blocked, or a thread that blocked while unwinding), in the order the
	// watchdog gave up on them; empty for every run the watchdog did not
	// take over. Each costs a goroutine that may run (spin) for the rest of
	// the process and one parked goroutine that waits for it; both end
	// when the thread reaches a scheduling point or returns. An explorer
	// should not start more runs of code that left one.
	Stuck []string

	names     []string // thread names by creation index
	objs      []string // object names by id
	whats     []string // WaitUntil descriptions, indexed by record.aux
	extra     []int64  // new values of failed CASes, indexed by record.aux
	recs      recList
	pool      []int32 // runnable sets of records with thread ids ≥ 64
	decisions []Decision
}

// Failed reports whether the run found a problem: Deadlock, StepBound,
// Panic, Blocked or Foreign. Diverged and Pruned are not findings about
// the code.
func (o *Outcome) Failed() bool {
	switch o.Verdict {
	case Deadlock, StepBound, Panic, Blocked, Foreign:
		return true
	}
	return false
}

// Decision is one scheduling decision in readable form.
type Decision struct {
	Runnable []string // threads runnable at this point, in creation order (main first)
	Thread   string   // the one chosen
	Action   string   // what it then did: "B CAS cursor 5→6 ok", "A lock tasklist"
}

// String prints the decision as "[main A B] B CAS cursor 5→6 ok" (the
// action starts with the chosen thread's name).
func (d Decision) String() string {
	return "[" + strings.Join(d.Runnable, " ") + "] " + d.Action
}

// Decisions returns every decision of the run, in order (the first
// Steps-Elided of them when the run kept no more: Options.MaxRecords).
// They are formatted on the first call and cached.
func (o *Outcome) Decisions() []Decision {
	if o.decisions != nil || o.recs.n == 0 {
		return o.decisions
	}
	ds := make([]Decision, 0, o.Steps-o.Elided)
	o.EachDecision(func(_ int, d Decision) { ds = append(ds, d) })
	o.decisions = ds
	return ds
}

// Release hands the run's decision records to later runs of this process
// (they were a third of the bytes a small run allocated) and forgets them:
// after it, Decisions and EachDecision see no decision, while Verdict,
// Message, Hash, Steps and Elided keep their values. Call it only on the
// Outcome of a run that ended normally (not Blocked: a thread the
// watchdog left could still hold the records), and only once nothing will
// read its decisions again.
func (o *Outcome) Release() {
	if o.Verdict == Blocked || len(o.Stuck) > 0 {
		return
	}
	for _, c := range o.recs.chunks {
		if i := chunkClass(cap(c)); i >= 0 {
			c = c[:0]
			chunkPools[i].Put(&c)
		}
	}
	o.recs = recList{}
	o.decisions = nil
}

// EachDecision calls f with every decision Decisions would return, in
// order, without keeping them: a run of millions of decisions (a thread
// spinning to the step bound) can be read in the memory of one. A
// repeated decision is passed as the same value each time.
func (o *Outcome) EachDecision(f func(i int, d Decision)) {
	var (
		prev *record
		d    Decision
	)
	o.recs.all(func(i int, r *record) {
		if r != prev {
			prev = r
			d = o.decision(r)
		}
		f(i, d)
	})
}

// decision formats record r.
func (o *Outcome) decision(r *record) Decision {
	var run []string
	if r.rs < 0 {
		for m := r.run; m != 0; m &= m - 1 {
			run = append(run, o.names[bits.TrailingZeros64(m)])
		}
	} else {
		for _, id := range o.pool[r.rs+1 : r.rs+1+o.pool[r.rs]] {
			run = append(run, o.names[id])
		}
	}
	return Decision{Runnable: run, Thread: o.names[r.thread], Action: o.action(r)}
}

// Tail returns the last n decisions, one per line, for failure reports.
func (o *Outcome) Tail(n int) string {
	ds := o.Decisions()
	start := max(0, len(ds)-n)
	var b strings.Builder
	for i := start; i < len(ds); i++ {
		fmt.Fprintf(&b, "%4d %s\n", i, ds[i])
	}
	return b.String()
}

// String summarises the outcome in one line.
func (o *Outcome) String() string {
	msg, _, _ := strings.Cut(o.Message, "\n")
	if msg == "" {
		return fmt.Sprintf("%s after %d decisions (hash %016x)", o.Verdict, o.Steps, o.Hash)
	}
	return fmt.Sprintf("%s after %d decisions (hash %016x): %s", o.Verdict, o.Steps, o.Hash, msg)
}

// record is one decision, structured and pointer-free: cheap to make,
// formatted on demand.
type record struct {
	thread uint16
	op     OpKind
	flags  uint8  // recOK, recWide
	obj    int32  // object id, -1 for none
	aux    int32  // WaitUntil: index into whats; Relock: the lock's object id; failed CAS: index into extra
	rs     int32  // runnable set: pool[rs] ids follow in the pool, or run when rs < 0
	run    uint64 // runnable set as a bit mask of thread ids (all < 64)
	a, r   int64  // argument; result or old value (CAS: old; new when ok, else the value found)
	rep    uint32 // how many more decisions, right after this one, were the same
}

const (
	recOK   = 1 << iota // TryLock, CAS succeeded
	recWide             // a 64-bit integer
)

func (r *record) ok() bool { return r.flags&recOK != 0 }

// action formats what r's thread did: "B CAS cursor 5→6 ok".
func (o *Outcome) action(r *record) string {
	who := o.names[r.thread]
	name := ""
	if r.obj >= 0 {
		name = o.objs[r.obj]
	}
	hex := func(v int64) string {
		if r.flags&recWide != 0 {
			return "0x" + strconv.FormatUint(uint64(v), 16)
		}
		return "0x" + strconv.FormatUint(uint64(uint32(v)), 16)
	}
	switch r.op {
	case OpLock, OpUnlock, OpRLock, OpRUnlock, OpSignal, OpBroadcast, OpWait:
		s := who + " " + r.op.String() + " " + name
		if r.op == OpSignal || r.op == OpBroadcast {
			if r.a < 0 {
				return s + " (no waiter)"
			}
			if r.op == OpSignal {
				return s + " (wakes " + o.names[r.a] + ")"
			}
			return s + " (wakes " + strconv.FormatInt(r.a, 10) + ")"
		}
		return s
	case OpRelock:
		return who + " relock " + o.objs[r.aux] + " (after wait " + name + ")"
	case OpTryLock:
		if r.ok() {
			return who + " trylock " + name + " ok"
		}
		return who + " trylock " + name + " busy"
	case OpLoad:
		return fmt.Sprintf("%s load %s = %d", who, name, r.r)
	case OpStore:
		return fmt.Sprintf("%s store %s %d→%d", who, name, r.r, r.a)
	case OpAdd:
		return fmt.Sprintf("%s add %s %d→%d", who, name, r.r-r.a, r.r)
	case OpSwap:
		return fmt.Sprintf("%s swap %s %d→%d", who, name, r.r, r.a)
	case OpCAS:
		if r.ok() {
			return fmt.Sprintf("%s CAS %s %d→%d ok", who, name, r.a, r.r)
		}
		return fmt.Sprintf("%s CAS %s %d→%d fail (is %d)", who, name, r.a, o.extra[r.aux], r.r)
	case OpOr:
		return fmt.Sprintf("%s or %s %s: %s→%s", who, name, hex(r.a), hex(r.r), hex(r.r|r.a))
	case OpAnd:
		return fmt.Sprintf("%s and %s %s: %s→%s", who, name, hex(r.a), hex(r.r), hex(r.r&r.a))
	case OpGo:
		if r.a >= 0 && int(r.a) < len(o.names) {
			return who + " go " + o.names[r.a]
		}
		return who + " go"
	case OpYield:
		return who + " yield"
	case OpWaitUntil:
		return who + " wait-until " + o.whats[r.aux]
	}
	return who + " " + r.op.String() + " " + name
}

// hashRecords is FNV-1a over 64-bit words: for every decision, the
// thread, operation, outcome and object in one word, then the values. The
// decisions past the list's limit, not kept, were hashed as they were
// made.
func hashRecords(recs *recList, extra []int64) uint64 {
	if recs.over {
		return hashRecord(recs.h, &recs.cur, extra)
	}
	return recs.hashKept(extra)
}

const (
	fnvOffset = uint64(14695981039346656037)
	fnvPrime  = uint64(1099511628211)
)

// hashRecord continues hash h with one decision.
func hashRecord(h uint64, r *record, extra []int64) uint64 {
	w := uint64(r.thread)<<48 | uint64(r.op)<<40 | uint64(uint32(r.obj))
	w |= uint64(r.flags&recOK) << 32
	h = (h ^ w) * fnvPrime
	h = (h ^ uint64(r.a)) * fnvPrime
	h = (h ^ uint64(r.r)) * fnvPrime
	if r.op == OpCAS && !r.ok() {
		h = (h ^ uint64(extra[r.aux])) * fnvPrime
	}
	return h
}

// recList stores records in chunks that double from 16 to 512 records, so
// a short run allocates little and appending never copies. A record the
// same as the one before it (a thread spinning on one load) is folded into
// it as a repeat, so a livelock of millions of decisions by one thread
// costs a few records: a run's memory does not grow with a spin.
//
// Past limit records (when limit is set) it keeps no more: each later
// decision is hashed once it is complete and counted, so a run that
// switches threads at random for millions of decisions costs limit
// records, not all of them. Its Outcome then has Elided set.
type recList struct {
	chunks [][]record
	n      int // decisions, repeats included
	kept   int // records in chunks
	limit  int // most records kept; 0: no limit

	over bool   // past limit: cur is the decision in progress
	cur  record // past limit, the decision in progress
	h    uint64 // past limit, the hash of every decision before cur
}

// hashKept is the hash of the kept records' decisions.
func (l *recList) hashKept(extra []int64) uint64 {
	h := fnvOffset
	l.all(func(_ int, r *record) { h = hashRecord(h, r, extra) })
	return h
}

// elided is how many decisions the list did not keep.
func (l *recList) elided() int {
	kept := 0
	l.all(func(int, *record) { kept++ })
	return l.n - kept
}

const (
	firstChunk = 16
	maxChunk   = 512
)

// chunkPools hold record chunks of released Outcomes, by size class:
// chunkPools[i] those of capacity firstChunk<<i.
var chunkPools [chunkClasses]sync.Pool

const chunkClasses = 6 // firstChunk<<(chunkClasses-1) == maxChunk

// chunkClass is the class of a chunk of capacity c, -1 for none.
func chunkClass(c int) int {
	if c < firstChunk || c > maxChunk || c&(c-1) != 0 {
		return -1
	}
	return bits.TrailingZeros(uint(c / firstChunk))
}

// newChunk returns an empty chunk of capacity size, a released one when
// there is one. Records hold no pointers: a released chunk needs no
// clearing.
func newChunk(size int) []record {
	if i := chunkClass(size); i >= 0 {
		if c, ok := chunkPools[i].Get().(*[]record); ok {
			return (*c)[:0]
		}
	}
	return make([]record, 0, size)
}

func (l *recList) add(r record, extra []int64) *record {
	if l.over || (l.limit > 0 && l.kept >= l.limit) {
		// The decision before is complete now: hash it, keep this one
		// only while it is in progress.
		if l.over {
			l.h = hashRecord(l.h, &l.cur, extra)
		} else {
			l.fold()
			l.h = l.hashKept(extra)
			l.over = true
		}
		l.cur = r
		l.n++
		return &l.cur
	}
	l.fold()
	k := len(l.chunks) - 1
	if k < 0 || len(l.chunks[k]) == cap(l.chunks[k]) {
		size := firstChunk
		if k >= 0 {
			size = min(2*cap(l.chunks[k]), maxChunk)
		}
		l.chunks = append(l.chunks, newChunk(size))
		k++
	}
	c := &l.chunks[k]
	*c = append(*c, r)
	l.n++
	l.kept++
	return &(*c)[len(*c)-1]
}

// fold folds the last record into the one before it when they are the
// same. The last record is complete once the next one is added (its result
// is written after add), so add folds before it appends; the Outcome folds
// the very last one.
func (l *recList) fold() {
	k := len(l.chunks) - 1
	if k < 0 {
		return
	}
	c := l.chunks[k]
	last := &c[len(c)-1]
	var prev *record
	switch {
	case len(c) >= 2:
		prev = &c[len(c)-2]
	case k >= 1:
		p := l.chunks[k-1]
		prev = &p[len(p)-1]
	default:
		return
	}
	same := *last
	same.rep = prev.rep
	if same != *prev {
		return
	}
	prev.rep += last.rep + 1
	l.kept--
	l.chunks[k] = c[:len(c)-1]
	if len(l.chunks[k]) == 0 {
		l.chunks = l.chunks[:k]
	}
}

// all calls f with every decision's record in order: a repeated record
// once per decision it stands for.
func (l *recList) all(f func(i int, r *record)) {
	i := 0
	for _, c := range l.chunks {
		for j := range c {
			for range c[j].rep + 1 {
				f(i, &c[j])
				i++
			}
		}
	}
}

// last returns the last record, nil when there is none.
func (l *recList) last() *record {
	if l.over {
		return &l.cur
	}
	if l.n == 0 {
		return nil
	}
	c := l.chunks[len(l.chunks)-1]
	return &c[len(c)-1]
}
