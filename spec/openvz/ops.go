package openvz

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
// the global number a Fork took (policies lowest/unique) and the child a
// Wait(-1) reaped. Zero values mean "the spec's own choice".
type choice struct {
	pid  int
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
			ch.pid = observed.NSpid[0]
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
		return false, nil, fmt.Sprintf("%s returned %s; the openvz spec gives %s", op, observed.Format(op.Kind), r.Format(op.Kind))
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
		case a.ct != 0:
			return model.Fail(model.ENOSPC), "" // one level only
		case a.childCt != a.ct:
			return model.Fail(model.EINVAL), ""
		case s.par.MaxLevel < 1:
			return model.Fail(model.ENOSPC), ""
		}
		s.cts = append(s.cts, container{init: model.NoTask})
		a.childCt = len(s.cts) - 1
		return ok, ""
	case model.SetNs:
		if !s.isLive(op.Target) {
			return model.Fail(model.ESRCH), ""
		}
		tc := s.get(op.Target).ct
		if a.ct != 0 && tc != a.ct {
			return model.Fail(model.EINVAL), ""
		}
		a.childCt = tc
		return ok, ""
	case model.GetPid:
		return model.Result{N: num(a.ct, a)}, ""
	case model.GetPPid:
		if p := s.get(a.parent); p != nil {
			return model.Result{N: num(a.ct, p)}, ""
		}
		return model.Result{N: 0}, ""
	case model.Translate:
		t := s.get(op.Target)
		if t == nil || t.state == absent {
			return model.Fail(model.ESRCH), ""
		}
		return model.Result{N: num(a.ct, t)}, ""
	case model.Lookup:
		if h := s.find(a.ct, op.Pid); h != model.NoTask {
			return model.Result{Task: h}, ""
		}
		return model.Fail(model.ESRCH), ""
	case model.SetPidMax:
		if a.ct != 0 {
			return model.Fail(model.EPERM), ""
		}
		if op.N <= s.par.Floor || op.N > s.par.PidMax {
			return model.Fail(model.EINVAL), ""
		}
		s.pidMax = op.N
		return ok, ""
	case model.SetLastPid:
		if a.ct != 0 {
			return model.Fail(model.EPERM), ""
		}
		if op.N < 0 || op.N > s.pidMax {
			return model.Fail(model.EINVAL), ""
		}
		s.next = op.N + 1
		return ok, ""
	}
	return model.Fail(model.EINVAL), ""
}

func (s *state) fork(op model.Op, ch choice) (model.Result, string) {
	if c := s.get(op.Child); op.Child < 0 || op.Child >= MaxHandle || (c != nil && c.state != absent) {
		return model.Fail(model.EINVAL), ""
	}
	a := s.get(op.Task)
	dest := a.childCt
	isInit := dest != 0 && s.cts[dest].init == model.NoTask
	var g, v int
	if op.Kind == model.ForkWithTid {
		var e model.Errno
		var why string
		if g, v, e, why = s.withTid(op.Tids, dest, isInit, ch); why != "" {
			return model.Result{}, why
		} else if e != model.OK {
			return model.Fail(e), ""
		}
	} else {
		want, found := spec.Pick(s.pol, s.taken, s.next, s.par.Floor, s.pidMax)
		if ch.pid != 0 {
			if ok, why := spec.Allowed(s.pol, s.taken, s.next, s.par.Floor, s.pidMax, ch.pid); !ok {
				return model.Result{}, "global number: " + why
			}
			want, found = ch.pid, true
		}
		if !found {
			return model.Fail(model.EAGAIN), ""
		}
		g = want
		s.next = g + 1
		switch {
		case dest == 0:
		case isInit:
			v = 1
		default:
			v = g | VPIDBit
		}
	}
	if s.cts[dest].dead {
		// alloc_pid allocates first and checks PIDNS_ADDING last: EAGAIN
		// wins over ENOMEM, and the cursor has moved.
		return model.Fail(model.ENOMEM), ""
	}
	for int(op.Child) >= len(s.tasks) {
		s.tasks = append(s.tasks, task{parent: model.NoTask})
	}
	s.tasks[op.Child] = task{state: live, pid: g, vpid: v, ct: dest, childCt: dest, parent: op.Task, order: s.seq}
	s.seq++
	if isInit {
		s.cts[dest].init = op.Child
	}
	if dest == 0 {
		return model.Result{NSpid: []int{g}}, ""
	}
	return model.Result{NSpid: []int{g, v}}, ""
}

// withTid checks a set_tid request: innermost first, so [g] on the host,
// [v] or [v g] into a container (linear mode ties v to g).
func (s *state) withTid(tids []int, dest int, isInit bool, ch choice) (g, v int, e model.Errno, why string) {
	inRange := func(n int) bool { return n >= 1 && n < s.pidMax && n&VPIDBit == 0 }
	if dest == 0 {
		if len(tids) != 1 || !inRange(tids[0]) {
			return 0, 0, model.EINVAL, ""
		}
		g = tids[0]
	} else {
		if len(tids) < 1 || len(tids) > 2 {
			return 0, 0, model.EINVAL, ""
		}
		v = tids[0]
		switch {
		case isInit && v != 1:
			return 0, 0, model.EINVAL, ""
		case isInit:
			if len(tids) == 1 {
				n, ok := spec.Pick(s.pol, s.taken, s.next, s.par.Floor, s.pidMax)
				if ch.pid != 0 {
					if ok, why := spec.Allowed(s.pol, s.taken, s.next, s.par.Floor, s.pidMax, ch.pid); !ok {
						return 0, 0, model.OK, "global number: " + why
					}
					n, ok = ch.pid, true
				}
				if !ok {
					return 0, 0, model.EAGAIN, ""
				}
				s.next = n + 1
				return n, 1, model.OK, ""
			}
			g = tids[1]
		case v == 1:
			return 0, 0, model.EEXIST, ""
		case v&VPIDBit == 0:
			return 0, 0, model.EINVAL, ""
		default:
			g = v &^ VPIDBit
			if len(tids) == 2 && tids[1] != g {
				return 0, 0, model.EINVAL, ""
			}
		}
		if !inRange(g) {
			return 0, 0, model.EINVAL, ""
		}
	}
	if s.taken(g) {
		return 0, 0, model.EEXIST, ""
	}
	return g, v, model.OK, ""
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
	r := model.Result{N: num(view, t), Status: t.status}
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
			if num(a.ct, s.get(k)) == ch.reap {
				if !s.reapable(k) {
					return model.Result{}, fmt.Sprintf("child %s (%d) is not reapable", k, ch.reap)
				}
				return s.reap(k, a.ct), ""
			}
		}
		return model.Result{}, fmt.Sprintf("no child has number %d", ch.reap)
	case op.Pid == -1:
		for _, k := range kids {
			if s.reapable(k) {
				return s.reap(k, a.ct), ""
			}
		}
		return model.Result{}, ""
	case op.Pid > 0:
		for _, k := range kids {
			if num(a.ct, s.get(k)) == op.Pid {
				if s.reapable(k) {
					return s.reap(k, a.ct), ""
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
	if op.Pid == 0 || op.Pid < -1 {
		return model.Fail(model.EINVAL) // a process group: not modelled, as in spec.Linux
	}
	a := s.get(op.Task)
	var targets []model.Handle
	switch {
	case op.Pid > 0:
		if h := s.find(a.ct, op.Pid); h != model.NoTask {
			targets = append(targets, h)
		}
	case op.Pid == -1:
		for i := range s.tasks {
			if model.Handle(i) != op.Task && num(a.ct, &s.tasks[i]) > 1 {
				targets = append(targets, model.Handle(i))
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
		if s.isInit(h) && (t.ct == a.ct || op.Sig != 9) {
			continue // init ignores signals from inside, and SIGTERM from the host
		}
		s.zombify(h, model.Status{Signal: op.Sig})
	}
	s.settle()
	return model.Result{}
}
