package pspace2006

import (
	"github.com/pidcheck/pidcheck/alloc/internal/proc"
	"github.com/pidcheck/pidcheck/model"
)

// KillGroupEscape is the zoo variant pspace-kill-group-escape.
//
// The story: the group kills — kill(-wid), the whole inner pspace, and
// kill(-1), everything visible — collect their targets under the read
// lock, drop it, and then signal them one by one, taking the write lock for
// each. A fork inside the pspace that attaches its child in the
// gap is not on the list: the child escapes a signal that, by the spec, reached
// the whole pspace at one instant. The checker's history (seed 335 of
// TestZooPSpace2006Found; leader t2 has wait ID 3, t3 is inside):
//
//	B: t4 kill -3 15   collects {t2, t3}, drops the lock
//	A: t3 fork t5      → [3], attached inside the pspace
//	B:                 signals t2 (a leader: SIGTERM from above is
//	                   ignored), then t3 (dies); returns ok
//	main: t5 getpid    → 3
//
// kill(-1) escapes the same way: the pidcheck pipeline finds it as "t1
// kill -1 9" racing a fork by one of its targets. If the fork came before
// the kill, t5 should have died with t3; if after,
// t3 was already dead and the fork should have failed with ESRCH. Eric
// Biederman found this very race in 2006 ("a fork that began before we
// grabbed the tasklist_lock simply completes afterwards, and the child does
// not receive the signal"); the fix was Oleg Nesterov's "make fork()
// atomic wrt pgrp/session signals" (lkml, 16 March 2006: copy_process
// rechecks signal_pending under tasklist_lock and restarts the fork). The
// correct implementation here collects and delivers under one write lock.
const KillGroupEscape Bug = "pspace-kill-group-escape"

// killGroupEscape is the broken kill(-wid) and kill(-1).
func (s *System) killGroupEscape(op model.Op) model.Result {
	s.tasklist.RLock()
	a := s.liveTask(op.Task)
	if a == nil {
		s.tasklist.RUnlock()
		return model.Fail(model.ESRCH)
	}
	targets, e := s.targets(op, a)
	s.tasklist.RUnlock()
	if e != model.OK {
		return model.Fail(e)
	}
	for _, h := range targets {
		// one task at a time, as group_send_sig_info per task; the
		// sender's pspace does not change, so a stays usable
		s.tasklist.Lock()
		proc.Deliver(world{s}, op.Sig, a.Home, []model.Handle{h})
		s.tasklist.Unlock()
	}
	return model.Result{}
}
