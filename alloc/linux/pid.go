package linux

import "github.com/pidcheck/pidcheck/model"

// allocPid is kernel/pid.c alloc_pid: one number per level, innermost first,
// each reserved under its own hold of pidmap_lock (the entry is present but
// nil, so findTask cannot see a half-built pid); then, under the lock again,
// the innermost space's PIDNS_ADDING is checked and every level published
// (idr_replace) and counted. On any failure the reserved levels are removed.
// tids is clone3's set_tid, innermost first.
func (s *System) allocPid(ns *space, tids []int) (*pid, model.Errno) {
	if len(tids) > ns.level+1 {
		return nil, model.EINVAL
	}
	p := &pid{level: ns.level, numbers: make([]upid, ns.level+1)}
	tmp := ns
	i := ns.level
	var err model.Errno
	for ; i >= 0; i-- {
		pidMax := int(tmp.pidMax.Load()) // READ_ONCE(tmp->pid_max)
		tid := 0
		if k := ns.level - i; k < len(tids) {
			tid = tids[k]
			if tid < 1 || tid >= pidMax {
				err = model.EINVAL
				break
			}
			// "Also fail if a PID != 1 is requested and no PID 1 exists."
			if tid != 1 && tmp.reaper.Load() == 0 {
				err = model.EINVAL
				break
			}
		}
		nr, e := s.reserveWaiting(tmp, p, tid, pidMax)
		if e != model.OK {
			err = e
			break
		}
		p.numbers[i] = upid{nr, tmp}
		tmp = tmp.parent
	}
	if err == model.OK {
		s.pidmapLock.Lock()
		if ns.accepting() || s.bug == NoDeadCheck {
			s.publish(p)
			s.pidmapLock.Unlock()
			return p, model.OK
		}
		s.pidmapLock.Unlock()
		err = model.ENOMEM // the innermost space's init has died
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
	return nil, err
}

// reserveWaiting reserves one number in sp, taking pidmap_lock for it.
// Where the answer would depend on another fork still under way — the
// number set_tid asks for, the last free numbers, or the 1 of a space that
// has no init yet are held only by a fork that may still fail — it drops
// the lock and waits (Env.WaitUntil) until one in-flight entry of sp is
// resolved, then tries again. The kernel answers at once (EEXIST, EAGAIN,
// or a 2 in a space that then never gets its 1), which no sequential
// execution explains when that other fork fails: see InflightVisible.
func (s *System) reserveWaiting(sp *space, p *pid, tid, pidMax int) (int, model.Errno) {
	for {
		s.pidmapLock.Lock()
		nr, err, wait := s.reserve(sp, p, tid, pidMax)
		seen := sp.settled
		s.pidmapLock.Unlock()
		if !wait || s.bug == InflightVisible {
			return nr, err
		}
		s.env.WaitUntil("fork: "+sp.name+" has numbers in flight", func() bool {
			return sp.settledPub.Load() != seen
		})
	}
}

// inFlight reports whether entry nr of sp belongs to a fork still under
// way; the caller holds pidmapLock.
func inFlight(sp *space, nr int) bool {
	p, taken := sp.idr[nr]
	return taken && (p == nil || !p.attached)
}

// reserve takes one number in sp for p: exactly tid when tid > 0 (idr_alloc
// over [tid, tid+1), which leaves the cursor alone), else
// idr_alloc_cyclic(pid_min, pid_max). wait reports that the answer depends
// on a fork still in flight (nothing was taken). The caller holds
// pidmapLock.
func (s *System) reserve(sp *space, p *pid, tid, pidMax int) (nr int, err model.Errno, wait bool) {
	if sp.inflight > 0 && sp.reaper.Load() == 0 && s.bug != InflightVisible {
		return 0, model.OK, true // the space's first task is still being forked
	}
	if tid > 0 {
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
