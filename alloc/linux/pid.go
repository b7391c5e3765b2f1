package linux

import "github.com/pidcheck/pidcheck/model"

// allocPid is kernel/pid.c alloc_pid: one number per level, innermost first,
// each reserved under its own hold of pidmap_lock (the entry is present but
// nil, so findTask cannot see a half-built pid); then, under the lock again,
// the innermost space's PIDNS_ADDING is checked and every level published
// (idr_replace) and counted. On any failure the reserved levels are removed.
// tids is clone3's set_tid, innermost first.
//
// Each level's pid_max is read under pidmap_lock, together with the scan
// (the kernel reads it once per level before taking the lock: the
// pidMaxReads seam), and whenever
// the allocation is about to answer (an error at some level, or the
// publish), the numbers already reserved at the levels inside are checked
// against their spaces' pid_max of that moment: if a pid_max write lowered
// one below a reserved number, the reservation is undone and the allocation
// starts over, so every answer holds at one moment (see the package doc,
// "pid_max").
func (s *System) allocPid(ns *space, tids []int) (*pid, model.Errno) {
	if len(tids) > ns.level+1 {
		return nil, model.EINVAL
	}
	for {
		p, err, stale := s.allocPidOnce(ns, tids)
		if !stale {
			return p, err
		}
	}
}

// allocPidOnce is one attempt of allocPid; stale reports that it was undone
// because a reserved number went out of range under it.
func (s *System) allocPidOnce(ns *space, tids []int) (p *pid, err model.Errno, stale bool) {
	p = newPid(ns.level)
	tmp := ns
	i := ns.level
	for ; i >= 0; i-- {
		ask := asked{sp: tmp}
		ask.early, ask.fixed = s.pidMaxReads.bound(tmp)
		if k := ns.level - i; k < len(tids) {
			ask.tid, ask.set = tids[k], true
		}
		nr, e, st := s.reserveWaiting(tmp, p, i, ask)
		if e != model.OK || st {
			err, stale = e, st
			break
		}
		p.numbers[i] = upid{nr, tmp}
		tmp = tmp.parent
	}
	if err == model.OK && !stale {
		s.pidmapLock.Lock()
		switch {
		case s.pidMaxReads.outOfRange(p, 0):
			stale = true
		case s.adding.allocPidAccepts(ns):
			s.publish(p)
			s.pidmapLock.Unlock()
			return p, model.OK, false
		default:
			err = model.ENOMEM // the innermost space's init has died
		}
		s.pidmapLock.Unlock()
		i = -1
	}
	// out_free: remove the levels already reserved, i+1 … ns.level.
	s.pidmapLock.Lock()
	s.outFree.unwind(s, p, i)
	s.outFree.resetFirst(ns)
	s.pidmapLock.Unlock()
	return nil, err, stale
}

// asked is what one level of alloc_pid asks for: the number set_tid names
// (set), and the bound of the level's scan (pidMax, called under
// pidmapLock).
type asked struct {
	tid   int
	set   bool
	sp    *space
	early int  // with fixed: the pid_max read before the lock
	fixed bool // the scan's bound is early, not a read under the lock
}

// pidMax is the bound of the level's scan: sp's pid_max read now, under
// pidmapLock, unless it was fixed before the lock.
func (a asked) pidMax() int {
	if a.fixed {
		return a.early
	}
	return int(a.sp.pidMax.Load())
}

// pidMaxReads is where alloc_pid reads each level's pid_max, and whether
// the numbers a fork holds are held to a pid_max written under it.
type pidMaxReads interface {
	// bound is called for each level before pidmap_lock is taken: with
	// fixed, v is the bound of the level's scan; without, the scan reads
	// pid_max under the lock (asked.pidMax).
	bound(sp *space) (v int, fixed bool)
	// outOfRange reports whether a number p holds at level from or
	// inside is at or above its space's current pid_max. The caller
	// holds pidmapLock or tasklistLock, either of which excludes a
	// pid_max write.
	outOfRange(p *pid, from int) bool
}

// bound leaves pid_max to be read under the lock, in the same hold as the
// scan.
func (today) bound(*space) (int, bool) { return 0, false }

// outOfRange checks every held number against the pid_max of this
// moment (not in the kernel: see the package doc, "pid_max").
func (today) outOfRange(p *pid, from int) bool {
	for j := from; j <= p.level; j++ {
		if u := p.numbers[j]; u.nr >= int(u.ns.pidMax.Load()) {
			return true
		}
	}
	return false
}

// reserveWaiting reserves one number in sp, level i of p, taking
// pidmap_lock for it. Where the answer would depend on another fork still
// under way — the number set_tid asks for, the last free numbers, or the 1
// of a space that has no init yet are held only by a fork that may still
// fail — it drops the lock and waits (Env.WaitUntil) until one in-flight
// entry of sp is resolved, then tries again. The kernel answers at once
// (EEXIST, EAGAIN, or a 2 in a space that then never gets its 1), which no
// sequential execution explains when that other fork fails: see
// InflightVisible. stale reports that the level answered an error while a
// number p holds at a level inside had gone out of range (nothing was
// taken): the caller starts over.
func (s *System) reserveWaiting(sp *space, p *pid, i int, ask asked) (nr int, err model.Errno, stale bool) {
	for {
		s.pidmapLock.Lock()
		nr, err, wait := s.reserve(sp, p, ask, ask.pidMax())
		if err != model.OK && s.pidMaxReads.outOfRange(p, i+1) {
			s.pidmapLock.Unlock()
			return 0, model.OK, true
		}
		seen := sp.settled
		s.pidmapLock.Unlock()
		if !wait || !s.inFlight.defers() {
			return nr, err, false
		}
		s.env.WaitUntil("fork: "+sp.name+" has numbers in flight", func() bool {
			return sp.settledPub.Load() != seen
		})
	}
}

// inFlightAnswers is what a fork does with an answer that depends on a number
// another fork holds while still under way.
type inFlightAnswers interface {
	// defers reports whether such an answer waits until that fork is
	// attached or undone.
	defers() bool
}

// defers waits, where the kernel answers at once (see the package doc,
// "Forks still in flight").
func (today) defers() bool { return true }

// inFlight reports whether entry nr of sp belongs to a fork still under
// way; the caller holds pidmapLock.
func inFlight(sp *space, nr int) bool {
	p, taken := sp.idr[nr]
	return taken && (p == nil || !p.attached)
}

// reserve takes one number in sp for p: exactly ask.tid when set_tid names
// one (idr_alloc over [tid, tid+1), which leaves the cursor alone), else
// idr_alloc_cyclic(pid_min, pid_max). wait reports that the answer depends
// on a fork still in flight (nothing was taken). The caller holds
// pidmapLock.
func (s *System) reserve(sp *space, p *pid, ask asked, pidMax int) (nr int, err model.Errno, wait bool) {
	if ask.set {
		if ask.tid < 1 || ask.tid >= pidMax {
			return 0, model.EINVAL, false
		}
		// "Also fail if a PID != 1 is requested and no PID 1 exists."
		if ask.tid != 1 && sp.reaper.Load() == 0 {
			return 0, model.EINVAL, false
		}
	}
	if sp.inflight > 0 && sp.reaper.Load() == 0 && s.inFlight.defers() {
		return 0, model.OK, true // the space's first task is still being forked
	}
	if ask.set {
		tid := ask.tid
		if _, taken := sp.idr[tid]; taken {
			return 0, model.EEXIST, inFlight(sp, tid)
		}
		s.store(sp, p, tid)
		return tid, model.OK, false
	}
	// "init really needs pid 1, but after reaching the maximum wrap back
	// to RESERVED_PIDS".
	pidMin := 1
	if sp.cursor > s.p.Floor {
		pidMin = s.p.Floor
	}
	start := sp.cursor
	if start < pidMin {
		start = pidMin
	}
	nr = firstFree(sp.idr, start, pidMax)
	if nr == 0 && start > pidMin {
		nr = firstFree(sp.idr, pidMin, pidMax)
	}
	if nr == 0 {
		return 0, model.EAGAIN, sp.inflight > 0 // -ENOSPC becomes -EAGAIN
	}
	s.store(sp, p, nr)
	sp.cursor = nr + 1
	return nr, model.OK, false
}

// store puts nr into sp's idr for p, in flight until p is attached or
// undone. The caller holds pidmapLock.
func (s *System) store(sp *space, p *pid, nr int) {
	sp.inflight++
	s.publication.reserve(sp, p, nr)
}

// publication is when a number alloc_pid takes becomes visible: reserve
// stores it as it is taken, publish makes it visible once every level
// succeeded, unreserve removes it from a failed fork. The caller holds
// pidmapLock.
type publication interface {
	reserve(sp *space, p *pid, nr int)
	publish(u upid, p *pid)
	unreserve(u upid)
}

// reserve stores a NULL entry: "Store a null pointer so find_pid_ns does
// not find a partially initialized PID".
func (today) reserve(sp *space, _ *pid, nr int) { sp.idr[nr] = nil }

// publish is idr_replace, and the count.
func (today) publish(u upid, p *pid) {
	u.ns.idr[u.nr] = p
	u.ns.setAllocated(u.ns.allocated + 1)
}

// unreserve is idr_remove of a reserved, uncounted entry.
func (today) unreserve(u upid) {
	delete(u.ns.idr, u.nr)
	u.ns.resolved()
}

// firstFree is the lowest number in [from, max) not in idr, or 0.
func firstFree(idr map[int]*pid, from, max int) int {
	for n := from; n < max; n++ {
		if _, taken := idr[n]; !taken {
			return n
		}
	}
	return 0
}

// publish makes every level of p visible (idr_replace) and counts it,
// innermost first. The caller holds pidmapLock.
func (s *System) publish(p *pid) {
	for i := p.level; i >= 0; i-- {
		s.publication.publish(p.numbers[i], p)
	}
}

// addingChecks are the two looks at PIDNS_ADDING: alloc_pid's before it
// publishes (the caller holds pidmapLock) and copy_process's re-check
// before the attach (the caller holds tasklistLock).
type addingChecks interface {
	allocPidAccepts(ns *space) bool
	copyProcessAccepts(ns *space) bool
}

// allocPidAccepts is alloc_pid's "if (!(ns->pid_allocated & PIDNS_ADDING))
// goto out_unlock" (ENOMEM).
func (today) allocPidAccepts(ns *space) bool { return ns.accepting() }

// outFree is alloc_pid's failure path, run with pidmapLock held: remove
// the levels already reserved, failed+1 … p.level, then reset a space
// whose first fork failed.
type outFree interface {
	unwind(s *System, p *pid, failed int)
	resetFirst(ns *space)
}

// unwind removes p's reserved numbers at levels failed+1 … p.level (the
// levels below failed were never reached): "while (++i <= ns->level)".
func (today) unwind(s *System, p *pid, failed int) {
	for i := failed + 1; i <= p.level; i++ {
		s.publication.unreserve(p.numbers[i])
	}
}

// resetFirst is "On failure to allocate the first pid, reset the state":
// a space that never had a task gets its cursor back to 0, so that its
// first task still gets 1.
func (today) resetFirst(ns *space) {
	if ns.allocated == pidnsAdding {
		ns.cursor = 0
	}
}

// freePid is kernel/pid.c free_pid: every level's number leaves its idr and
// its count; the caller holds pidmapLock.
func (s *System) freePid(p *pid) {
	for i := 0; i <= p.level; i++ {
		freeLevel(p.numbers[i], p.attached)
	}
}

// attach marks p's numbers settled: its task is attached. The caller holds
// pidmapLock.
func (s *System) attach(p *pid) {
	p.attached = true
	for _, u := range p.numbers {
		u.ns.resolved()
		u.ns.attached++
	}
}

// freeLevel frees one published number. When a count falls back to bare
// PIDNS_ADDING the first process of the space failed to fork after
// alloc_pid: the kernel then clears pid_allocated altogether ("Handle a
// fork failure of the first process"), so the space takes no more tasks.
// attached says whether the number was settled, or still in flight.
func freeLevel(u upid, attached bool) {
	v := u.ns.allocated - 1
	if v == pidnsAdding {
		v = 0
	}
	u.ns.setAllocated(v)
	delete(u.ns.idr, u.nr)
	if !attached {
		u.ns.resolved()
	} else {
		u.ns.attached--
	}
}
