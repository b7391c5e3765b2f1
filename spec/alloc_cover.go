package spec

import "github.com/pidcheck/pidcheck/model"

// allocRules are the rules the allocator spec hits under policy pol with
// params p (a test checks these lists against the hits in its source). A
// floor of 1 leaves nothing below it, so no EAGAIN can leave a number
// free there.
func allocRules(p model.Params, pol model.Policy) []Rule {
	var out []Rule
	switch pol {
	case model.Cyclic:
		out = append(out, AllocNext, AllocWrap)
	case model.Lowest:
		out = append(out, AllocLowest)
	case model.Unique:
		out = append(out, AllocAny, AllocAnyHigh)
	case model.CyclicAlone:
		out = append(out, AllocNext, AllocWrap, AllocAny, AllocAnyHigh)
	}
	out = append(out, AllocEAGAIN)
	if p.Floor > 1 {
		switch pol {
		case model.Cyclic:
			out = append(out, AllocEAGAINFloor)
		case model.Unique:
			out = append(out, AllocUniqueFloor)
		case model.CyclicAlone:
			out = append(out, AllocEAGAINFloor, AllocUniqueFloor)
		}
	}
	return append(out, NotAllocOp, AllocDisabled, AllocDisabledFull,
		FreeOK, FreeNotAllocated,
		AllocAtOK, AllocAtRange, AllocAtEEXIST, AllocAtDisabled,
		SetCursorOK, SetCursorRange,
		SetMaxOK, SetMaxBelowTaken, SetMaxRange,
		DisableOK)
}

// StepCover implements Coverer: Step, and the rules of an accepted step
// named from the state before it (the allocator's branches are few and
// its state is small, so naming them afterwards costs less than carrying
// cov through apply).
func (s *allocState) StepCover(op model.Op, obs model.Result, cov *Cover) (bool, State, string) {
	ok, next, why := s.Step(op, obs)
	if ok && cov != nil {
		s.cover(op, obs, cov)
	}
	return ok, next, why
}

// cover hits the rules of op answering obs in state s, a step Step
// accepted.
func (s *allocState) cover(op model.Op, obs model.Result, cov *Cover) {
	switch op.Kind {
	case model.Alloc:
		switch obs.Err {
		case model.OK:
			switch s.polFor(op) {
			case model.Cyclic:
				if lo := PidMin(s.cursor, s.p.Floor); obs.N >= max(s.cursor, lo) {
					cov.Hit(AllocNext)
				} else {
					cov.Hit(AllocWrap)
				}
			case model.Lowest:
				cov.Hit(AllocLowest)
			default:
				cov.Hit(AllocAny)
				if lowest, _ := firstFree(s.has, 1, s.max); obs.N != lowest {
					cov.Hit(AllocAnyHigh)
				}
			}
		case model.EAGAIN:
			if s.disabled {
				cov.Hit(AllocDisabledFull)
				return
			}
			cov.Hit(AllocEAGAIN)
			if _, free := firstFree(s.has, 1, min(s.p.Floor, s.max)); free {
				cov.Hit(pick2(s.polFor(op) == model.Cyclic, AllocEAGAINFloor, AllocUniqueFloor))
			}
		default:
			cov.Hit(AllocDisabled)
		}
	case model.Free:
		cov.Hit(pick2(obs.Err == model.OK, FreeOK, FreeNotAllocated))
	case model.AllocAt:
		switch obs.Err {
		case model.OK:
			cov.Hit(AllocAtOK)
		case model.EINVAL:
			cov.Hit(AllocAtRange)
		case model.EEXIST:
			cov.Hit(AllocAtEEXIST)
		default:
			cov.Hit(AllocAtDisabled)
		}
	case model.SetCursor:
		cov.Hit(pick2(obs.Err == model.OK, SetCursorOK, SetCursorRange))
	case model.SetMax:
		if obs.Err != model.OK {
			cov.Hit(SetMaxRange)
			return
		}
		cov.Hit(SetMaxOK)
		if k := len(s.taken); k > 0 && s.taken[k-1] >= op.N {
			cov.Hit(SetMaxBelowTaken)
		}
	case model.Disable:
		cov.Hit(DisableOK)
	default:
		cov.Hit(NotAllocOp)
	}
}

// pick2 is a if cond, else b.
func pick2(cond bool, a, b Rule) Rule {
	if cond {
		return a
	}
	return b
}
