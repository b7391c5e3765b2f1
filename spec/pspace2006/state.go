package pspace2006

import (
	"fmt"
	"strings"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

type taskState uint8

const (
	absent taskState = iota // never forked (or its fork failed)
	live
	zombie
	reaped
)

var stateNames = [...]string{"absent", "live", "zombie", "reaped"}

// task is one task. It lives in exactly one pspace, with number num there;
// a leader (the first task of a pspace, num 1) also has a wait ID, wid,
// allocated in the parent pspace: the number its parent knows it by.
type task struct {
	state  taskState
	space  int
	num    int
	wid    int
	parent model.Handle
	order  int  // when it became its parent's child: wait -1 scans in this order
	armed  bool // unshare was called: the next fork creates a pspace
	status model.Status
}

// pspace is one PID space with its own allocator. Space 0 is the root,
// led by t0.
type pspace struct {
	parent int // -1 for the root
	level  int
	leader model.Handle
	dead   bool // its leader died: it accepts no task any more
	next   int  // the allocator's cursor
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
	s.tasks = []task{{state: live, num: 1, parent: model.NoTask}}
	s.spaces = []pspace{{parent: -1, leader: model.Root, next: 2, pidMax: p.PidMax}}
	return s
}

func (s *state) clone() *state {
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

func (s *state) isLive(h model.Handle) bool {
	t := s.get(h)
	return t != nil && t.state == live
}

func (s *state) isLeader(h model.Handle) bool {
	t := s.get(h)
	return t != nil && s.spaces[t.space].leader == h
}

// num is t's number in pspace view: its own number in its own pspace, its
// wait ID in the parent pspace of the pspace it leads, 0 (invisible)
// everywhere else.
func (s *state) num(view int, t *task) int {
	switch {
	case t.state != live && t.state != zombie:
		return 0
	case t.space == view:
		return t.num
	case t.wid != 0 && s.spaces[t.space].parent == view:
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

// reapable: a zombie, and if it leads a pspace, the last task visible there.
func (s *state) reapable(h model.Handle) bool {
	t := s.get(h)
	if t == nil || t.state != zombie {
		return false
	}
	if !s.isLeader(h) {
		return true
	}
	for i := range s.tasks {
		if model.Handle(i) != h && s.num(t.space, &s.tasks[i]) != 0 {
			return false
		}
	}
	return true
}

// zombify ends t: its children go to its pspace's leader (a leader keeps
// its own children: it reaps them as its pspace dies).
func (s *state) zombify(h model.Handle, st model.Status) {
	t := s.get(h)
	t.state, t.status, t.armed = zombie, st, false
	if s.isLeader(h) {
		return
	}
	reaper := s.spaces[t.space].leader
	for i := range s.tasks {
		c := &s.tasks[i]
		if c.parent == h && (c.state == live || c.state == zombie) {
			c.parent, c.order = reaper, s.seq
			s.seq++
		}
	}
}

// settle computes the consequences of a death atomically: a pspace whose
// leader died stops accepting and every task visible in it is killed (so
// nested pspaces die too); a dead pspace's leader reaps its zombie children.
func (s *state) settle() {
	for changed := true; changed; {
		changed = false
		for si := range s.spaces {
			sp := &s.spaces[si]
			if sp.dead || s.tasks[sp.leader].state == live {
				continue
			}
			sp.dead, changed = true, true
			for i := range s.tasks {
				if t := &s.tasks[i]; t.state == live && s.num(si, t) != 0 {
					s.zombify(model.Handle(i), model.Status{Signal: 9})
				}
			}
		}
		for i := range s.tasks {
			t := &s.tasks[i]
			if t.state != zombie || t.parent == model.NoTask {
				continue
			}
			p := s.get(t.parent)
			if p.state != live && s.isLeader(t.parent) && s.spaces[p.space].dead && s.reapable(model.Handle(i)) {
				t.state = reaped
				changed = true
			}
		}
	}
}

// Key is a canonical encoding of the state.
func (s *state) Key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seq=%d", s.seq)
	for i, t := range s.tasks {
		if t.state == absent {
			continue
		}
		fmt.Fprintf(&b, "|t%d %d s%d %d w%d p%d o%d %v %d,%d", i, t.state, t.space, t.num, t.wid, t.parent, t.order, t.armed, t.status.Code, t.status.Signal)
	}
	for i, sp := range s.spaces {
		fmt.Fprintf(&b, "|s%d %d %d %d %v %d %d", i, sp.parent, sp.level, sp.leader, sp.dead, sp.next, sp.pidMax)
	}
	return b.String()
}

// String describes the state for a person.
func (s *state) String() string {
	var b strings.Builder
	b.WriteString("pspace2006:\n")
	for i, sp := range s.spaces {
		fmt.Fprintf(&b, "  s%d (level %d, parent s%d) leader %s cursor %d pid_max %d dead=%v\n", i, sp.level, sp.parent, sp.leader, sp.next, sp.pidMax, sp.dead)
	}
	for i, t := range s.tasks {
		if t.state == absent {
			continue
		}
		fmt.Fprintf(&b, "  t%d (s%d, %d)", i, t.space, t.num)
		if t.wid != 0 {
			fmt.Fprintf(&b, " wait ID %d in s%d", t.wid, s.spaces[t.space].parent)
		}
		fmt.Fprintf(&b, " parent %s %s", t.parent, stateNames[t.state])
		if t.state != live {
			fmt.Fprintf(&b, " %s", t.status)
		}
		if t.armed {
			b.WriteString(" (unshared)")
		}
		b.WriteByte('\n')
	}
	return b.String()
}

var _ spec.State = (*state)(nil)
