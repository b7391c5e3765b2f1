//go:build linux && (amd64 || arm64)

package oracle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/pidcheck/pidcheck/model"
)

// completeTimeout bounds complete's wait for a dying init to leave
// zap_pid_ns_processes (6.18 was seen to need up to ~400ms).
const completeTimeout = 2 * time.Second

// batchTimeout bounds the wait for a batch's barrier and its reply: up to
// 16 forks, on a machine that may be loaded.
const batchTimeout = 30 * time.Second

func openConcKernel() (concKernel, error) {
	k, err := openKernel()
	if err != nil {
		return nil, err
	}
	return k.(*system), nil
}

// monoNow reads CLOCK_MONOTONIC, the clock the agents read.
func monoNow() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// mapShared maps the area parallel parts use; every agent inherits it.
func (s *system) mapShared() error {
	size := (int(unsafe.Sizeof(shmArea{})) + 4095) &^ 4095
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_ANONYMOUS)
	if err != nil {
		return fmt.Errorf("mapping the shared area: %w", err)
	}
	s.shm = b
	s.ctx.Shm = (*shmArea)(unsafe.Pointer(&b[0]))
	return nil
}

// seq runs one op of a sequential part, timed by the host around the
// request, the reply and the settling that follows it.
func (s *system) seq(op model.Op) (rawOp, error) {
	call := monoNow()
	res, note, err := s.applyNote(op)
	ret := monoNow()
	return rawOp{res: res, note: note, call: call, ret: ret, ran: true}, err
}

// complete waits until every effect of the parallel part is over: every
// task settled (see settle) and no init left in zap_pid_ns_processes.
// An init leaves it only when every number of its space is free
// (pid_allocated == init_pids), which is the one way to see that the
// numbers of the tasks it autoreaped are free again: since 6.15 they are
// freed after the task is detached, and the detach is all a pidfd shows.
// An init that waits there for a task whose parent is outside its space
// waits for a wait op, not for time: complete then answers false.
func (s *system) complete() (int64, bool, error) {
	if err := s.settle(); err != nil {
		return 0, false, err
	}
	deadline := time.Now().Add(completeTimeout)
	for {
		parked, waits := false, false
		for _, h := range s.order {
			a := s.agents[h]
			if s.refresh(a) || !(parkedInZap(a.hostPid) || parkedInZapWait(a.hostPid, maxNest)) {
				continue
			}
			parked = true
			if s.waitsForZombie(a) {
				waits = true
			}
		}
		if !parked {
			return monoNow(), true, nil
		}
		if waits || time.Now().After(deadline) {
			return 0, false, nil
		}
		time.Sleep(500 * time.Microsecond)
	}
}

// waitsForZombie reports whether a task of init's space (or below) is a
// zombie that init cannot reap: its parent is outside the space.
func (s *system) waitsForZombie(init *agent) bool {
	ns := init.nsChain[0]
	for _, h := range s.order {
		x := s.agents[h]
		if x == init || len(x.nsChain) == 0 || !containsIno(x.nsChain, ns) {
			continue
		}
		if st, _, ok := procState(x.hostPid); ok && st == "Z" {
			return true
		}
	}
	return false
}

func containsIno(xs []uint64, x uint64) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// cpus lists the CPUs the host may run on, for pinning agents.
func cpus() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil
	}
	var out []int
	for i := 0; i < 1024 && len(out) < set.Count(); i++ {
		if set.IsSet(i) {
			out = append(out, i)
		}
	}
	return out
}

// parallel runs each thread's ops as one batch of its task.
func (s *system) parallel(ctx context.Context, threads [][]model.Op) ([][]rawOp, error) {
	if len(threads) > maxSlots {
		return nil, fmt.Errorf("%d threads: at most %d", len(threads), maxSlots)
	}
	shm := s.ctx.Shm
	s.gen++
	gen := s.gen
	atomic.StoreUint32(&shm.Go, 0)
	out := make([][]rawOp, len(threads))
	actors := make([]*agent, len(threads))
	forks := make([][]*net.UnixConn, len(threads))
	defer func() {
		for _, fs := range forks {
			for _, hc := range fs {
				if hc != nil {
					hc.Close()
				}
			}
		}
	}()
	cpu := cpus()
	for t, ops := range threads {
		out[t] = make([]rawOp, len(ops))
		forks[t] = make([]*net.UnixConn, len(ops))
		if len(ops) == 0 {
			continue
		}
		a := s.live(ops[0].Task)
		if a == nil {
			return nil, fmt.Errorf("thread %s: %s is not a live task when the parallel part starts", model.ThreadName(t), ops[0].Task)
		}
		if a.image {
			return nil, fmt.Errorf("thread %s: %s has exec'd: the agent image has no shared area for a parallel part", model.ThreadName(t), ops[0].Task)
		}
		actors[t] = a
		slot := &shm.Slots[t]
		*slot = shmSlot{N: int64(len(ops)), CPU: -1}
		if len(cpu) > 1 {
			slot.CPU = int64(cpu[t%len(cpu)])
		}
		var fds []int
		var closeFds []int
		levels := a.children
		for j, op := range ops {
			b := &slot.Ops[j]
			b.Fd = -1
			switch op.Kind {
			case model.Fork, model.ForkWithTid:
				if s.agents[op.Child] != nil || op.Child < 0 {
					return nil, fmt.Errorf("op %q: child handle already in use", op)
				}
				b.Op = aFork
				if op.Kind == model.ForkWithTid {
					if len(op.Tids) > levels+1 {
						return nil, fmt.Errorf("op %q: set_tid longer than the child's levels", op)
					}
					b.NTids = int64(len(op.Tids))
					for i, tid := range op.Tids {
						b.Tids[i] = int32(tid)
					}
				}
				hc, other, err := socketpair()
				if err != nil {
					return nil, err
				}
				forks[t][j] = hc
				b.Fd = int64(len(fds))
				fds = append(fds, other)
				closeFds = append(closeFds, other)
			case model.Exit:
				b.Op, b.A = aExit, int64(op.Code)
			case model.Wait:
				b.Op, b.A = aWait, int64(op.Pid)
			case model.Kill:
				b.Op, b.A, b.B = aKill, int64(op.Pid), int64(op.Sig)
			case model.Unshare:
				b.Op = aUnshare
				levels = a.level + 1
			case model.SetNs:
				tg := s.agents[op.Target]
				if tg == nil {
					return nil, fmt.Errorf("op %q: the target must exist when the parallel part starts", op)
				}
				b.Op, b.Fd = aSetns, int64(len(fds))
				fds = append(fds, tg.pidfd)
				levels = tg.level
			case model.GetPid:
				b.Op = aGetpid
			case model.GetPPid:
				b.Op = aGetppid
			case model.Lookup:
				b.Op, b.A = aLookup, int64(op.Pid)
			case model.SetPidMax, model.SetLastPid:
				path := "/proc/sys/kernel/pid_max"
				if op.Kind == model.SetLastPid {
					path = "/proc/sys/kernel/ns_last_pid"
				}
				b.Op = aWriteFile
				copy(b.Path[:], path)
				data := strconv.Itoa(op.N) + "\n"
				copy(b.Data[:], data)
				b.NData = int64(len(data))
			default:
				return nil, fmt.Errorf("op %q: not run concurrently", op)
			}
		}
		if len(fds) > maxBatchF {
			return nil, fmt.Errorf("thread %s: %d descriptors, at most %d", model.ThreadName(t), len(fds), maxBatchF)
		}
		var req request
		req.Op, req.A, req.B = aBatch, int64(t), int64(gen)
		var oob []byte
		if len(fds) > 0 {
			oob = unix.UnixRights(fds...)
		}
		_, _, err := a.conn.WriteMsgUnix(bytesOf(&req), oob, nil)
		for _, fd := range closeFds {
			unix.Close(fd)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: sending the batch: %w", a.h, err)
		}
	}
	// The barrier: every agent ready, then all released at once.
	deadline := time.Now().Add(batchTimeout)
	for t, a := range actors {
		for a != nil && atomic.LoadUint32(&shm.Ready[t]) != gen {
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("%s never reached the barrier", a.h)
			}
			time.Sleep(10 * time.Microsecond)
		}
	}
	atomic.StoreUint32(&shm.Go, gen)
	// Replies: the children's pidfds. An exit replies before exiting.
	pidfds := make([][]int, len(threads))
	eof := make([]bool, len(threads))
	for t, a := range actors {
		if a == nil {
			continue
		}
		fds, gone, err := s.batchReply(a)
		if err != nil {
			return nil, err
		}
		pidfds[t], eof[t] = fds, gone
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	for t, a := range actors {
		if a == nil {
			continue
		}
		if last := threads[t][len(threads[t])-1]; last.Kind == model.Exit && !eof[t] {
			if err := s.awaitEOF(a); err != nil {
				return nil, err
			}
		}
	}
	// The answers, from the shared area.
	for t, ops := range threads {
		a := actors[t]
		if a == nil {
			continue
		}
		slot := &shm.Slots[t]
		nf := 0
		for j, op := range ops {
			r := &slot.Res[j]
			ro := &out[t][j]
			call := atomic.LoadInt64(&r.Call)
			done := atomic.LoadInt64(&r.Done) == 1
			if call == 0 {
				break // never issued: the task died before
			}
			ro.ran, ro.call, ro.ret = true, call, r.Ret
			if op.Kind == model.Exit {
				ro.async, ro.ret = true, call
				a.gone = true
				break
			}
			if !done {
				ro.ret = call
				if op.Kind == model.Kill {
					// The task killed itself, as the sequential
					// oracle sees it: kill returned 0 first.
					ro.async = true
					ro.unanswered = ""
					if !s.killsSelf(a, op) {
						ro.unanswered = "its task died during the call, so the kernel's answer is unknown"
					}
				} else {
					ro.unanswered = "its task died during the call, so the kernel's answer is unknown"
				}
				a.gone = true
				break
			}
			e, err := errnoOf(syscall.Errno(r.Errno))
			if err != nil {
				return nil, fmt.Errorf("op %q: %w", op, err)
			}
			switch op.Kind {
			case model.Fork, model.ForkWithTid:
				if e != model.OK {
					ro.res = model.Fail(e)
					continue
				}
				if nf >= len(pidfds[t]) {
					return nil, fmt.Errorf("op %q: fork answered without the child's pidfd", op)
				}
				pidfd := pidfds[t][nf]
				pidfds[t][nf] = -1
				nf++
				hc := forks[t][j]
				forks[t][j] = nil
				nspid, why, err := s.adoptChild(op.Child, hc, pidfd, r)
				if err != nil {
					return nil, fmt.Errorf("op %q: %w", op, err)
				}
				ro.res = model.Result{NSpid: nspid}
				if why != "" {
					ro.unanswered = why
				}
			case model.Wait:
				if e != model.OK {
					ro.res = model.Fail(e)
					continue
				}
				ro.res.N = int(r.Val)
				if ro.res.N > 0 {
					ws := unix.WaitStatus(r.Status)
					switch {
					case ws.Exited():
						ro.res.Status.Code = ws.ExitStatus()
					case ws.Signaled():
						ro.res.Status.Signal = int(ws.Signal())
					default:
						return nil, fmt.Errorf("op %q: wait status %#x is neither exit nor signal", op, r.Status)
					}
					ro.async = true // a reap can let a dying init finish
				}
			case model.Kill:
				ro.res = model.Fail(e)
				if e == model.OK && op.Sig != 0 {
					ro.async = true // signal 0 only probes: no effect to wait for
				}
			case model.Unshare:
				ro.res = model.Fail(e)
				if e == model.OK {
					a.children = a.level + 1
				}
			case model.SetNs:
				ro.res = model.Fail(e)
				if e == model.OK {
					a.children = s.agents[op.Target].level
				}
			case model.GetPid, model.GetPPid:
				ro.res = model.Result{N: int(r.Val)}
			case model.Lookup:
				if e != model.OK {
					ro.res = model.Fail(e)
					continue
				}
				ro.res.Task = model.NoTask
				ino := uint64(r.Ino)
				for _, h := range s.order {
					if s.agents[h].ino == ino {
						ro.res = model.Result{Task: h}
					}
				}
				// A task forked later in this batch is adopted below.
				if ro.res.Task == model.NoTask {
					ro.unanswered = strconv.FormatUint(ino, 10) // resolved below
				}
			default:
				ro.res = model.Fail(e)
			}
		}
		for _, fd := range pidfds[t] {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	}
	// Lookups of tasks adopted after them.
	for t := range out {
		for j := range out[t] {
			ro := &out[t][j]
			if threads[t][j].Kind != model.Lookup || ro.unanswered == "" || !ro.ran {
				continue
			}
			ino, err := strconv.ParseUint(ro.unanswered, 10, 64)
			if err != nil {
				continue
			}
			ro.unanswered = "pidfd_open found a process that is no task of the scenario"
			for _, h := range s.order {
				if s.agents[h].ino == ino {
					ro.res, ro.unanswered = model.Result{Task: h}, ""
				}
			}
		}
	}
	return out, nil
}

// killsSelf reports whether a kill op targets its own sender (then the
// sender's death during it is the kill's own effect: kill returned 0
// first, as the sequential oracle has it).
func (s *system) killsSelf(a *agent, op model.Op) bool {
	return op.Pid > 0 && a.own > 0 && op.Pid == a.own
}

// batchReply reads a batch's reply and the children's pidfds it carries;
// gone reports that the agent died before replying.
func (s *system) batchReply(a *agent) (fds []int, gone bool, err error) {
	a.conn.SetDeadline(time.Now().Add(batchTimeout))
	var resp response
	buf := make([]byte, unsafe.Sizeof(resp)+8)
	rob := make([]byte, unix.CmsgSpace(4*maxBatch))
	n, oobn, _, _, err := a.conn.ReadMsgUnix(buf, rob)
	if err != nil || n == 0 {
		if n == 0 || isEOF(err) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("%s: reading the batch reply: %w", a.h, err)
	}
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(rob[:oobn])
		if err == nil {
			for _, m := range msgs {
				if got, err := unix.ParseUnixRights(&m); err == nil {
					fds = append(fds, got...)
				}
			}
		}
	}
	return fds, false, nil
}

// adoptChild makes the host's agent for a child forked in a batch. Its
// NSpid is what the child wrote about itself (or, if it died first, what
// /proc still shows); why is non-empty when neither could be read.
func (s *system) adoptChild(h model.Handle, hc *net.UnixConn, pidfd int, r *batchRes) (nspid []int, why string, err error) {
	c := &agent{h: h, conn: hc, pidfd: pidfd}
	s.agents[h] = c
	s.order = append(s.order, h)
	var st unix.Stat_t
	if err := unix.Fstat(pidfd, &st); err != nil {
		return nil, "", fmt.Errorf("fstat child pidfd: %w", err)
	}
	c.ino = st.Ino
	var info unix.PidfdInfo
	info.Mask = unix.PIDFD_INFO_PID
	if unix.IoctlPidfdInfo(pidfd, &info) == nil {
		c.hostPid = int(info.Pid)
	}
	var ns []int
	deadline := time.Now().Add(replyTimeout)
	for {
		if k := atomic.LoadInt64(&r.NNs); k > 0 && k <= maxNSpid {
			for i := range int(k) {
				ns = append(ns, int(r.NSpid[i]))
			}
			break
		}
		if pollExit(pidfd, 0) || time.Now().After(deadline) {
			if c.hostPid > 0 {
				ns, _ = readNSpid(c.hostPid)
			}
			break
		}
		time.Sleep(20 * time.Microsecond)
	}
	if len(ns) <= s.skip {
		c.gone = true
		return nil, "the child died before its numbers could be read", nil
	}
	if c.hostPid == 0 {
		c.hostPid = ns[0]
	}
	nspid = ns[s.skip:]
	c.level = len(nspid) - 1
	c.own = nspid[c.level]
	c.rootNr = nspid[0]
	c.children = c.level
	if chain, err := nsChain(c.hostPid, c.level); err == nil {
		c.nsChain = chain
	}
	return nspid, "", nil
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }
