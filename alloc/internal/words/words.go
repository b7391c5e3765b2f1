// Package words is a bitmap allocator's array of shadow words (one
// sched.Int64 per 64 numbers), made as they are first used. A space of
// pid_max 4194304 has 65,536 words and a run touches a handful of them:
// making every one at construction cost a run about 200,000 allocations
// and made a schedule's cost grow with the space. The first Eager words
// are still made at construction, in order, so the object ids of every
// space up to Eager × 64 numbers (the zoo's and the tests' spaces) are
// those of an array made whole, and their decision hashes do not change.
// Used by alloc/pidmap and alloc/lockfree.
package words

import (
	"strconv"
	"sync"

	"github.com/pidcheck/pidcheck/checker/sched"
)

// Eager is how many words New makes at once.
const Eager = 16

// Words is n shadow words named prefix[i].
type Words struct {
	env    sched.Env
	prefix string
	n      int
	eager  []sched.Int64

	// The words past Eager, made on first use. Under the controlled
	// scheduler only one thread runs at a time and making an object is no
	// scheduling point, so which word gets which object id follows the
	// schedule (deterministic); mu serves the pass-through Env, where
	// threads are real goroutines.
	mu   sync.Mutex
	late map[int]sched.Int64
}

// New makes n words on env, each 0, named prefix+"[i]"; the first Eager
// of them at once.
func New(env sched.Env, prefix string, n int) *Words {
	w := &Words{env: env, prefix: prefix, n: n, eager: make([]sched.Int64, min(n, Eager))}
	for i := range w.eager {
		w.eager[i] = w.make(i)
	}
	return w
}

func (w *Words) make(i int) sched.Int64 {
	return w.env.NewInt64(w.prefix+"["+strconv.Itoa(i)+"]", 0)
}

// Len is the number of words.
func (w *Words) Len() int { return w.n }

// At returns word i (0 ≤ i < Len), making it when it is first used. mu is
// never held across a call of the Env (which may unwind the thread); two
// goroutines of the pass-through Env that make the same word at once keep
// the first one stored.
func (w *Words) At(i int) sched.Int64 {
	if i < len(w.eager) {
		return w.eager[i]
	}
	w.mu.Lock()
	x, ok := w.late[i]
	w.mu.Unlock()
	if ok {
		return x
	}
	x = w.make(i)
	w.mu.Lock()
	defer w.mu.Unlock()
	if y, ok := w.late[i]; ok {
		return y
	}
	if w.late == nil {
		w.late = make(map[int]sched.Int64)
	}
	w.late[i] = x
	return x
}
