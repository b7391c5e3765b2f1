package variant

import (
	"fmt"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// TaskState is where a task is in its life.
type TaskState uint8

// The task states, in life order. A task table holds only tasks that were
// forked (live, zombie or reaped); Absent is the state of a handle that is
// not in it.
const (
	Absent TaskState = iota // never forked (or its fork failed)
	Live
	Zombie
	Reaped
)

var stateNames = [...]string{"absent", "live", "zombie", "reaped"}

// String names the state: absent, live, zombie or reaped.
func (s TaskState) String() string { return stateNames[s] }

// Task is the part of a task every design keeps alike.
type Task struct {
	State  TaskState
	Home   int // the space the task lives in (a container, a pspace)
	Parent model.Handle
	Order  int // when it became its parent's child: wait -1 scans in this order
	Status model.Status
}

// Exists reports whether the task is live or a zombie: it has numbers.
func (t *Task) Exists() bool { return t.State == Live || t.State == Zombie }

// Space is the part of a PID space every design keeps alike.
type Space struct {
	Leader model.Handle // its first task (init); NoTask until one is born into it
	Dead   bool         // its leader died: it accepts no task any more
}

// World is a design's state as the life-cycle rules see it.
type World interface {
	// NumTasks is the number of tasks in the table: every task ever
	// forked, live, zombie or reaped. The table is sparse: its size does
	// not depend on how large the handles are.
	NumTasks() int
	// TaskAt returns the i-th task of the table (0 ≤ i < NumTasks) and its
	// handle, in increasing handle order.
	TaskAt(i int) (model.Handle, *Task)
	// Task returns task h, or nil when h is not in the table.
	Task(h model.Handle) *Task
	// NumSpaces is the number of spaces, indexed from 0 (the root).
	NumSpaces() int
	// Space returns space i.
	Space(i int) *Space
	// Visible reports whether task h, live or a zombie, has a number in
	// space view.
	Visible(view int, h model.Handle) bool
	// Num is task h's number as space view sees it, 0 when invisible.
	Num(view int, h model.Handle) int
	// NextOrder returns the next value of the reparenting sequence.
	NextOrder() int
	// Zombified is told that h has just become a zombie, for the
	// design's own per-task state.
	Zombified(h model.Handle)
	// Hit records that rule r fired (a covered step; see spec.Coverer);
	// Covering reports whether the step is covered, for hits that take
	// work to decide.
	Hit(r spec.Rule)
	Covering() bool
}

// IsLeader reports whether h is the leader (init) of its own space.
func IsLeader(w World, h model.Handle) bool {
	t := w.Task(h)
	return t != nil && w.Space(t.Home).Leader == h
}

// IsLive reports whether h is a live task.
func IsLive(w World, h model.Handle) bool {
	t := w.Task(h)
	return t != nil && t.State == Live
}

// Reapable reports whether h is a zombie that wait may reap: any zombie,
// except that a leader waits until it is the last task its space sees.
func Reapable(w World, h model.Handle) bool {
	t := w.Task(h)
	if t == nil || t.State != Zombie {
		return false
	}
	if !IsLeader(w, h) {
		return true
	}
	for i := range w.NumTasks() {
		o, ot := w.TaskAt(i)
		if o != h && ot.Exists() && w.Visible(t.Home, o) {
			return false
		}
	}
	return true
}

// Zombify ends h with status st: its children go to its space's leader (a
// leader keeps its own children: it reaps them as its space dies).
func Zombify(w World, h model.Handle, st model.Status) {
	t := w.Task(h)
	t.State, t.Status = Zombie, st
	w.Zombified(h)
	if IsLeader(w, h) {
		return
	}
	reaper := w.Space(t.Home).Leader
	for i := range w.NumTasks() {
		if _, c := w.TaskAt(i); c.Parent == h && c.Exists() {
			w.Hit(spec.ReparentInit)
			c.Parent, c.Order = reaper, w.NextOrder()
		}
	}
}

// Settle computes the consequences of a death atomically: a space whose
// leader died stops accepting and every live task it sees is killed (so
// the spaces below it die too); a dead space's leader reaps its zombie
// children.
func Settle(w World) {
	for changed := true; changed; {
		changed = false
		for si := range w.NumSpaces() {
			sp := w.Space(si)
			if sp.Dead || sp.Leader == model.NoTask || w.Task(sp.Leader).State == Live {
				continue
			}
			sp.Dead, changed = true, true
			w.Hit(spec.InitDies)
			for i := range w.NumTasks() {
				if h, t := w.TaskAt(i); t.State == Live && w.Visible(si, h) {
					if t.Home != si {
						w.Hit(spec.InitKillsNested)
					}
					Zombify(w, h, model.Status{Signal: 9})
				}
			}
		}
		for i := range w.NumTasks() {
			h, t := w.TaskAt(i)
			if t.State != Zombie || t.Parent == model.NoTask {
				continue
			}
			p := w.Task(t.Parent)
			if p.State != Live && IsLeader(w, t.Parent) && w.Space(p.Home).Dead && Reapable(w, h) {
				w.Hit(spec.DyingInitReaps)
				t.State = Reaped
				changed = true
			}
		}
	}
}

// Children returns h's live and zombie children in the order they became
// its children, the order wait scans them in.
func Children(w World, h model.Handle) []model.Handle {
	var out []model.Handle
	for i := range w.NumTasks() {
		if k, t := w.TaskAt(i); t.Parent == h && t.Exists() {
			out = append(out, k)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && w.Task(out[j]).Order < w.Task(out[j-1]).Order; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// reap reaps h for a waiter in space view.
func reap(w World, h model.Handle, view int) model.Result {
	t := w.Task(h)
	r := model.Result{N: w.Num(view, h), Status: t.Status}
	w.Hit(spec.WaitReap)
	t.State = Reaped
	Settle(w)
	return r
}

// Wait is wait(op.Pid) by op.Task, whose space is view: -1 reaps the first
// reapable child (or, when reapChoice > 0, the child the observation
// names), n > 0 the child numbered n there. A wait that finds nothing to
// reap yet returns the zero Result (it would block). A non-empty string
// says reapChoice is not a child the spec lets wait reap.
func Wait(w World, op model.Op, reapChoice, view int) (model.Result, string) {
	if op.Pid != -1 && op.Pid <= 0 {
		w.Hit(spec.GroupNotModelled)
		return model.Fail(model.EINVAL), "" // a process group: not modelled, as in spec.Linux
	}
	kids := Children(w, op.Task)
	if len(kids) == 0 {
		w.Hit(spec.WaitECHILD)
		return model.Fail(model.ECHILD), ""
	}
	switch {
	case op.Pid == -1 && reapChoice > 0:
		for _, k := range kids {
			if w.Num(view, k) == reapChoice {
				if !Reapable(w, k) {
					return model.Result{}, fmt.Sprintf("child %s (%d) is not reapable", k, reapChoice)
				}
				return reap(w, k, view), ""
			}
		}
		return model.Result{}, fmt.Sprintf("no child has number %d", reapChoice)
	case op.Pid == -1:
		for _, k := range kids {
			if Reapable(w, k) {
				return reap(w, k, view), ""
			}
		}
		hitNone(w, kids)
		return model.Result{}, ""
	case op.Pid > 0:
		for _, k := range kids {
			if w.Num(view, k) == op.Pid {
				if Reapable(w, k) {
					return reap(w, k, view), ""
				}
				hitNone(w, []model.Handle{k})
				return model.Result{}, ""
			}
		}
	}
	w.Hit(spec.WaitECHILD)
	return model.Fail(model.ECHILD), ""
}

// Signal delivers sig (0, 9 or 15, checked by the caller) from a task in
// space view to targets: ESRCH when there are none (none hits rule), nothing more for
// signal 0. A leader ignores signals from inside its own space, and
// SIGTERM from above. Each delivery hits rule delivered.
func Signal(w World, targets []model.Handle, sig, view int, none, delivered spec.Rule) model.Result {
	if len(targets) == 0 {
		w.Hit(none)
		return model.Fail(model.ESRCH)
	}
	if sig == 0 {
		w.Hit(spec.KillProbe)
		return model.Result{}
	}
	for _, h := range targets {
		t := w.Task(h)
		if t.State != Live {
			w.Hit(spec.KillZombie)
			continue
		}
		if IsLeader(w, h) && (t.Home == view || sig != 9) {
			w.Hit(spec.KillInitIgnores)
			continue
		}
		w.Hit(delivered)
		if IsLeader(w, h) {
			w.Hit(spec.KillInitAncestor)
		}
		Zombify(w, h, model.Status{Signal: sig})
	}
	Settle(w)
	return model.Result{}
}

// hitNone records a wait that found children but none reapable, and a
// zombie leader among them waiting for its space's members.
func hitNone(w World, kids []model.Handle) {
	if !w.Covering() {
		return
	}
	w.Hit(spec.WaitNone)
	for _, k := range kids {
		if t := w.Task(k); t.State == Zombie && IsLeader(w, k) {
			w.Hit(spec.WaitInitMembers)
		}
	}
}
