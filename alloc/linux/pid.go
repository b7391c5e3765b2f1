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
// (the kernel reads it once per level before taking the lock), and whenever
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
	p = &pid{level: ns.level, numbers: make([]upid, ns.level+1)}
	tmp := ns
	i := ns.level
	for ; i >= 0; i-- {
		ask := asked{}
		if k := ns.level - i; k < len(tids) {
			ask = asked{tid: tids[k], set: true}
		}
		if s.bug == PidmaxWindow {
			ask.pidMax = int(tmp.pidMax.Load()) // READ_ONCE(tmp->pid_max), before the lock
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
		case s.outOfRange(p, 0):
			stale = true
		case ns.accepting() || s.bug == NoDeadCheck:
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
	s.unwind(p, i)
	// "On failure to allocate the first pid, reset the state."
	if ns.allocated == pidnsAdding && s.bug != FirstForkPublish {
		ns.cursor = 0
	}
	s.pidmapLock.Unlock()
	return nil, err, stale
}

// asked is what one level of alloc_pid asks for: the number set_tid names
// (set), and, in the PidmaxWindow zoo only, the pid_max read before the
// lock (0: read it under the lock).
type asked struct {
	tid    int
	set    bool
	pidMax int
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
		pidMax := ask.pidMax
		if pidMax == 0 {
			pidMax = int(sp.pidMax.Load())
		}
		nr, err, wait := s.reserve(sp, p, ask, pidMax)
		if err != model.OK && s.outOfRange(p, i+1) {
			s.pidmapLock.Unlock()
			return 0, model.OK, true
		}
		seen := sp.settled
		s.pidmapLock.Unlock()
		if !wait || s.bug == InflightVisible {
			return nr, err, false
		}
		s.env.WaitUntil("fork: "+sp.name+" has numbers in flight", func() bool {
			return sp.settledPub.Load() != seen
		})
	}
}

// outOfRange reports whether a number p holds at level from or inside is at
// or above its space's current pid_max (always false in the PidmaxWindow
// zoo, which keeps the kernel's behaviour). The caller holds pidmapLock or
// tasklistLock, either of which excludes a pid_max write.
func (s *System) outOfRange(p *pid, from int) bool {
	if s.bug == PidmaxWindow {
		return false
	}
	for j := from; j <= p.level; j++ {
		if u := p.numbers[j]; u.nr >= int(u.ns.pidMax.Load()) {
			return true
		}
	}
	return false
}

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
	if sp.inflight > 0 && sp.reaper.Load() == 0 && s.bug != InflightVisible {
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

// store puts nr into sp's idr for p: reserved (nil), or in the
// PublishEarly zoo published and counted at once. The caller holds
// pidmapLock.
func (s *System) store(sp *space, p *pid, nr int) {
	sp.inflight++
	if s.bug == PublishEarly {
		s.publishEarly(sp, p, nr)
		return
	}
	sp.idr[nr] = nil
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
		u := p.numbers[i]
		if s.bug == PublishEarly {
			continue // already published and counted by store
		}
		u.ns.idr[u.nr] = p
		u.ns.setAllocated(u.ns.allocated + 1)
	}
}

// unwind removes p's reserved numbers at levels failed+1 … p.level (the
// levels below failed were never reached). The caller holds pidmapLock.
func (s *System) unwind(p *pid, failed int) {
	if s.bug == UnwindLeak {
		s.unwindLeak(p, failed)
		return
	}
	for i := failed + 1; i <= p.level; i++ {
		u := p.numbers[i]
		if s.bug == PublishEarly {
			s.freeLevel(u, false)
			continue
		}
		delete(u.ns.idr, u.nr)
		u.ns.resolved()
	}
}

// freePid is kernel/pid.c free_pid: every level's number leaves its idr and
// its count; the caller holds pidmapLock.
func (s *System) freePid(p *pid) {
	for i := 0; i <= p.level; i++ {
		s.freeLevel(p.numbers[i], p.attached)
	}
}

// attach marks p's numbers settled: its task is attached. The caller holds
// pidmapLock.
func (s *System) attach(p *pid) {
	p.attached = true
	for _, u := range p.numbers {
		u.ns.resolved()
	}
}

// freeLevel frees one published number. When a count falls back to bare
// PIDNS_ADDING the first process of the space failed to fork after
// alloc_pid: the kernel then clears pid_allocated altogether ("Handle a
// fork failure of the first process"), so the space takes no more tasks.
// attached says whether the number was settled, or still in flight.
func (s *System) freeLevel(u upid, attached bool) {
	v := u.ns.allocated - 1
	if v == pidnsAdding {
		v = 0
	}
	u.ns.setAllocated(v)
	delete(u.ns.idr, u.nr)
	if !attached {
		u.ns.resolved()
	}
}
