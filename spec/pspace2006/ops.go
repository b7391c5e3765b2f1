package pspace2006

import (
	"fmt"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/internal/variant"
)

// Expect returns the spec's result for op and the next state.
func (s *state) Expect(op model.Op) (model.Result, spec.State) { return variant.Expect(s, op) }

// Step says whether op may return observed in this state. The choice an
// observation fixes is the number a fork took in the parent's pspace and
// the child a wait(-1) reaped.
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
	sp := &s.spaces[a.Home]
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
		case a.armed:
			s.Hit(spec.UnshareTwice)
			return model.Fail(model.EINVAL), ""
		case sp.level+1 > s.par.MaxLevel:
			s.Hit(spec.UnshareDepth)
			return model.Fail(model.ENOSPC), ""
		}
		s.Hit(spec.UnshareNew)
		a.armed = true
		return ok, ""
	case model.SetNs:
		if !variant.IsLive(s, op.Target) {
			s.Hit(spec.SetNsGone)
			return model.Fail(model.ESRCH), ""
		}
		if s.get(op.Target).Home != a.Home {
			s.Hit(spec.SetNsNotBelow)
			return model.Fail(model.EINVAL), "" // a pspace is entered only by being born into it
		}
		s.Hit(spec.SetNsOwn)
		a.armed = false
		return ok, ""
	case model.GetPid:
		return model.Result{N: a.num}, ""
	case model.GetPPid:
		if p := s.get(a.Parent); p != nil {
			return model.Result{N: s.num(a.Home, p)}, ""
		}
		return model.Result{N: 0}, ""
	case model.Translate:
		t := s.get(op.Target)
		if t == nil || t.State == variant.Absent {
			s.Hit(spec.TranslateNever)
			return model.Fail(model.ESRCH), ""
		}
		return model.Result{N: s.num(a.Home, t)}, ""
	case model.Lookup:
		if h := s.find(a.Home, op.Pid); h != model.NoTask {
			return model.Result{Task: h}, ""
		}
		s.Hit(spec.LookupNone)
		return model.Fail(model.ESRCH), ""
	case model.SetPidMax:
		if op.N <= s.par.Floor || op.N > s.par.PidMax {
			s.Hit(spec.PidMaxRange)
			return model.Fail(model.EINVAL), ""
		}
		s.Hit(spec.PidMaxSet)
		sp.pidMax = op.N
		return ok, ""
	case model.SetLastPid:
		if op.N < 0 || op.N > sp.pidMax {
			s.Hit(spec.LastPidRange)
			return model.Fail(model.EINVAL), ""
		}
		s.Hit(spec.LastPidSet)
		sp.next = op.N + 1
		return ok, ""
	}
	return model.Fail(model.EINVAL), ""
}

// fork creates op.Child in the actor's pspace, or, when the actor has
// unshared, as the leader of a new pspace: number 1 there and a wait ID
// from the actor's pspace. Result: [n], or [wid 1].
func (s *state) fork(op model.Op, ch variant.Choice) (model.Result, string) {
	if op.Child < 0 || s.get(op.Child) != nil { // negative, or forked before (a reaped handle too)
		s.Hit(spec.ChildInUse)
		return model.Fail(model.EINVAL), ""
	}
	a := s.get(op.Task)
	home := a.Home
	sp := &s.spaces[home]
	if sp.Dead {
		s.Hit(spec.ForkDead)
		return model.Fail(model.ENOMEM), ""
	}
	taken := s.takenIn(home)
	var n int
	if op.Kind == model.ForkWithTid {
		tids := op.Tids
		if a.armed {
			if len(tids) < 1 || len(tids) > 2 {
				s.Hit(spec.TidTooMany)
				return model.Fail(model.EINVAL), ""
			}
			if tids[0] != 1 {
				s.Hit(spec.TidNoInit)
				return model.Fail(model.EINVAL), ""
			}
			tids = tids[1:]
		} else if len(tids) != 1 {
			s.Hit(spec.TidTooMany)
			return model.Fail(model.EINVAL), ""
		}
		if len(tids) == 1 {
			n = tids[0]
			if n < 1 || n >= sp.pidMax {
				s.Hit(spec.TidRange)
				return model.Fail(model.EINVAL), ""
			}
			if taken(n) {
				s.Hit(spec.TidEEXIST)
				return model.Fail(model.EEXIST), ""
			}
		}
	}
	if n == 0 {
		want, found := spec.Pick(s.pol, taken, sp.next, s.par.Floor, sp.pidMax)
		if ch.N != 0 {
			if ok, why := spec.Allowed(s.pol, taken, sp.next, s.par.Floor, sp.pidMax, ch.N); !ok {
				return model.Result{}, fmt.Sprintf("number in s%d: %s", home, why)
			}
			want, found = ch.N, true
		}
		if !found {
			s.Hit(spec.ForkEAGAIN)
			return model.Fail(model.EAGAIN), ""
		}
		if want < sp.next {
			s.Hit(spec.ForkWrap)
		}
		n = want
		sp.next = n + 1
	}
	t := task{Task: variant.Task{State: variant.Live, Home: home, Parent: op.Task, Order: s.NextOrder()}, h: op.Child, num: n}
	if op.Kind == model.ForkWithTid {
		s.hitTid(len(op.Tids))
	}
	if !a.armed {
		s.insert(t)
		return model.Result{NSpid: []int{n}}, ""
	}
	a.armed = false
	s.Hit(spec.ForkFirst)
	s.spaces = append(s.spaces, pspace{Space: variant.Space{Leader: op.Child}, parent: home, level: sp.level + 1, next: 2, pidMax: s.par.PidMax})
	t.Home, t.num, t.wid = len(s.spaces)-1, 1, n
	s.insert(t) // last: the insert may move the tasks a points into
	return model.Result{NSpid: []int{n, 1}}, ""
}

func (s *state) kill(op model.Op) model.Result {
	if op.Sig != 0 && op.Sig != 9 && op.Sig != 15 {
		s.Hit(spec.KillBadSig)
		return model.Fail(model.EINVAL)
	}
	if op.Pid == 0 {
		s.Hit(spec.GroupNotModelled)
		return model.Fail(model.EINVAL) // own process group: not modelled, as in spec.Linux
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
			if t := &s.tasks[i]; t.h != op.Task && s.num(a.Home, t) > 1 {
				targets = append(targets, t.h)
			}
		}
	case op.Pid < -1:
		// kill(-wid): every task of the pspace led by wid, nested ones too.
		if h := s.find(a.Home, -op.Pid); h != model.NoTask && s.get(h).Home != a.Home {
			inner := s.get(h).Home
			for i := range s.tasks {
				if t := &s.tasks[i]; t.Exists() && s.within(t.Home, inner) {
					targets = append(targets, t.h)
				}
			}
		}
	}
	// A leader ignores signals from inside, and SIGTERM from above.
	switch {
	case op.Pid == -1:
		return variant.Signal(s, targets, op.Sig, a.Home, spec.KillNoneAll, spec.KillAll)
	case op.Pid < -1:
		return variant.Signal(s, targets, op.Sig, a.Home, spec.KillNoGroup, spec.KillGroup)
	}
	return variant.Signal(s, targets, op.Sig, a.Home, spec.KillNoPid, spec.KillOne)
}
