package proc

import "github.com/pidcheck/pidcheck/model"

// TaskState is where a task is in its life.
type TaskState uint8

// The task states, in life order. A task table holds only tasks that were
// forked; Absent is the state of a handle that is not in it.
const (
	Absent TaskState = iota
	Live
	Zombie
	Reaped
)

// Task is the part of a task_struct both designs keep alike.
type Task struct {
	State  TaskState
	Home   int // the space it lives in (a container, a pspace)
	Parent model.Handle
	Order  int // when it became its parent's child: wait -1 scans in this order
	Status model.Status
}

// Exists reports whether the task is live or a zombie: it holds numbers.
func (t *Task) Exists() bool { return t.State == Live || t.State == Zombie }

// Space is the part of a PID space both designs keep alike.
type Space struct {
	Leader model.Handle // its first task (init); NoTask until one is born into it
	Dead   bool         // its leader died: it accepts no task any more
}

// World is a design's System as the life-cycle rules see it.
type World interface {
	// NumTasks is the number of tasks in the table: every task ever
	// forked, live, zombie or reaped. The table is sparse: its size does
	// not depend on how large the handles are.
	NumTasks() int
	// TaskAt returns the i-th task of the table (0 ≤ i < NumTasks) and its
	// handle, in increasing handle order.
	TaskAt(i int) (model.Handle, *Task)
	// Task returns task h, or nil when there is none.
	Task(h model.Handle) *Task
	// NumSpaces is the number of spaces, indexed from 0 (the root).
	NumSpaces() int
	// Space returns space i.
	Space(i int) *Space
	// Visible reports whether live task h is one a dying space view kills.
	Visible(view int, h model.Handle) bool
	// Alone reports whether zombie leader h is the last task of its space.
	Alone(h model.Handle) bool
	// Num is task h's number as space view sees it, 0 when invisible.
	Num(view int, h model.Handle) int
	// ReapNum is the number wait in space view reports for child h.
	ReapNum(view int, h model.Handle) int
	// Find returns the task numbered n in space view, or NoTask.
	Find(view, n int) model.Handle
	// Zombified is told that h has just become a zombie.
	Zombified(h model.Handle)
	// Release is release_task: h is reaped and its numbers go back.
	Release(h model.Handle)
	// NextOrder returns the next value of the reparenting sequence.
	NextOrder() int
}

// LiveTask returns task h if it is live, else nil.
func LiveTask(w World, h model.Handle) *Task {
	if t := w.Task(h); t != nil && t.State == Live {
		return t
	}
	return nil
}

// IsLeader reports whether h is the leader (init) of its own space.
func IsLeader(w World, h model.Handle) bool {
	t := w.Task(h)
	return t != nil && w.Space(t.Home).Leader == h
}

// CheckFork validates a fork's actor (live) and child handle (not
// negative, never forked before: a reaped task's handle stays taken). Any
// other handle is good, t1000000 as t1: the task tables are sparse.
func CheckFork(w World, op model.Op) model.Errno {
	if LiveTask(w, op.Task) == nil {
		return model.ESRCH
	}
	if op.Child < 0 || w.Task(op.Child) != nil {
		return model.EINVAL
	}
	return model.OK
}

// Read answers getpid, getppid, translate and lookup (tasklist read-held).
func Read(w World, op model.Op) model.Result {
	a := LiveTask(w, op.Task)
	if a == nil {
		return model.Fail(model.ESRCH)
	}
	switch op.Kind {
	case model.GetPid:
		return model.Result{N: w.Num(a.Home, op.Task)}
	case model.GetPPid:
		if p := w.Task(a.Parent); p != nil {
			return model.Result{N: w.Num(a.Home, a.Parent)}
		}
		return model.Result{}
	case model.Translate:
		t := w.Task(op.Target)
		if t == nil || t.State == Absent {
			return model.Fail(model.ESRCH)
		}
		return model.Result{N: w.Num(a.Home, op.Target)}
	}
	if h := w.Find(a.Home, op.Pid); h != model.NoTask {
		return model.Result{Task: h}
	}
	return model.Fail(model.ESRCH)
}

// Reapable reports whether h is a zombie that wait may reap: any zombie,
// except that a leader waits until it is the last task of its space.
func Reapable(w World, h model.Handle) bool {
	t := w.Task(h)
	if t == nil || t.State != Zombie {
		return false
	}
	if !IsLeader(w, h) {
		return true
	}
	return w.Alone(h)
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
			c.Parent, c.Order = reaper, w.NextOrder()
		}
	}
}

// Settle kills the spaces whose leader died and lets a dying leader reap
// its children: zap_pid_ns_processes, done in one go.
func Settle(w World) {
	for changed := true; changed; {
		changed = false
		for si := range w.NumSpaces() {
			sp := w.Space(si)
			if sp.Dead || sp.Leader == model.NoTask || w.Task(sp.Leader).State == Live {
				continue
			}
			sp.Dead, changed = true, true
			for i := range w.NumTasks() {
				if h, t := w.TaskAt(i); t.State == Live && w.Visible(si, h) {
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
				w.Release(h)
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

// Wait is wait(op.Pid) by op.Task, whose space is view: -1 reaps the first
// reapable child, n > 0 the child numbered n there. A wait that finds
// nothing to reap yet returns the zero Result (it would block).
func Wait(w World, op model.Op, view int) model.Result {
	if op.Pid != -1 && op.Pid <= 0 {
		return model.Fail(model.EINVAL)
	}
	kids := Children(w, op.Task)
	if len(kids) == 0 {
		return model.Fail(model.ECHILD)
	}
	reap := func(h model.Handle) model.Result {
		r := model.Result{N: w.ReapNum(view, h), Status: w.Task(h).Status}
		w.Release(h)
		Settle(w)
		return r
	}
	switch {
	case op.Pid == -1:
		for _, k := range kids {
			if Reapable(w, k) {
				return reap(k)
			}
		}
		return model.Result{}
	case op.Pid > 0:
		for _, k := range kids {
			if w.Num(view, k) == op.Pid {
				if Reapable(w, k) {
					return reap(k)
				}
				return model.Result{}
			}
		}
	}
	return model.Fail(model.ECHILD)
}

// Deliver sends sig (9 or 15; 0 delivers nothing) from a task of space view
// to targets. A leader ignores signals from inside its own space, and
// SIGTERM from above.
func Deliver(w World, sig, view int, targets []model.Handle) {
	if sig == 0 {
		return
	}
	for _, h := range targets {
		t := w.Task(h)
		if t.State != Live {
			continue
		}
		if IsLeader(w, h) && (t.Home == view || sig != 9) {
			continue
		}
		Zombify(w, h, model.Status{Signal: sig})
	}
	Settle(w)
}
