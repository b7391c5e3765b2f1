package openvz

import (
	"fmt"
	"slices"
	"strings"
	"sync"

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
	h       model.Handle
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
	seq    int    // the reparenting sequence (variant.Task.Order)
	tasks  []task // every task ever forked, sorted by handle
	cts    []container

	keyOnce sync.Once
	key     string

	cov *spec.Cover // where Hit records rules (StepCover); nil: nowhere
}

func newState(p model.Params, pol model.Policy) *state {
	s := &state{pol: pol, par: p, next: 2, pidMax: p.PidMax, seq: 1}
	s.tasks = []task{{Task: variant.Task{State: variant.Live, Parent: model.NoTask}, h: model.Root, pid: 1}}
	s.cts = []container{{variant.Space{Leader: model.Root}}}
	return s
}

// Clone returns a private copy of s.
func (s *state) Clone() *state {
	return &state{
		pol: s.pol, par: s.par, next: s.next, pidMax: s.pidMax, seq: s.seq,
		cov:   s.cov,
		tasks: slices.Clone(s.tasks),
		cts:   slices.Clone(s.cts),
	}
}

// Handle implements variant.Handled.
func (t task) Handle() model.Handle { return t.h }

// get returns task h, or nil when it was never forked. The pointer is
// good until the next insert.
func (s *state) get(h model.Handle) *task { return variant.Get(s.tasks, h) }

// insert adds t to the table (s is a private clone; t.h is not in it).
func (s *state) insert(t task) { s.tasks = variant.Insert(s.tasks, t) }

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
			return s.tasks[i].h
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

func (s *state) TaskAt(i int) (model.Handle, *variant.Task) { return s.tasks[i].h, &s.tasks[i].Task }

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
	return view == 0 || s.get(h).Home == view
}

func (s *state) NextOrder() int {
	s.seq++
	return s.seq - 1
}

// Key is a canonical encoding of the state: equal Keys give equal answers,
// Step's and Expect's, to every future op. It leaves out what cannot
// change an answer: the global cursor unless the policy is Cyclic (Lowest
// and Unique never read it), the reparenting sequence (a task's place
// among its parent's children stands for it: variant.Ranks says why that
// much order stays), container indices (renamed by first use, so
// unshares done in either order give one Key; containers no task lives in
// or forks into are left out), a zombie's children container, and
// everything about a reaped task but its handle (which no fork may take
// again).
func (s *state) Key() string {
	s.keyOnce.Do(func() { s.key = s.buildKey() })
	return s.key
}

func (s *state) buildKey() string {
	rank := variant.Ranks(s)
	names := variant.NewNames(len(s.cts))
	names.Name(0, nil)
	for i := range s.tasks {
		t := &s.tasks[i]
		if t.Exists() {
			names.Name(t.Home, nil)
		}
		if t.State == variant.Live {
			names.Name(t.childCt, nil)
		}
	}
	var k variant.KeyBuf
	k.Int(s.pidMax)
	if s.pol == model.Cyclic {
		k.Int(s.next)
	}
	for _, ci := range names.Named() {
		k.Tag('C')
		k.Handle(s.cts[ci].Leader)
		k.Bool(s.cts[ci].Dead)
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
		k.Int(t.pid)
		k.Int(t.vpid)
		k.Int(names.ID(t.Home))
		k.Handle(t.Parent)
		k.Int(rank[i])
		if t.State == variant.Live {
			k.Int(names.ID(t.childCt))
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
	fmt.Fprintf(&b, "openvz: global cursor %d, pid_max %d\n", s.next, s.pidMax)
	for _, t := range s.tasks {
		where := "host"
		if t.Home > 0 {
			where = fmt.Sprintf("ve%d vpid %d", t.Home, t.vpid)
		}
		fmt.Fprintf(&b, "  %s pid %d (%s) parent %s %s", t.h, t.pid, where, t.Parent, t.State)
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
