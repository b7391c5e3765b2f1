package pspace2006

import (
	"fmt"
	"strings"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/internal/variant"
)

// task is one task. It lives in exactly one pspace, Home, with number num
// there; a leader (the first task of a pspace, num 1) also has a wait ID,
// wid, allocated in the parent pspace: the number its parent knows it by.
type task struct {
	variant.Task
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
	seq    int
	tasks  []task // indexed by handle
	spaces []pspace
}

func newState(p model.Params, pol model.Policy) *state {
	s := &state{pol: pol, par: p, seq: 1}
	s.tasks = []task{{Task: variant.Task{State: variant.Live, Parent: model.NoTask}, num: 1}}
	s.spaces = []pspace{{Space: variant.Space{Leader: model.Root}, parent: -1, next: 2, pidMax: p.PidMax}}
	return s
}

// Clone returns a private copy of s.
func (s *state) Clone() *state {
	c := *s
	c.tasks = append([]task(nil), s.tasks...)
	c.spaces = append([]pspace(nil), s.spaces...)
	return &c
}

func (s *state) get(h model.Handle) *task {
	if h < 0 || int(h) >= len(s.tasks) {
		return nil
	}
	return &s.tasks[h]
}

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
			return model.Handle(i)
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
func (s *state) Zombified(h model.Handle) { s.tasks[h].armed = false }

func (s *state) NextOrder() int {
	s.seq++
	return s.seq - 1
}

// Key is a canonical encoding of the state.
func (s *state) Key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seq=%d", s.seq)
	for i, t := range s.tasks {
		if t.State == variant.Absent {
			continue
		}
		fmt.Fprintf(&b, "|t%d %d s%d %d w%d p%d o%d %v %d,%d", i, t.State, t.Home, t.num, t.wid, t.Parent, t.Order, t.armed, t.Status.Code, t.Status.Signal)
	}
	for i, sp := range s.spaces {
		fmt.Fprintf(&b, "|s%d %d %d %d %v %d %d", i, sp.parent, sp.level, sp.Leader, sp.Dead, sp.next, sp.pidMax)
	}
	return b.String()
}

// String describes the state for a person.
func (s *state) String() string {
	var b strings.Builder
	b.WriteString("pspace2006:\n")
	for i, sp := range s.spaces {
		fmt.Fprintf(&b, "  s%d (level %d, parent s%d) leader %s cursor %d pid_max %d dead=%v\n", i, sp.level, sp.parent, sp.Leader, sp.next, sp.pidMax, sp.Dead)
	}
	for i, t := range s.tasks {
		if t.State == variant.Absent {
			continue
		}
		fmt.Fprintf(&b, "  t%d (s%d, %d)", i, t.Home, t.num)
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
