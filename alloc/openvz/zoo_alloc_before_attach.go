package openvz

import "github.com/pidcheck/pidcheck/model"

// AllocBeforeAttach is the zoo variant openvz-alloc-before-attach.
//
// The story: this is the order of the 2.6.16-era copy_process that the
// OpenVZ patches sat on — alloc_pidmap first, under pidmap_lock only, and
// the task attached later under tasklist_lock. Between the two, the
// number is taken and the cursor has moved, but no observer sees a task.
// Two interleavings the checker finds:
//
//   - Cursor (TestZooOpenVZFound, seed 240 in the measurement): A: "t1 fork
//     t4" reserves 5 (cursor → 6); B: "t1 exit 2"; A: attaching finds t1
//     dead, frees 5, returns ESRCH; "t0 fork t5" then gets 6, where a
//     cyclic history, in which the failed fork never allocated, gives 5.
//   - pid_max (not even Unique holds): A: "t1 fork t4" reserves 5 under
//     pid_max 12; B: "t1 pid_max 5" returns; C: "t4 lookup 1029" → ESRCH
//     (t4 not attached); A: attaches t4 as [5 1029]. The fork must come
//     before the pid_max write (5 ≥ 5) and after the lookup, which began
//     after that write returned: no order explains it.
//
// The fix in the correct implementation: allocate inside tasklist_lock, so
// a fork is one step for every observer. (Linux went the other way: it
// never promised atomicity against pid_max writes, and a failed fork's
// cursor move is kept by idr_alloc_cyclic to this day.)
const AllocBeforeAttach Bug = "openvz-alloc-before-attach"

// forkAllocFirst is the broken fork: alloc_pidmap, then tasklist_lock.
func (s *System) forkAllocFirst(op model.Op) model.Result {
	s.tasklist.RLock()
	_, e := s.checkFork(op)
	s.tasklist.RUnlock()
	if e != model.OK {
		return model.Fail(e)
	}
	g := s.allocGlobal()
	if g == 0 {
		return model.Fail(model.EAGAIN)
	}
	s.tasklist.Lock()
	a, e := s.checkFork(op)
	if e == model.OK && s.cts[a.childCt].Dead {
		e = model.ENOMEM
	}
	if e != model.OK {
		s.tasklist.Unlock()
		s.freeGlobal(g)
		return model.Fail(e)
	}
	return s.finishFork(op, a.childCt, g)
}
