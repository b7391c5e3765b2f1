//go:build linux && (amd64 || arm64)

package oracle

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/pidcheck/pidcheck/model"
)

// applyGroup performs the ops of process groups, sessions, SIGCHLD,
// subreapers, clone, setns to a children space and the two reads, by the
// live agent a. ok is false for any other kind.
func (s *system) applyGroup(a *agent, op model.Op) (res model.Result, note string, err error, ok bool) {
	var req request
	fd := -1
	switch op.Kind {
	case model.SetPgid, model.GetPgid, model.GetSid:
		if int(int32(op.Pid)) != op.Pid || int(int32(op.N)) != op.N {
			return res, "", fmt.Errorf("op %q: a number does not fit a pid_t; the kernel cannot be asked", op), true
		}
		req.A, req.B = int64(op.Pid), int64(op.N)
		req.Op = map[model.Kind]int64{model.SetPgid: aSetPgid, model.GetPgid: aGetPgid, model.GetSid: aGetSid}[op.Kind]
	case model.SetSid:
		req.Op = aSetSid
	case model.SigChld:
		req.Op = aSigChld
		switch op.N {
		case model.SigChldDefault:
		case model.SigChldIgnore:
			req.A = 1 // SIG_IGN
		case model.SigChldNoCldWait:
			req.B = saNoCldWait
		default:
			return model.Fail(model.EINVAL), "SIGCHLD disposition not modelled: EINVAL by the spec's convention, not sent", nil, true
		}
	case model.Subreaper:
		req.Op, req.A = aSubreaper, int64(op.N)
	case model.SetNsChildren:
		t := s.agents[op.Target]
		if t == nil {
			return model.Fail(model.ESRCH), "target never existed", nil, true
		}
		req.Op, fd = aSetNsChildren, t.pidfd
	case model.GetLastPid:
		req.Op = aReadLastPid
	case model.GetNSpid:
		res, err := s.nspid(a, op)
		return res, "", err, true
	case model.Clone:
		res, note, err := s.clone(a, op)
		return res, note, err, true
	default:
		return res, "", nil, false
	}
	resp, rfd, eof, err := s.call(a, &req, fd)
	if err != nil {
		return res, "", err, true
	}
	if rfd >= 0 {
		unix.Close(rfd)
	}
	if eof {
		return res, "", fmt.Errorf("%s died during %q", a.h, op), true
	}
	e, err := errnoOf(syscall.Errno(resp.Errno))
	if err != nil {
		return res, "", fmt.Errorf("op %q: %w", op, err), true
	}
	if e != model.OK {
		return model.Fail(e), "", nil, true
	}
	switch op.Kind {
	case model.GetPgid, model.GetSid, model.GetLastPid:
		res.N = int(resp.Val)
	case model.SetNsChildren:
		a.children = s.agents[op.Target].children
	case model.SetPgid, model.SetSid:
		if op.Kind == model.SetSid {
			res.N = int(resp.Val)
		}
		// Leaving a group or session can free a reaped task's number that
		// only the group id held, and with it let a dying init leave
		// zap_pid_ns_processes: settle as after a reaping wait.
		return res, "", s.settle(), true
	}
	return res, "", nil, true
}

// kernelCloneFlags are the clone(2) flags of a Clone op's model flags;
// thread is CLONE_THREAD with the CLONE_SIGHAND and CLONE_VM it needs.
func kernelCloneFlags(f int) uint64 {
	var k uint64
	if f&model.CloneNewPid != 0 {
		k |= unix.CLONE_NEWPID
	}
	if f&model.CloneParent != 0 {
		k |= unix.CLONE_PARENT
	}
	if f&model.CloneThread != 0 {
		k |= unix.CLONE_THREAD | unix.CLONE_SIGHAND | unix.CLONE_VM
	}
	return k
}

// clone runs a Clone op: clone3 by the actor with the op's flags. With
// thread the new task is a thread agent (the kernel judges CLONE_THREAD
// with the others: kernel/fork.c copy_process), without it a forked one.
func (s *system) clone(a *agent, op model.Op) (model.Result, string, error) {
	f := op.N
	if f&^(model.CloneNewPid|model.CloneParent|model.CloneThread) != 0 {
		return model.Fail(model.EINVAL), "clone flags not modelled: EINVAL by the spec's convention, not sent", nil
	}
	if f&model.CloneThread != 0 {
		return s.thread(a, op, kernelCloneFlags(f&^model.CloneThread))
	}
	return s.fork(a, op)
}

// nspid reads the actor's own NSpid line (/proc/thread-self/status,
// through the host's /proc), without the host's levels above the scenario
// root, as fork results are.
func (s *system) nspid(a *agent, op model.Op) (model.Result, error) {
	req := request{Op: aNSpid}
	a.conn.SetDeadline(time.Now().Add(replyTimeout))
	if _, _, err := a.conn.WriteMsgUnix(bytesOf(&req), nil, nil); err != nil {
		return model.Result{}, fmt.Errorf("%s: sending request: %w", a.h, err)
	}
	var r nspidResp
	buf := make([]byte, unsafe.Sizeof(r)+8)
	n, _, _, _, err := a.conn.ReadMsgUnix(buf, nil)
	if errors.Is(err, io.EOF) || (err == nil && n == 0) {
		return model.Result{}, fmt.Errorf("%s died during %q", a.h, op)
	}
	if err != nil {
		return model.Result{}, fmt.Errorf("%s: reading response: %w", a.h, err)
	}
	if n != int(unsafe.Sizeof(r)) {
		return model.Result{}, fmt.Errorf("%s: NSpid response of %d bytes", a.h, n)
	}
	copy(bytesOf(&r), buf[:n])
	if r.Errno != 0 {
		return model.Result{}, fmt.Errorf("op %q: reading /proc/thread-self/status: %v", op, syscall.Errno(r.Errno))
	}
	if int(r.N) <= s.skip || r.N > maxNSpid {
		return model.Result{}, fmt.Errorf("op %q: NSpid of %d numbers is not inside the scenario", op, r.N)
	}
	var out []int
	for _, v := range r.NSpid[s.skip:r.N] {
		out = append(out, int(v))
	}
	return model.Result{NSpid: out}, nil
}

// groupSys is what a system keeps for exact settling (see doc.go,
// "Settling"): the scenario root's PID namespace, the probe agent, and
// the reaped tasks whose numbers were seen free.
type groupSys struct {
	rootNs   int  // when haveNs
	haveNs   bool // rootNs is open
	probe    *agent
	probeCtx *agentCtx
	free     map[model.Handle]bool
}

// openRootNs keeps a descriptor of the scenario root's PID namespace, so
// that the probe can enter it even once no task of it is left.
func (s *system) openRootNs() error {
	s.grp.free = map[model.Handle]bool{}
	fd, err := unix.Open("/proc/"+strconv.Itoa(s.t0.hostPid)+"/ns/pid", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening the scenario's PID namespace: %w", err)
	}
	s.grp.rootNs, s.grp.haveNs = fd, true
	s.t0.rootNr = 1
	return nil
}

// closeGroups ends the probe agent and closes the namespace descriptor.
func (s *system) closeGroups() {
	if p := s.grp.probe; p != nil {
		p.conn.Close() // the probe's recvmsg answers 0: it exits
		if !pollExit(p.pidfd, time.Second) {
			unix.PidfdSendSignal(p.pidfd, unix.SIGKILL, nil, 0)
			pollExit(p.pidfd, time.Second)
		}
		var ws unix.WaitStatus
		unix.Wait4(p.hostPid, &ws, unix.WNOHANG, nil)
		unix.Close(p.pidfd)
		s.grp.probe = nil
	}
	if s.grp.haveNs {
		unix.Close(s.grp.rootNs)
		s.grp.haveNs = false
	}
}

// startProbe clones the probe agent: a raw child of the host in the
// host's PID namespace (the parent of the scenario root), like t0 but
// without CLONE_NEWPID.
func (s *system) startProbe() error {
	hc, other, err := socketpair()
	if err != nil {
		return err
	}
	c := newAgentCtx()
	c.Chan = int64(other)
	pid, errno := func() (uintptr, syscall.Errno) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var all, old unix.Sigset_t
		for i := range all.Val {
			all.Val[i] = ^uint64(0)
		}
		if err := unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old); err != nil {
			return 0, err.(syscall.Errno)
		}
		pid, errno := cloneProbe(c)
		unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
		runtime.KeepAlive(c)
		return pid, errno
	}()
	unix.Close(other)
	if errno != 0 {
		hc.Close()
		return fmt.Errorf("cloning the probe agent: %w", errno)
	}
	s.grp.probe = &agent{h: model.NoTask, conn: hc, pidfd: int(c.Pidfd), hostPid: int(pid)}
	s.grp.probeCtx = c
	return nil
}

// taken asks the probe whether number n of the scenario root space is
// taken (see agentProbe).
func (s *system) taken(n int) (bool, error) {
	if !s.grp.haveNs {
		return false, errors.New("probing a number: the scenario's PID namespace is not open")
	}
	if s.grp.probe == nil {
		if err := s.startProbe(); err != nil {
			return false, err
		}
	}
	req := request{Op: aProbe, A: int64(n)}
	resp, rfd, eof, err := s.call(s.grp.probe, &req, s.grp.rootNs)
	if rfd >= 0 {
		unix.Close(rfd)
	}
	if err != nil {
		return false, fmt.Errorf("probe: %w", err)
	}
	if eof {
		return false, errors.New("the probe agent died")
	}
	switch syscall.Errno(resp.Errno) {
	case unix.EEXIST:
		return true, nil
	case unix.EINVAL:
		return false, nil
	case errProbeForked:
		return false, fmt.Errorf("probing number %d: clone3 with set_tid [%d, 0] created a child", n, n)
	}
	return false, fmt.Errorf("probing number %d: clone3 answered %v", n, syscall.Errno(resp.Errno))
}

// heldNumber returns a reaped task whose number is still taken although
// no task holds it (as its pid, process group or session), and the
// number: the task is detached but its numbers are not freed yet
// (release_task frees them after dropping tasklist_lock, since 6.15).
// free_pid frees every level of a pid at once under pidmap_lock, so the
// scenario root level stands for all of them.
func (s *system) heldNumber() (model.Handle, int, error) {
	var holds map[int]bool
	for _, h := range s.order {
		a := s.agents[h]
		if a.rootNr == 0 || s.grp.free[h] || !reaped(a) {
			continue
		}
		if holds == nil {
			holds = s.holders()
		}
		if holds[a.hostPid] || holds[-a.rootNr] {
			continue // a process group or session id, or reused
		}
		held, err := s.taken(a.rootNr)
		if err != nil {
			return model.NoTask, 0, err
		}
		if held {
			numberWaits.Add(1)
			return h, a.rootNr, nil
		}
		s.grp.free[h] = true
	}
	return model.NoTask, 0, nil
}

// numberWaits counts the settling sweeps that found a reaped task's
// number still taken (a diagnostic: how often the window is seen).
var numberWaits atomic.Int64

// holders are the numbers unreaped tasks hold: their own (host level),
// their process group and session ids (host level, from /proc/PID/stat),
// and, negated, their scenario root level numbers.
func (s *system) holders() map[int]bool {
	out := map[int]bool{}
	for _, h := range s.order {
		a := s.agents[h]
		if reaped(a) {
			continue
		}
		out[a.hostPid] = true
		if a.rootNr != 0 {
			out[-a.rootNr] = true
		}
		if pg, sid, ok := procGroup(a.hostPid); ok {
			out[pg], out[sid] = true, true
		}
	}
	return out
}

// heldAsGroup reports whether reaped task x's number is still some
// unreaped task's process group or session id.
func (s *system) heldAsGroup(x *agent) bool {
	for _, h := range s.order {
		a := s.agents[h]
		if a == x || reaped(a) {
			continue
		}
		if pg, sid, ok := procGroup(a.hostPid); ok && (pg == x.hostPid || sid == x.hostPid) {
			return true
		}
	}
	return false
}

// procGroup reads the process group and session of a host pid from
// /proc/PID/stat (numbers in the host's space).
func procGroup(hostPid int) (pgrp, sid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(hostPid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 4 {
		return 0, 0, false
	}
	pg, err1 := strconv.Atoi(f[2])
	sd, err2 := strconv.Atoi(f[3])
	return pg, sd, err1 == nil && err2 == nil
}

// minPidMax is the smallest pid_max this kernel accepts: pid_max_min,
// max(RESERVED_PIDS + 1, PIDS_PER_CPU_MIN × possible CPUs) (kernel/pid.c
// pid_idr_init), from /sys/devices/system/cpu/possible; when that cannot
// be read, it is found by writing pid_max in a scratch namespace.
var minPidMax = sync.OnceValue(func() int {
	if n, err := possibleCPUs(); err == nil {
		return max(model.KernelReserved+1, model.PidsPerCPUMin*n)
	}
	if m, err := probeMinPidMax(); err == nil {
		return m
	}
	return model.KernelMinMax
})

// possibleCPUs counts the CPUs of /sys/devices/system/cpu/possible
// ("0-3,8,10-11").
func possibleCPUs() (int, error) {
	b, err := os.ReadFile("/sys/devices/system/cpu/possible")
	if err != nil {
		return 0, err
	}
	return countCPUList(strings.TrimSpace(string(b)))
}

// countCPUList counts a kernel CPU list ("0-3,8").
func countCPUList(s string) (int, error) {
	n := 0
	for _, part := range strings.Split(s, ",") {
		lo, hi, rng := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return 0, fmt.Errorf("CPU list %q: %q", s, part)
		}
		b := a
		if rng {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return 0, fmt.Errorf("CPU list %q: %q", s, part)
			}
		}
		n += b - a + 1
	}
	if n < 1 {
		return 0, fmt.Errorf("CPU list %q is empty", s)
	}
	return n, nil
}

// probeMinPidMax finds pid_max_min by bisection: in a fresh scenario
// namespace, writing pid_max answers EINVAL below it
// (proc_dointvec_minmax with extra1 = &pid_max_min).
func probeMinPidMax() (int, error) {
	s, err := newSystem()
	if err != nil {
		return 0, err
	}
	defer s.close()
	lo, hi := model.KernelReserved, model.KernelPidMax // lo refused, hi accepted
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		r, err := s.apply(model.Op{Kind: model.SetPidMax, Task: model.Root, N: mid})
		if err != nil {
			return 0, err
		}
		switch r.Err {
		case model.OK:
			hi = mid
		case model.EINVAL:
			lo = mid
		default:
			return 0, fmt.Errorf("pid_max %d: %s", mid, r.Err)
		}
	}
	return hi, nil
}
