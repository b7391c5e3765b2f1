package pspace2006

import (
	"fmt"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// MaxHandle bounds the handles a fork may create: this spec indexes tasks
// by handle, so a fork of t65536 or above is refused with EINVAL rather than
// growing the table without bound.
const MaxHandle = 1 << 16

// choice carries what an observation fixes where the spec leaves a choice:
// the number a Fork took in the parent's pspace (policies lowest/unique)
// and the child a Wait(-1) reaped. Zero values mean "the spec's own choice".
type choice struct {
	n    int
	reap int
}

// Expect returns the spec's result for op and the next state.
func (s *state) Expect(op model.Op) (model.Result, spec.State) {
	n := s.clone()
	r, _ := n.apply(op, choice{})
	return r, n
}

// Step says whether op may return observed in this state.
func (s *state) Step(op model.Op, observed model.Result) (bool, spec.State, string) {
	var ch choice
	if observed.Err == model.OK {
		switch {
		case (op.Kind == model.Fork || op.Kind == model.ForkWithTid) && len(observed.NSpid) > 0:
			ch.n = observed.NSpid[0]
		case op.Kind == model.Wait && op.Pid == -1:
			ch.reap = observed.N
		}
	}
	n := s.clone()
	r, why := n.apply(op, ch)
	if why != "" {
		return false, nil, fmt.Sprintf("%s returned %s: %s", op, observed.Format(op.Kind), why)
	}
	if !r.Equal(op.Kind, observed) {
		return false, nil, fmt.Sprintf("%s returned %s; the pspace2006 spec gives %s", op, observed.Format(op.Kind), r.Format(op.Kind))
	}
	return true, n, ""
}

// apply performs op on s (a private clone). A non-empty string says the
// choice in ch is not one the spec allows.
func (s *state) apply(op model.Op, ch choice) (model.Result, string) {
	if op.Kind.Level() != model.ProcessLevel {
		return model.Fail(model.EINVAL), ""
	}
	if !s.isLive(op.Task) {
		return model.Fail(model.ESRCH), ""
	}
	a := s.get(op.Task)
	ok := model.Result{}
	sp := &s.spaces[a.space]
	switch op.Kind {
	case model.Fork, model.ForkWithTid:
		return s.fork(op, ch)
	case model.Exit:
		s.zombify(op.Task, model.Status{Code: op.Code})
		s.settle()
		return ok, ""
	case model.Wait:
		return s.wait(op, ch)
	case model.Kill:
		return s.kill(op), ""
	case model.Unshare:
		switch {
		case a.armed:
			return model.Fail(model.EINVAL), ""
		case sp.level+1 > s.par.MaxLevel:
			return model.Fail(model.ENOSPC), ""
		}
		a.armed = true
		return ok, ""
	case model.SetNs:
		if !s.isLive(op.Target) {
			return model.Fail(model.ESRCH), ""
		}
		if s.get(op.Target).space != a.space {
			return model.Fail(model.EINVAL), "" // a pspace is entered only by being born into it
		}
		a.armed = false
		return ok, ""
	case model.GetPid:
		return model.Result{N: a.num}, ""
	case model.GetPPid:
		if p := s.get(a.parent); p != nil {
			return model.Result{N: s.num(a.space, p)}, ""
		}
		return model.Result{N: 0}, ""
	case model.Translate:
		t := s.get(op.Target)
		if t == nil || t.state == absent {
			return model.Fail(model.ESRCH), ""
		}
		return model.Result{N: s.num(a.space, t)}, ""
	case model.Lookup:
		if h := s.find(a.space, op.Pid); h != model.NoTask {
			return model.Result{Task: h}, ""
		}
		return model.Fail(model.ESRCH), ""
	case model.SetPidMax:
		if op.N <= s.par.Floor || op.N > s.par.PidMax {
			return model.Fail(model.EINVAL), ""
		}
		sp.pidMax = op.N
		return ok, ""
	case model.SetLastPid:
		if op.N < 0 || op.N > sp.pidMax {
			return model.Fail(model.EINVAL), ""
		}
		sp.next = op.N + 1
		return ok, ""
	}
	return model.Fail(model.EINVAL), ""
}

// fork creates op.Child in the actor's pspace, or, when the actor has
// unshared, as the leader of a new pspace: number 1 there and a wait ID
// from the actor's pspace. Result: [n], or [wid 1].
func (s *state) fork(op model.Op, ch choice) (model.Result, string) {
	if c := s.get(op.Child); op.Child < 0 || op.Child >= MaxHandle || (c != nil && c.state != absent) {
		return model.Fail(model.EINVAL), ""
	}
	a := s.get(op.Task)
	home := a.space
	sp := &s.spaces[home]
	if sp.dead {
		return model.Fail(model.ENOMEM), ""
	}
	taken := s.takenIn(home)
	var n int
	if op.Kind == model.ForkWithTid {
		tids := op.Tids
		if a.armed {
			if len(tids) < 1 || len(tids) > 2 || tids[0] != 1 {
				return model.Fail(model.EINVAL), ""
			}
			tids = tids[1:]
		} else if len(tids) != 1 {
			return model.Fail(model.EINVAL), ""
		}
		if len(tids) == 1 {
			n = tids[0]
			if n < 1 || n >= sp.pidMax {
				return model.Fail(model.EINVAL), ""
			}
			if taken(n) {
				return model.Fail(model.EEXIST), ""
			}
		}
	}
	if n == 0 {
		want, found := spec.Pick(s.pol, taken, sp.next, s.par.Floor, sp.pidMax)
		if ch.n != 0 {
			if ok, why := spec.Allowed(s.pol, taken, sp.next, s.par.Floor, sp.pidMax, ch.n); !ok {
				return model.Result{}, fmt.Sprintf("number in s%d: %s", home, why)
			}
			want, found = ch.n, true
		}
		if !found {
			return model.Fail(model.EAGAIN), ""
		}
		n = want
		sp.next = n + 1
	}
	for int(op.Child) >= len(s.tasks) {
		s.tasks = append(s.tasks, task{parent: model.NoTask})
	}
	a = s.get(op.Task) // the append may have moved the tasks
	t := task{state: live, space: home, num: n, parent: op.Task, order: s.seq}
	s.seq++
	if !a.armed {
		s.tasks[op.Child] = t
		return model.Result{NSpid: []int{n}}, ""
	}
	a.armed = false
	s.spaces = append(s.spaces, pspace{parent: home, level: sp.level + 1, leader: op.Child, next: 2, pidMax: s.par.PidMax})
	t.space, t.num, t.wid = len(s.spaces)-1, 1, n
	s.tasks[op.Child] = t
	return model.Result{NSpid: []int{n, 1}}, ""
}

func (s *state) children(h model.Handle) []model.Handle {
	var out []model.Handle
	for i := range s.tasks {
		t := &s.tasks[i]
		if t.parent == h && (t.state == live || t.state == zombie) {
			out = append(out, model.Handle(i))
		}
	}
	// wait scans children in the order they became children.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && s.tasks[out[j]].order < s.tasks[out[j-1]].order; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (s *state) reap(h model.Handle, view int) model.Result {
	t := s.get(h)
	r := model.Result{N: s.num(view, t), Status: t.status}
	t.state = reaped
	s.settle()
	return r
}

func (s *state) wait(op model.Op, ch choice) (model.Result, string) {
	a := s.get(op.Task)
	if op.Pid != -1 && op.Pid <= 0 {
		return model.Fail(model.EINVAL), "" // a process group: not modelled, as in spec.Linux
	}
	kids := s.children(op.Task)
	if len(kids) == 0 {
		return model.Fail(model.ECHILD), ""
	}
	switch {
	case op.Pid == -1 && ch.reap > 0:
		for _, k := range kids {
			if s.num(a.space, s.get(k)) == ch.reap {
				if !s.reapable(k) {
					return model.Result{}, fmt.Sprintf("child %s (%d) is not reapable", k, ch.reap)
				}
				return s.reap(k, a.space), ""
			}
		}
		return model.Result{}, fmt.Sprintf("no child has number %d", ch.reap)
	case op.Pid == -1:
		for _, k := range kids {
			if s.reapable(k) {
				return s.reap(k, a.space), ""
			}
		}
		return model.Result{}, ""
	case op.Pid > 0:
		for _, k := range kids {
			if s.num(a.space, s.get(k)) == op.Pid {
				if s.reapable(k) {
					return s.reap(k, a.space), ""
				}
				return model.Result{}, ""
			}
		}
	}
	return model.Fail(model.ECHILD), ""
}

func (s *state) kill(op model.Op) model.Result {
	if op.Sig != 0 && op.Sig != 9 && op.Sig != 15 {
		return model.Fail(model.EINVAL)
	}
	if op.Pid == 0 {
		return model.Fail(model.EINVAL) // own process group: not modelled, as in spec.Linux
	}
	a := s.get(op.Task)
	var targets []model.Handle
	switch {
	case op.Pid > 0:
		if h := s.find(a.space, op.Pid); h != model.NoTask {
			targets = append(targets, h)
		}
	case op.Pid == -1:
		for i := range s.tasks {
			if model.Handle(i) != op.Task && s.num(a.space, &s.tasks[i]) > 1 {
				targets = append(targets, model.Handle(i))
			}
		}
	case op.Pid < -1:
		// kill(-wid): every task of the pspace led by wid, nested ones too.
		if h := s.find(a.space, -op.Pid); h != model.NoTask && s.get(h).space != a.space {
			inner := s.get(h).space
			for i := range s.tasks {
				if t := &s.tasks[i]; (t.state == live || t.state == zombie) && s.within(t.space, inner) {
					targets = append(targets, model.Handle(i))
				}
			}
		}
	}
	if len(targets) == 0 {
		return model.Fail(model.ESRCH)
	}
	if op.Sig == 0 {
		return model.Result{}
	}
	for _, h := range targets {
		t := s.get(h)
		if t.state != live {
			continue
		}
		if s.isLeader(h) && (t.space == a.space || op.Sig != 9) {
			continue // a leader ignores signals from inside, and SIGTERM from above
		}
		s.zombify(h, model.Status{Signal: op.Sig})
	}
	s.settle()
	return model.Result{}
}
