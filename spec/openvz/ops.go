package openvz

import (
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/internal/variant"
)

// Expect returns the spec's result for op and the next state.
func (s *state) Expect(op model.Op) (model.Result, spec.State) { return variant.Expect(s, op) }

// Step says whether op may return observed in this state. The choice an
// observation fixes is the global number a fork took and the child a
// wait(-1) reaped.
func (s *state) Step(op model.Op, observed model.Result) (bool, spec.State, string) {
	return variant.Step(Name, s, op, observed)
}

// Apply performs op on s (a private clone). A non-empty string says the
// choice in ch is not one the spec allows.
func (s *state) Apply(op model.Op, ch variant.Choice) (model.Result, string) {
	if op.Kind == 0 || op.Kind.Level() != model.ProcessLevel { // kind 0 is no op at all
		s.Hit(spec.NotProcessOp)
		return model.Fail(model.EINVAL), ""
	}
	if !variant.IsLive(s, op.Task) {
		s.Hit(spec.NotLive)
		return model.Fail(model.ESRCH), ""
	}
	a := s.get(op.Task)
	ok := model.Result{}
	switch op.Kind {
	case model.Thread, model.GetTid, model.ExitThread, model.Exec:
		s.Hit(spec.Refused)
		return model.Fail(model.EINVAL), "" // thread groups are not modelled: see the package doc
	case model.SetPgid, model.GetPgid, model.SetSid, model.GetSid, model.SigChld, model.Subreaper,
		model.Clone, model.SetNsChildren, model.GetLastPid, model.GetNSpid:
		s.Hit(spec.Refused)
		return model.Fail(model.EINVAL), "" // not part of this design's proposal: see the package doc
	case model.Fork, model.ForkWithTid:
		return s.fork(op, ch)
	case model.Exit:
		variant.Zombify(s, op.Task, model.Status{Code: op.Code})
		variant.Settle(s)
		return ok, ""
	case model.Wait:
		return variant.Wait(s, op, ch.Reap, a.Home)
	case model.Kill:
		return s.kill(op), ""
	case model.Unshare:
		switch {
		case a.Home != 0:
			s.Hit(spec.UnshareDepth)
			return model.Fail(model.ENOSPC), "" // one level only
		case a.childCt != a.Home:
			s.Hit(spec.UnshareTwice)
			return model.Fail(model.EINVAL), ""
		case s.par.MaxLevel < 1:
			s.Hit(spec.UnshareDepth)
			return model.Fail(model.ENOSPC), ""
		}
		s.Hit(spec.UnshareNew)
		s.cts = append(s.cts, container{variant.Space{Leader: model.NoTask}})
		a.childCt = len(s.cts) - 1
		return ok, ""
	case model.SetNs:
		if !variant.IsLive(s, op.Target) {
			s.Hit(spec.SetNsGone)
			return model.Fail(model.ESRCH), ""
		}
		tc := s.get(op.Target).Home
		if a.Home != 0 && tc != a.Home {
			s.Hit(spec.SetNsNotBelow)
			return model.Fail(model.EINVAL), ""
		}
		if tc != a.Home {
			s.Hit(spec.SetNsBelow)
		} else {
			s.Hit(spec.SetNsOwn)
		}
		a.childCt = tc
		return ok, ""
	case model.GetPid:
		return model.Result{N: num(a.Home, a)}, ""
	case model.GetPPid:
		if p := s.get(a.Parent); p != nil {
			return model.Result{N: num(a.Home, p)}, ""
		}
		return model.Result{N: 0}, ""
	case model.Translate:
		t := s.get(op.Target)
		if t == nil || t.State == variant.Absent {
			s.Hit(spec.TranslateNever)
			return model.Fail(model.ESRCH), ""
		}
		return model.Result{N: num(a.Home, t)}, ""
	case model.Lookup:
		if h := s.find(a.Home, op.Pid); h != model.NoTask {
			return model.Result{Task: h}, ""
		}
		s.Hit(spec.LookupNone)
		return model.Fail(model.ESRCH), ""
	case model.SetPidMax:
		if a.Home != 0 {
			s.Hit(spec.PermHost)
			return model.Fail(model.EPERM), ""
		}
		if op.N <= s.par.Floor || op.N > s.par.PidMax {
			s.Hit(spec.PidMaxRange)
			return model.Fail(model.EINVAL), ""
		}
		s.Hit(spec.PidMaxSet)
		s.pidMax = op.N
		return ok, ""
	case model.SetLastPid:
		if a.Home != 0 {
			s.Hit(spec.PermHost)
			return model.Fail(model.EPERM), ""
		}
		if op.N < 0 || op.N > s.pidMax {
			s.Hit(spec.LastPidRange)
			return model.Fail(model.EINVAL), ""
		}
		s.Hit(spec.LastPidSet)
		s.next = op.N + 1
		return ok, ""
	}
	return model.Fail(model.EINVAL), ""
}

func (s *state) fork(op model.Op, ch variant.Choice) (model.Result, string) {
	if op.Child < 0 || s.get(op.Child) != nil { // negative, or forked before (a reaped handle too)
		s.Hit(spec.ChildInUse)
		return model.Fail(model.EINVAL), ""
	}
	a := s.get(op.Task)
	dest := a.childCt
	isInit := dest != 0 && s.cts[dest].Leader == model.NoTask
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
		if ch.N != 0 {
			if ok, why := spec.Allowed(s.pol, s.taken, s.next, s.par.Floor, s.pidMax, ch.N); !ok {
				return model.Result{}, "global number: " + why
			}
			want, found = ch.N, true
		}
		if !found {
			s.Hit(spec.ForkEAGAIN)
			return model.Fail(model.EAGAIN), ""
		}
		if want < s.next {
			s.Hit(spec.ForkWrap)
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
	if s.cts[dest].Dead {
		// alloc_pid allocates first and checks PIDNS_ADDING last: EAGAIN
		// wins over ENOMEM, and the cursor has moved.
		s.Hit(spec.ForkDead)
		return model.Fail(model.ENOMEM), ""
	}
	s.insert(task{Task: variant.Task{State: variant.Live, Home: dest, Parent: op.Task, Order: s.NextOrder()}, h: op.Child, pid: g, vpid: v, childCt: dest})
	if isInit {
		s.Hit(spec.ForkFirst)
		s.cts[dest].Leader = op.Child
	}
	if op.Kind == model.ForkWithTid {
		s.hitTid(len(op.Tids))
	}
	if dest == 0 {
		return model.Result{NSpid: []int{g}}, ""
	}
	return model.Result{NSpid: []int{g, v}}, ""
}

// withTid checks a set_tid request: innermost first, so [g] on the host,
// [v] or [v g] into a container (linear mode ties v to g).
func (s *state) withTid(tids []int, dest int, isInit bool, ch variant.Choice) (g, v int, e model.Errno, why string) {
	inRange := func(n int) bool { return n >= 1 && n < s.pidMax && n&VPIDBit == 0 }
	if dest == 0 {
		if len(tids) != 1 {
			s.Hit(spec.TidTooMany)
			return 0, 0, model.EINVAL, ""
		}
		if !inRange(tids[0]) {
			s.Hit(spec.TidRange)
			return 0, 0, model.EINVAL, ""
		}
		g = tids[0]
	} else {
		if len(tids) < 1 || len(tids) > 2 {
			s.Hit(spec.TidTooMany)
			return 0, 0, model.EINVAL, ""
		}
		v = tids[0]
		switch {
		case isInit && v != 1:
			s.Hit(spec.TidNoInit)
			return 0, 0, model.EINVAL, ""
		case isInit:
			if len(tids) == 1 {
				n, ok := spec.Pick(s.pol, s.taken, s.next, s.par.Floor, s.pidMax)
				if ch.N != 0 {
					if ok, why := spec.Allowed(s.pol, s.taken, s.next, s.par.Floor, s.pidMax, ch.N); !ok {
						return 0, 0, model.OK, "global number: " + why
					}
					n, ok = ch.N, true
				}
				if !ok {
					s.Hit(spec.ForkEAGAIN)
					return 0, 0, model.EAGAIN, ""
				}
				s.next = n + 1
				return n, 1, model.OK, ""
			}
			g = tids[1]
		case v == 1:
			s.Hit(spec.TidEEXIST)
			return 0, 0, model.EEXIST, ""
		case v&VPIDBit == 0:
			s.Hit(spec.TidRange)
			return 0, 0, model.EINVAL, ""
		default:
			g = v &^ VPIDBit
			if len(tids) == 2 && tids[1] != g {
				s.Hit(spec.TidRange)
				return 0, 0, model.EINVAL, ""
			}
		}
		if !inRange(g) {
			s.Hit(spec.TidRange)
			return 0, 0, model.EINVAL, ""
		}
	}
	if s.taken(g) {
		s.Hit(spec.TidEEXIST)
		return 0, 0, model.EEXIST, ""
	}
	return g, v, model.OK, ""
}

func (s *state) kill(op model.Op) model.Result {
	if op.Sig != 0 && op.Sig != 9 && op.Sig != 15 {
		s.Hit(spec.KillBadSig)
		return model.Fail(model.EINVAL)
	}
	if op.Pid == 0 || op.Pid < -1 {
		s.Hit(spec.GroupNotModelled)
		return model.Fail(model.EINVAL) // a process group: not modelled, as in spec.Linux
	}
	a := s.get(op.Task)
	var targets []model.Handle
	switch {
	case op.Pid > 0:
		if h := s.find(a.Home, op.Pid); h != model.NoTask {
			targets = append(targets, h)
		}
	case op.Pid == -1:
		for i := range s.tasks {
			if t := &s.tasks[i]; t.h != op.Task && num(a.Home, t) > 1 {
				targets = append(targets, t.h)
			}
		}
	}
	// init ignores signals from inside, and SIGTERM from the host.
	if op.Pid == -1 {
		return variant.Signal(s, targets, op.Sig, a.Home, spec.KillNoneAll, spec.KillAll)
	}
	return variant.Signal(s, targets, op.Sig, a.Home, spec.KillNoPid, spec.KillOne)
}
