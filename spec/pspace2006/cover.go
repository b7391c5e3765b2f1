package pspace2006

import (
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/internal/variant"
)

// rules are the rules this spec hits, in its own source and in package
// variant's (a test checks the list against both).
var rules = []spec.Rule{
	spec.NotLive, spec.NotProcessOp, spec.ChildInUse, spec.Refused,
	spec.ForkFirst, spec.ForkWrap, spec.ForkEAGAIN,
	spec.TidOne, spec.TidSeveral, spec.TidTooMany, spec.TidRange, spec.TidNoInit, spec.TidEEXIST,
	spec.InitDies, spec.InitKillsNested, spec.ReparentInit, spec.DyingInitReaps,
	spec.WaitReap, spec.WaitNone, spec.WaitECHILD, spec.GroupNotModelled,
	spec.KillBadSig, spec.KillNoGroup, spec.KillNoneAll, spec.KillNoPid, spec.KillProbe, spec.KillInitIgnores, spec.KillInitAncestor,
	spec.KillZombie, spec.KillAll, spec.KillGroup, spec.KillOne,
	spec.UnshareTwice, spec.UnshareDepth, spec.UnshareNew,
	spec.SetNsGone, spec.SetNsNotBelow, spec.SetNsOwn,
	spec.TranslateNever, spec.LookupNone,
	spec.PidMaxRange, spec.PidMaxSet, spec.LastPidRange, spec.LastPidSet,
}

// Hit implements variant.World: it records r when the step is covered.
func (s *state) Hit(r spec.Rule) {
	if s.cov != nil {
		s.cov.Hit(r)
	}
}

// Covering implements variant.World.
func (s *state) Covering() bool { return s.cov != nil }

// hitTid records a set_tid fork that succeeded with n entries.
func (s *state) hitTid(n int) {
	if n > 1 {
		s.Hit(spec.TidSeveral)
	} else {
		s.Hit(spec.TidOne)
	}
}

// StepCover implements spec.Coverer: Step on a private copy that carries
// cov.
func (s *state) StepCover(op model.Op, observed model.Result, cov *spec.Cover) (bool, spec.State, string) {
	if cov == nil {
		return s.Step(op, observed)
	}
	t := s.Clone()
	t.cov = cov
	ok, next, why := variant.Step(Name, t, op, observed)
	if n, mine := next.(*state); mine {
		n.cov = nil // a fresh clone of t no one else has seen
	}
	return ok, next, why
}
