package pspace2006

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/internal/variant"
)

// task is one task. It lives in exactly one pspace, Home, with number num
// there; a leader (the first task of a pspace, num 1) also has a wait ID,
// wid, allocated in the parent pspace: the number its parent knows it by.
type task struct {
	variant.Task
	h     model.Handle
	num   int
	wid   int
	armed bool // unshare was called: the next fork creates a pspace
}

// pspace is one PID space with its own allocator. Space 0 is the root,
// led by t0.
type pspace struct {
	variant.Space
	parent int // -1 for the root
	level  int
	next   int // the allocator's cursor
	pidMax int
}

// state is the whole system. It is never mutated once returned: every op
// works on a clone.
type state struct {
	pol    model.Policy
	par    model.Params
	seq    int    // the reparenting sequence (variant.Task.Order)
	tasks  []task // every task ever forked, sorted by handle
	spaces []pspace

	keyOnce sync.Once
	key     string

	cov *spec.Cover // where Hit records rules (StepCover); nil: nowhere
}

func newState(p model.Params, pol model.Policy) *state {
	s := &state{pol: pol, par: p, seq: 1}
	s.tasks = []task{{Task: variant.Task{State: variant.Live, Parent: model.NoTask}, h: model.Root, num: 1}}
	s.spaces = []pspace{{Space: variant.Space{Leader: model.Root}, parent: -1, next: 2, pidMax: p.PidMax}}
	return s
}

// Clone returns a private copy of s.
func (s *state) Clone() *state {
	return &state{
		pol: s.pol, par: s.par, seq: s.seq,
		cov:    s.cov,
		tasks:  slices.Clone(s.tasks),
		spaces: slices.Clone(s.spaces),
	}
}

// Handle implements variant.Handled.
func (t task) Handle() model.Handle { return t.h }

// get returns task h, or nil when it was never forked. The pointer is
// good until the next insert.
func (s *state) get(h model.Handle) *task { return variant.Get(s.tasks, h) }

// insert adds t to the table (s is a private clone; t.h is not in it).
func (s *state) insert(t task) { s.tasks = variant.Insert(s.tasks, t) }

// num is t's number in pspace view: its own number in its own pspace, its
// wait ID in the parent pspace of the pspace it leads, 0 (invisible)
// everywhere else.
func (s *state) num(view int, t *task) int {
	switch {
	case !t.Exists():
		return 0
	case t.Home == view:
		return t.num
	case t.wid != 0 && s.spaces[t.Home].parent == view:
		return t.wid
	}
	return 0
}

// find returns the task with number n in pspace view (zombies included).
func (s *state) find(view, n int) model.Handle {
	if n <= 0 {
		return model.NoTask
	}
	for i := range s.tasks {
		if s.num(view, &s.tasks[i]) == n {
			return s.tasks[i].h
		}
	}
	return model.NoTask
}

// takenIn returns the taken predicate of pspace sp's allocator.
func (s *state) takenIn(sp int) func(int) bool {
	return func(n int) bool { return s.find(sp, n) != model.NoTask }
}

// within reports whether pspace sp is anc or below it.
func (s *state) within(sp, anc int) bool {
	for ; sp >= 0; sp = s.spaces[sp].parent {
		if sp == anc {
			return true
		}
	}
	return false
}

// The variant.World methods: a task is visible in a pspace where it has a
// number (so a leader is seen in the parent pspace, by its wait ID).

func (s *state) NumTasks() int { return len(s.tasks) }

func (s *state) TaskAt(i int) (model.Handle, *variant.Task) { return s.tasks[i].h, &s.tasks[i].Task }

func (s *state) Task(h model.Handle) *variant.Task {
	if t := s.get(h); t != nil {
		return &t.Task
	}
	return nil
}

func (s *state) NumSpaces() int                        { return len(s.spaces) }
func (s *state) Space(i int) *variant.Space            { return &s.spaces[i].Space }
func (s *state) Num(view int, h model.Handle) int      { return s.num(view, s.get(h)) }
func (s *state) Visible(view int, h model.Handle) bool { return s.num(view, s.get(h)) != 0 }

// Zombified disarms a pending unshare: a dead task forks nothing.
func (s *state) Zombified(h model.Handle) { s.get(h).armed = false }

func (s *state) NextOrder() int {
	s.seq++
	return s.seq - 1
}

// Key is a canonical encoding of the state: equal Keys give equal answers,
// Step's and Expect's, to every future op. It leaves out what cannot
// change an answer: the cursors unless the policy is Cyclic (Lowest and
// Unique never read them), the reparenting sequence (a task's place among
// its parent's children stands for it: variant.Ranks says why that much
// order stays), pspace indices (renamed by first use, ancestors first, so
// pspaces created in either order give one Key; a pspace no task lives in
// any more is left out: no one can fork into it again), a pspace's level
// (its place in the tree says it), and everything about a reaped task but
// its handle (which no fork may take again).
func (s *state) Key() string {
	s.keyOnce.Do(func() { s.key = s.buildKey() })
	return s.key
}

func (s *state) buildKey() string {
	rank := variant.Ranks(s)
	names := variant.NewNames(len(s.spaces))
	parent := func(i int) int { return s.spaces[i].parent }
	names.Name(0, parent)
	for i := range s.tasks {
		if t := &s.tasks[i]; t.Exists() {
			names.Name(t.Home, parent)
		}
	}
	var k variant.KeyBuf
	for _, si := range names.Named() {
		sp := &s.spaces[si]
		k.Tag('S')
		if sp.parent >= 0 {
			k.Int(names.ID(sp.parent))
		}
		k.Handle(sp.Leader)
		k.Bool(sp.Dead)
		k.Int(sp.pidMax)
		if s.pol == model.Cyclic {
			k.Int(sp.next)
		}
	}
	for i := range s.tasks {
		t := &s.tasks[i]
		k.Tag('T')
		k.Handle(t.h)
		if !t.Exists() {
			k.Tag('r')
			continue
		}
		k.Int(int(t.State))
		k.Int(names.ID(t.Home))
		k.Int(t.num)
		k.Int(t.wid)
		k.Handle(t.Parent)
		k.Int(rank[i])
		if t.State == variant.Live {
			k.Bool(t.armed)
		} else {
			k.Int(t.Status.Code)
			k.Int(t.Status.Signal)
		}
	}
	return k.String()
}

// String describes the state for a person.
func (s *state) String() string {
	var b strings.Builder
	b.WriteString("pspace2006:\n")
	for i, sp := range s.spaces {
		fmt.Fprintf(&b, "  s%d (level %d, parent s%d) leader %s cursor %d pid_max %d dead=%v\n", i, sp.level, sp.parent, sp.Leader, sp.next, sp.pidMax, sp.Dead)
	}
	for _, t := range s.tasks {
		fmt.Fprintf(&b, "  %s (s%d, %d)", t.h, t.Home, t.num)
		if t.wid != 0 {
			fmt.Fprintf(&b, " wait ID %d in s%d", t.wid, s.spaces[t.Home].parent)
		}
		fmt.Fprintf(&b, " parent %s %s", t.Parent, t.State)
		if t.State != variant.Live {
			fmt.Fprintf(&b, " %s", t.Status)
		}
		if t.armed {
			b.WriteString(" (unshared)")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

var (
	_ spec.State    = (*state)(nil)
	_ variant.World = (*state)(nil)
)
