package openvz

import (
	"fmt"
	"strings"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/internal/variant"
)

// VPIDBit is OpenVZ's VPID_DIV (1 << VPID_BIT, VPID_BIT = 10): a virtual
// number is a global number with this bit set, and the global allocator
// never hands out a number that has it.
const VPIDBit = 1 << 10

// task is one task of the system. Its space, Home, is 0 for the host (the
// one global space) and c > 0 for container c.
type task struct {
	variant.Task
	pid     int // global number
	vpid    int // virtual number: 0 on the host, 1 for a container's init, pid|VPIDBit otherwise
	childCt int // where the task's future children go
}

// container is a VE: its Leader is its init (NoTask until the first fork
// into it). Index 0 is the host, whose init is t0.
type container struct {
	variant.Space
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
	s.tasks = []task{{Task: variant.Task{State: variant.Live, Parent: model.NoTask}, pid: 1}}
	s.cts = []container{{variant.Space{Leader: model.Root}}}
	return s
}

// Clone returns a private copy of s.
func (s *state) Clone() *state {
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

// num is t's number as a task of space view sees it: global on the host,
// virtual inside t's own container, 0 (invisible) elsewhere.
func num(view int, t *task) int {
	switch {
	case !t.Exists():
		return 0
	case view == 0:
		return t.pid
	case t.Home == view:
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
		if t.Exists() && t.pid == n {
			return true
		}
	}
	return false
}

// The variant.World methods: the life-cycle rules see the host and the
// containers as spaces; the host sees every task.

func (s *state) NumTasks() int { return len(s.tasks) }

func (s *state) Task(h model.Handle) *variant.Task {
	if t := s.get(h); t != nil {
		return &t.Task
	}
	return nil
}

func (s *state) NumSpaces() int                   { return len(s.cts) }
func (s *state) Space(i int) *variant.Space       { return &s.cts[i].Space }
func (s *state) Num(view int, h model.Handle) int { return num(view, s.get(h)) }
func (s *state) Zombified(model.Handle)           {}

func (s *state) Visible(view int, h model.Handle) bool {
	return view == 0 || s.tasks[h].Home == view
}

func (s *state) NextOrder() int {
	s.seq++
	return s.seq - 1
}

// Key is a canonical encoding of the state.
func (s *state) Key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "next=%d max=%d seq=%d", s.next, s.pidMax, s.seq)
	for i, t := range s.tasks {
		if t.State == variant.Absent {
			continue
		}
		fmt.Fprintf(&b, "|t%d %d %d/%d c%d>c%d p%d o%d %d,%d", i, t.State, t.pid, t.vpid, t.Home, t.childCt, t.Parent, t.Order, t.Status.Code, t.Status.Signal)
	}
	for i, c := range s.cts {
		fmt.Fprintf(&b, "|c%d %d %v", i, c.Leader, c.Dead)
	}
	return b.String()
}

// String describes the state for a person.
func (s *state) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "openvz: global cursor %d, pid_max %d\n", s.next, s.pidMax)
	for i, t := range s.tasks {
		if t.State == variant.Absent {
			continue
		}
		where := "host"
		if t.Home > 0 {
			where = fmt.Sprintf("ve%d vpid %d", t.Home, t.vpid)
		}
		fmt.Fprintf(&b, "  t%d pid %d (%s) parent %s %s", i, t.pid, where, t.Parent, t.State)
		if t.State != variant.Live {
			fmt.Fprintf(&b, " %s", t.Status)
		}
		b.WriteByte('\n')
	}
	for i, c := range s.cts[1:] {
		fmt.Fprintf(&b, "  ve%d init %s dead=%v\n", i+1, c.Leader, c.Dead)
	}
	return b.String()
}

var (
	_ spec.State    = (*state)(nil)
	_ variant.World = (*state)(nil)
)
