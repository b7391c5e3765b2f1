package openvz

import (
	"fmt"
	"strings"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// VPIDBit is OpenVZ's VPID_DIV (1 << VPID_BIT, VPID_BIT = 10): a virtual
// number is a global number with this bit set, and the global allocator
// never hands out a number that has it.
const VPIDBit = 1 << 10

type taskState uint8

const (
	absent taskState = iota // never forked (or its fork failed)
	live
	zombie
	reaped
)

var stateNames = [...]string{"absent", "live", "zombie", "reaped"}

// task is one task of the system. Its space is ct: 0 is the host (the one
// global space), c > 0 is container c.
type task struct {
	state   taskState
	pid     int // global number
	vpid    int // virtual number: 0 on the host, 1 for a container's init, pid|VPIDBit otherwise
	ct      int
	childCt int // where the task's future children go
	parent  model.Handle
	order   int // when it became its parent's child: wait -1 scans in this order
	status  model.Status
}

// container is a VE. Index 0 is the host, whose init is t0.
type container struct {
	init model.Handle // NoTask until the first fork into it
	dead bool         // its init died: it accepts no task any more
}

// state is the whole system. It is never mutated once returned: every op
// works on a clone.
type state struct {
	pol    model.Policy
	par    model.Params
	next   int // the global allocator's cursor: the next search starts here
	pidMax int
	seq    int
	tasks  []task // indexed by handle
	cts    []container
}

func newState(p model.Params, pol model.Policy) *state {
	s := &state{pol: pol, par: p, next: 2, pidMax: p.PidMax, seq: 1}
	s.tasks = []task{{state: live, pid: 1, parent: model.NoTask}}
	s.cts = []container{{init: model.Root}}
	return s
}

func (s *state) clone() *state {
	c := *s
	c.tasks = append([]task(nil), s.tasks...)
	c.cts = append([]container(nil), s.cts...)
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

// num is t's number as a task of space view sees it: global on the host,
// virtual inside t's own container, 0 (invisible) elsewhere.
func num(view int, t *task) int {
	switch {
	case t.state != live && t.state != zombie:
		return 0
	case view == 0:
		return t.pid
	case t.ct == view:
		return t.vpid
	}
	return 0
}

// find returns the task with number n in space view (zombies included).
func (s *state) find(view, n int) model.Handle {
	if n <= 0 {
		return model.NoTask
	}
	for i := range s.tasks {
		if num(view, &s.tasks[i]) == n {
			return model.Handle(i)
		}
	}
	return model.NoTask
}

// taken reports whether global number n is unavailable: in use by a task
// (until it is reaped) or carrying the VPID bit.
func (s *state) taken(n int) bool {
	if n&VPIDBit != 0 {
		return true
	}
	for i := range s.tasks {
		t := &s.tasks[i]
		if (t.state == live || t.state == zombie) && t.pid == n {
			return true
		}
	}
	return false
}

func (s *state) isInit(h model.Handle) bool {
	t := s.get(h)
	return t != nil && s.cts[t.ct].init == h
}

// reapable: a zombie, and if it is an init, the last task of its space.
func (s *state) reapable(h model.Handle) bool {
	t := s.get(h)
	if t == nil || t.state != zombie {
		return false
	}
	if !s.isInit(h) {
		return true
	}
	for i := range s.tasks {
		o := &s.tasks[i]
		if model.Handle(i) != h && (o.state == live || o.state == zombie) && (t.ct == 0 || o.ct == t.ct) {
			return false
		}
	}
	return true
}

// zombify ends t: its children go to its space's init (an init keeps its
// own children: it reaps them as its space dies).
func (s *state) zombify(h model.Handle, st model.Status) {
	t := s.get(h)
	t.state, t.status = zombie, st
	if s.isInit(h) {
		return
	}
	reaper := s.cts[t.ct].init
	for i := range s.tasks {
		c := &s.tasks[i]
		if c.parent == h && (c.state == live || c.state == zombie) {
			c.parent, c.order = reaper, s.seq
			s.seq++
		}
	}
}

// settle computes the consequences of a death atomically: a space whose init
// died stops accepting and its tasks (all tasks, for the host) are killed;
// a dead space's init reaps its zombie children.
func (s *state) settle() {
	for changed := true; changed; {
		changed = false
		for ci := range s.cts {
			c := &s.cts[ci]
			if c.dead || c.init == model.NoTask || s.tasks[c.init].state == live {
				continue
			}
			c.dead, changed = true, true
			for i := range s.tasks {
				t := &s.tasks[i]
				if t.state == live && (ci == 0 || t.ct == ci) {
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
			if p.state != live && s.isInit(t.parent) && s.cts[p.ct].dead && s.reapable(model.Handle(i)) {
				t.state = reaped
				changed = true
			}
		}
	}
}

// Key is a canonical encoding of the state.
func (s *state) Key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "next=%d max=%d seq=%d", s.next, s.pidMax, s.seq)
	for i, t := range s.tasks {
		if t.state == absent {
			continue
		}
		fmt.Fprintf(&b, "|t%d %d %d/%d c%d>c%d p%d o%d %d,%d", i, t.state, t.pid, t.vpid, t.ct, t.childCt, t.parent, t.order, t.status.Code, t.status.Signal)
	}
	for i, c := range s.cts {
		fmt.Fprintf(&b, "|c%d %d %v", i, c.init, c.dead)
	}
	return b.String()
}

// String describes the state for a person.
func (s *state) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "openvz: global cursor %d, pid_max %d\n", s.next, s.pidMax)
	for i, t := range s.tasks {
		if t.state == absent {
			continue
		}
		where := "host"
		if t.ct > 0 {
			where = fmt.Sprintf("ve%d vpid %d", t.ct, t.vpid)
		}
		fmt.Fprintf(&b, "  t%d pid %d (%s) parent %s %s", i, t.pid, where, t.parent, stateNames[t.state])
		if t.state != live {
			fmt.Fprintf(&b, " %s", t.status)
		}
		b.WriteByte('\n')
	}
	for i, c := range s.cts[1:] {
		fmt.Fprintf(&b, "  ve%d init %s dead=%v\n", i+1, c.init, c.dead)
	}
	return b.String()
}

var _ spec.State = (*state)(nil)
