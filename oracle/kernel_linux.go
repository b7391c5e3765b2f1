//go:build linux && (amd64 || arm64)

package oracle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/pidcheck/pidcheck/model"
)

// replyTimeout bounds every wait for an agent's answer; settleTimeout
// bounds the wait for killed tasks to finish dying.
const (
	replyTimeout  = 5 * time.Second
	settleTimeout = 5 * time.Second
)

// agent is the host's view of one task handle.
type agent struct {
	h        model.Handle
	conn     *net.UnixConn
	pidfd    int
	hostPid  int
	ino      uint64
	exited   bool     // zombie or reaped (its pidfd polled readable)
	gone     bool     // can no longer act: exited, or exiting (channel closed, fatal signal)
	level    int      // level of its active space, scenario root = 0
	nsChain  []uint64 // inodes of its active space and its ancestors up to the scenario root
	children int      // level of its children space
	own      int      // its number in its own active space (for a kill of itself)
	rootNr   int      // its number in the scenario root space (0: unknown), for exact settling
	image    bool     // it exec'd: it runs the agent image (kernel_thread_linux.go)
}

// system is one scenario's real PID namespace and its agents.
type system struct {
	ctx    *agentCtx
	agents map[model.Handle]*agent
	order  []model.Handle // creation order, for deterministic sweeps
	failed map[model.Handle]bool
	skip   int // host levels above the scenario root in /proc NSpid lines
	t0     *agent
	closed bool
	shm    []byte                        // the shared area of parallel parts (conc_linux.go)
	gen    uint32                        // the last parallel part's generation
	grp    groupSys                      // exact settling (kernel_groups_linux.go)
	leader map[model.Handle]model.Handle // a thread's group leader (kernel_thread_linux.go)
}

var errRaceBuild = errors.New("kernel oracle needs a build without -race (its agents run without the Go runtime, which the race detector's instrumentation calls into)")

var errNeedRoot = errors.New("kernel oracle needs root (new PID namespaces, pid_max and ns_last_pid writes, clone3 set_tid)")

// available reports why the kernel oracle cannot run here, if it cannot.
func available() error {
	if raceBuild {
		return errRaceBuild
	}
	if os.Geteuid() != 0 {
		return errNeedRoot
	}
	s, err := newSystem()
	if err != nil {
		return fmt.Errorf("kernel oracle: cannot start a PID namespace: %w", err)
	}
	defer s.close()
	r, err := s.apply(model.Op{Kind: model.GetPid, Task: model.Root})
	if err != nil {
		return fmt.Errorf("kernel oracle: agent does not answer: %w", err)
	}
	if r.Err != model.OK || r.N != 1 {
		return fmt.Errorf("kernel oracle: scenario init has pid %s, want 1", r.Format(model.GetPid))
	}
	return nil
}

// hostLevel is the absolute level of the caller's own PID namespace,
// found by walking NS_GET_PARENT.
func hostLevel() int {
	fd, err := unix.Open("/proc/self/ns/pid", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0
	}
	n := 0
	for n < 64 {
		p, err := unix.IoctlRetInt(fd, unix.NS_GET_PARENT)
		unix.Close(fd)
		if err != nil {
			return n
		}
		fd = p
		n++
	}
	unix.Close(fd)
	return n
}

// socketpair returns a connected SOCK_SEQPACKET pair.
func socketpair() (host *net.UnixConn, other int, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, -1, fmt.Errorf("socketpair: %w", err)
	}
	f := os.NewFile(uintptr(fds[0]), "agent")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		unix.Close(fds[1])
		return nil, -1, fmt.Errorf("agent channel: %w", err)
	}
	return c.(*net.UnixConn), fds[1], nil
}

// newSystem creates a fresh PID namespace whose init is agent t0.
func newSystem() (*system, error) {
	hc, other, err := socketpair()
	if err != nil {
		return nil, err
	}
	s := &system{ctx: newAgentCtx(), agents: map[model.Handle]*agent{}, failed: map[model.Handle]bool{}}
	if err := s.mapShared(); err != nil {
		hc.Close()
		unix.Close(other)
		return nil, err
	}
	s.ctx.Chan = int64(other)
	pid, errno := startT0(s.ctx)
	unix.Close(other)
	if errno != 0 {
		hc.Close()
		unix.Munmap(s.shm)
		return nil, fmt.Errorf("clone3(CLONE_NEWPID): %w", errno)
	}
	a := &agent{h: model.Root, conn: hc, pidfd: int(s.ctx.Pidfd), hostPid: int(pid), own: 1}
	s.agents[model.Root] = a
	s.order = append(s.order, model.Root)
	s.t0 = a
	var st unix.Stat_t
	if err := unix.Fstat(a.pidfd, &st); err == nil {
		a.ino = st.Ino
	}
	ns, err := readNSpid(a.hostPid)
	if err != nil {
		s.close()
		return nil, err
	}
	s.skip = len(ns) - 1
	if a.nsChain, err = nsChain(a.hostPid, 0); err != nil {
		s.close()
		return nil, err
	}
	if err := s.openRootNs(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// startT0 clones the scenario init on a locked thread with every signal
// blocked, so no Go signal handler can run in the child before it resets
// its dispositions (the child starts with the parent thread's mask).
func startT0(c *agentCtx) (uintptr, syscall.Errno) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var all, old unix.Sigset_t
	for i := range all.Val {
		all.Val[i] = ^uint64(0)
	}
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &all, &old); err != nil {
		return 0, err.(syscall.Errno)
	}
	pid, errno := cloneT0(c)
	unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	runtime.KeepAlive(c)
	return pid, errno
}

// readNSpid returns the NSpid line of a host pid, outermost first, as the
// host's /proc shows it.
func readNSpid(hostPid int) ([]int, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(hostPid) + "/status")
	if err != nil {
		return nil, fmt.Errorf("reading NSpid: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			var out []int
			for _, f := range strings.Fields(rest) {
				n, err := strconv.Atoi(f)
				if err != nil {
					return nil, fmt.Errorf("NSpid line %q: %v", line, err)
				}
				out = append(out, n)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("/proc/%d/status has no NSpid line", hostPid)
}

// close kills the scenario's init, which kills every task of the
// namespace (kernel/pid_namespace.c zap_pid_ns_processes), reaps it and
// releases every descriptor.
func (s *system) close() {
	if s.closed {
		return
	}
	s.closed = true
	if s.t0 != nil {
		unix.PidfdSendSignal(s.t0.pidfd, unix.SIGKILL, nil, 0)
		pollExit(s.t0.pidfd, 10*time.Second)
		var ws unix.WaitStatus
		unix.Wait4(s.t0.hostPid, &ws, unix.WNOHANG, nil)
	}
	for _, h := range s.order {
		a := s.agents[h]
		a.conn.Close()
		unix.Close(a.pidfd)
	}
	s.closeGroups()
	if s.shm != nil {
		unix.Munmap(s.shm)
		s.shm = nil
	}
}

// pollExit waits up to d for a pidfd to report that its task exited.
func pollExit(pidfd int, d time.Duration) bool {
	ms := int(d / time.Millisecond)
	for {
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, ms)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0
	}
}

// refresh marks agents whose task has exited.
func (s *system) refresh(a *agent) bool {
	if !a.exited && pollExit(a.pidfd, 0) {
		a.exited = true
	}
	return a.exited
}

func bytesOf[T any](p *T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), unsafe.Sizeof(*p))
}

// call sends a request (with fd attached when fd >= 0) and reads the
// response. eof reports that the agent died instead of answering.
func (s *system) call(a *agent, req *request, fd int) (resp response, rfd int, eof bool, err error) {
	var oob []byte
	if fd >= 0 {
		oob = unix.UnixRights(fd)
	}
	a.conn.SetDeadline(time.Now().Add(replyTimeout))
	if _, _, err := a.conn.WriteMsgUnix(bytesOf(req), oob, nil); err != nil {
		return resp, -1, false, fmt.Errorf("%s: sending request: %w", a.h, err)
	}
	buf := make([]byte, unsafe.Sizeof(resp)+8)
	rob := make([]byte, 64)
	n, oobn, _, _, err := a.conn.ReadMsgUnix(buf, rob)
	if errors.Is(err, io.EOF) {
		return resp, -1, true, nil
	}
	if err != nil {
		return resp, -1, false, fmt.Errorf("%s: reading response: %w", a.h, err)
	}
	if n == 0 {
		return resp, -1, true, nil
	}
	if n != int(unsafe.Sizeof(resp)) {
		return resp, -1, false, fmt.Errorf("%s: response of %d bytes", a.h, n)
	}
	copy(bytesOf(&resp), buf[:n])
	rfd = -1
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(rob[:oobn])
		if err == nil && len(msgs) > 0 {
			if fds, err := unix.ParseUnixRights(&msgs[0]); err == nil && len(fds) > 0 {
				rfd = fds[0]
				for _, extra := range fds[1:] {
					unix.Close(extra)
				}
			}
		}
	}
	return resp, rfd, false, nil
}

// awaitEOF waits until an agent's channel closes (the agent exited).
func (s *system) awaitEOF(a *agent) error {
	a.conn.SetDeadline(time.Now().Add(replyTimeout))
	buf := make([]byte, 64)
	for {
		n, _, _, _, err := a.conn.ReadMsgUnix(buf, nil)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: waiting for exit: %w", a.h, err)
		}
		if n == 0 {
			return nil
		}
	}
}

// errnoOf maps a kernel errno to the model's.
func errnoOf(e syscall.Errno) (model.Errno, error) {
	switch e {
	case 0:
		return model.OK, nil
	case unix.EAGAIN:
		return model.EAGAIN, nil
	case unix.ENOMEM:
		return model.ENOMEM, nil
	case unix.ESRCH:
		return model.ESRCH, nil
	case unix.ECHILD:
		return model.ECHILD, nil
	case unix.EINVAL:
		return model.EINVAL, nil
	case unix.EEXIST:
		return model.EEXIST, nil
	case unix.ENOSPC:
		return model.ENOSPC, nil
	case unix.EPERM:
		return model.EPERM, nil
	case unix.EACCES:
		return model.EACCES, nil
	}
	return 0, fmt.Errorf("kernel answered %v (errno %d), which the model has no name for", e, int(e))
}

// live returns the agent acting for h, or nil when h is not a live task.
func (s *system) live(h model.Handle) *agent {
	a := s.agents[h]
	if a == nil || a.gone {
		return nil
	}
	if s.refresh(a) || dying(a.hostPid) {
		// dying: e.g. an exited init parked in zap_pid_ns_processes, not
		// yet a zombie but no longer a task that can act.
		a.gone = true
		return nil
	}
	return a
}

// apply performs op in the kernel. note is non-empty when the answer was
// not produced by the kernel (see doc.go, "Answers the oracle gives
// itself").
func (s *system) apply(op model.Op) (model.Result, error) {
	r, _, err := s.applyNote(op)
	return r, err
}

func (s *system) applyNote(op model.Op) (res model.Result, note string, err error) {
	if op.Kind.Level() != model.ProcessLevel {
		return res, "", fmt.Errorf("op %q: the kernel oracle runs process-level ops only", op)
	}
	a := s.live(op.Task)
	if a == nil {
		return model.Fail(model.ESRCH), "actor is not a live task", nil
	}
	if (op.Kind == model.Wait || op.Kind == model.Kill || op.Kind == model.Lookup) && int(int32(op.Pid)) != op.Pid {
		// The syscalls take a pid_t: a wider number would be truncated
		// into another one (1<<32 - 1 into -1) and ask the wrong question.
		return res, "", fmt.Errorf("op %q: %d does not fit a pid_t; the kernel cannot be asked", op, op.Pid)
	}
	if r, note, err, ok := s.applyGroup(a, op); ok {
		return r, note, err
	}
	var req request
	fd := -1
	switch op.Kind {
	case model.Fork, model.ForkWithTid:
		return s.fork(a, op)
	case model.Thread, model.GetTid, model.ExitThread, model.Exec:
		return s.threadOp(a, op)
	case model.Exit:
		req.Op, req.A = aExit, int64(op.Code)
		if _, _, err := a.conn.WriteMsgUnix(bytesOf(&req), nil, nil); err != nil {
			return res, "", fmt.Errorf("%s: sending exit: %w", a.h, err)
		}
		if err := s.awaitEOF(a); err != nil {
			return res, "", err
		}
		a.gone = true
		return model.Result{}, "", s.settle()
	case model.Wait:
		// wait(0) and wait(-pgid) go to the kernel as they are: t0 leads
		// its own session and group, as the spec's t0 does (the groups, sessions and reaping model).
		req.Op, req.A = aWait, int64(op.Pid)
	case model.Kill:
		if op.Sig != 0 && op.Sig != int(unix.SIGKILL) && op.Sig != int(unix.SIGTERM) {
			// The spec models signals 0, 9 and 15 only and answers EINVAL
			// for others; the kernel would deliver them.
			return model.Fail(model.EINVAL), "signal not modelled: EINVAL by the spec's convention, not sent", nil
		}
		// kill(0) and kill(-pgid) go to the kernel as they are: t0 leads
		// its own session, so no group signal reaches the host (the groups, sessions and reaping model).
		req.Op, req.A, req.B = aKill, int64(op.Pid), int64(op.Sig)
	case model.Unshare:
		req.Op = aUnshare
	case model.SetNs:
		t := s.agents[op.Target]
		if t == nil {
			return model.Fail(model.ESRCH), "target never existed", nil
		}
		req.Op, fd = aSetns, t.pidfd
	case model.GetPid:
		req.Op = aGetpid
	case model.GetPPid:
		req.Op = aGetppid
	case model.Translate:
		t := s.agents[op.Target]
		if t == nil {
			return model.Fail(model.ESRCH), "target never existed", nil
		}
		req.Op, fd = aTranslate, t.pidfd
	case model.Lookup:
		if op.Pid <= 0 {
			// pidfd_open rejects pid <= 0 with EINVAL; no task has such a number.
			return model.Fail(model.ESRCH), "no task has a number <= 0: ESRCH given by the oracle (pidfd_open would say EINVAL)", nil
		}
		req.Op, req.A = aLookup, int64(op.Pid)
	case model.SetPidMax, model.SetLastPid:
		path := "/proc/sys/kernel/pid_max"
		if op.Kind == model.SetLastPid {
			path = "/proc/sys/kernel/ns_last_pid"
		}
		req.Op = aWriteFile
		copy(req.Path[:], path)
		data := strconv.Itoa(op.N) + "\n"
		copy(req.Data[:], data)
		req.NData = int64(len(data))
	default:
		return res, "", fmt.Errorf("op %q: unsupported by the kernel oracle", op)
	}
	resp, rfd, eof, err := s.call(a, &req, fd)
	if err != nil {
		return res, "", err
	}
	if eof {
		if op.Kind == model.Kill {
			// The agent killed itself: kill returned 0 before it died.
			a.gone = true
			return model.Result{}, "", s.settle()
		}
		return res, "", fmt.Errorf("%s died during %q", a.h, op)
	}
	if rfd >= 0 && op.Kind != model.Lookup {
		unix.Close(rfd)
	}
	if op.Kind == model.Translate && (resp.Errno == int64(unix.ESRCH) || resp.Errno == int64(unix.EREMOTE)) {
		// fs/pidfs.c pidfd_info: ESRCH once reaped, EREMOTE when the
		// task has no number in the caller's space: both are "0".
		return model.Result{N: 0}, "", nil
	}
	e, err := errnoOf(syscall.Errno(resp.Errno))
	if err != nil {
		return res, "", fmt.Errorf("op %q: %w", op, err)
	}
	switch op.Kind {
	case model.Wait:
		if e != model.OK {
			return model.Fail(e), "", nil
		}
		res.N = int(resp.Val)
		if res.N > 0 {
			ws := unix.WaitStatus(resp.Status)
			switch {
			case ws.Exited():
				res.Status.Code = ws.ExitStatus()
			case ws.Signaled():
				res.Status.Signal = int(ws.Signal())
			default:
				return res, "", fmt.Errorf("op %q: wait status %#x is neither exit nor signal", op, resp.Status)
			}
			return res, "", s.settle() // a reap can let a dying init finish
		}
		return res, "", nil
	case model.Kill:
		if e == model.OK {
			return res, "", s.settle()
		}
		return model.Fail(e), "", nil
	case model.Translate:
		if e != model.OK {
			return model.Fail(e), "", nil
		}
		return model.Result{N: int(resp.Val)}, "", nil
	case model.Lookup:
		if e != model.OK {
			if rfd >= 0 {
				unix.Close(rfd)
			}
			return model.Fail(e), "", nil
		}
		if rfd < 0 {
			return res, "", fmt.Errorf("op %q: lookup answered without a pidfd", op)
		}
		defer unix.Close(rfd)
		var st unix.Stat_t
		if err := unix.Fstat(rfd, &st); err != nil {
			return res, "", fmt.Errorf("op %q: fstat pidfd: %w", op, err)
		}
		for _, h := range s.order {
			if s.agents[h].ino == st.Ino {
				return model.Result{Task: h}, "", nil
			}
		}
		return res, "", fmt.Errorf("op %q: number %d belongs to a process that is no task of the scenario", op, op.Pid)
	case model.GetPid, model.GetPPid:
		return model.Result{N: int(resp.Val)}, "", nil
	case model.Unshare:
		if e == model.OK {
			a.children = a.level + 1
		}
		return model.Fail(e), "", nil
	case model.SetNs:
		if e == model.OK {
			a.children = s.agents[op.Target].level
		}
		return model.Fail(e), "", nil
	}
	return model.Fail(e), "", nil
}

// fork runs Fork and ForkWithTid.
func (s *system) fork(a *agent, op model.Op) (res model.Result, note string, err error) {
	if s.agents[op.Child] != nil || op.Child < 0 {
		return model.Fail(model.EINVAL), "child handle already in use: a scenario error, EINVAL by the spec's convention", nil
	}
	delete(s.failed, op.Child) // a handle whose fork failed may be tried again
	var req request
	req.Op = aFork
	if op.Kind == model.Clone {
		req.B = int64(kernelCloneFlags(op.N))
	}
	if op.Kind == model.ForkWithTid {
		// An empty list is a plain fork (set_tid_size 0), as the spec
		// has it.
		if len(op.Tids) > a.children+1 {
			// set_tid[] longer than the child's levels: the kernel would
			// take the extra entries for the host's levels above the
			// scenario root. For a real root the kernel answers EINVAL
			// (kernel/pid.c alloc_pid: set_tid_size > ns->level + 1).
			s.failed[op.Child] = true
			return model.Fail(model.EINVAL), "set_tid longer than the child's levels: EINVAL given by the oracle, not sent to the kernel", nil
		}
		req.NTids = int64(len(op.Tids))
		for i, t := range op.Tids {
			if int(int32(t)) != t {
				return res, "", fmt.Errorf("op %q: set_tid %d does not fit a pid_t; the kernel cannot be asked", op, t)
			}
			req.Tids[i] = int32(t)
		}
	}
	hc, other, err := socketpair()
	if err != nil {
		return res, "", err
	}
	resp, pidfd, eof, err := s.call(a, &req, other)
	unix.Close(other)
	if err != nil || eof {
		hc.Close()
		if err == nil {
			err = fmt.Errorf("%s died during %q", a.h, op)
		}
		return res, "", err
	}
	e, err := errnoOf(syscall.Errno(resp.Errno))
	if err != nil {
		hc.Close()
		return res, "", fmt.Errorf("op %q: %w", op, err)
	}
	if e != model.OK {
		hc.Close()
		s.failed[op.Child] = true
		return model.Fail(e), "", nil
	}
	if pidfd < 0 {
		hc.Close()
		return res, "", fmt.Errorf("op %q: fork answered without the child's pidfd", op)
	}
	res, err = s.adopt(a, op, hc, pidfd, "child")
	return res, "", err
}

// adopt registers the new agent op.Child, created by a, serving channel
// hc, with pidfd its pidfd, and learns what the host shows of it: its host
// pid, pidfd inode, NSpid (the op's result) and namespace chain. what
// names it in errors ("child", "thread"). Its children space is its own:
// a fork's child starts there, and CLONE_THREAD is refused unless the
// creator's children space is its own space.
func (s *system) adopt(a *agent, op model.Op, hc *net.UnixConn, pidfd int, what string) (model.Result, error) {
	var res model.Result
	c := &agent{h: op.Child, conn: hc, pidfd: pidfd, image: a.image}
	s.agents[op.Child] = c
	s.order = append(s.order, op.Child)
	var info unix.PidfdInfo
	info.Mask = unix.PIDFD_INFO_PID
	if err := unix.IoctlPidfdInfo(pidfd, &info); err != nil {
		return res, fmt.Errorf("op %q: PIDFD_GET_INFO on the %s: %w", op, what, err)
	}
	c.hostPid = int(info.Pid)
	var st unix.Stat_t
	if err := unix.Fstat(pidfd, &st); err != nil {
		return res, fmt.Errorf("op %q: fstat %s pidfd: %w", op, what, err)
	}
	c.ino = st.Ino
	ns, err := readNSpid(c.hostPid)
	if err != nil {
		return res, err
	}
	if len(ns) <= s.skip {
		return res, fmt.Errorf("op %q: %s NSpid %v is not inside the scenario", op, what, ns)
	}
	res.NSpid = ns[s.skip:]
	c.level = len(res.NSpid) - 1
	c.own = res.NSpid[c.level]
	c.rootNr = res.NSpid[0]
	c.children = c.level
	if c.nsChain, err = nsChain(c.hostPid, c.level); err != nil {
		return res, fmt.Errorf("op %q: %w", op, err)
	}
	return res, nil
}

// settle waits until every task the last op doomed has finished dying,
// because the spec treats kill and init death as synchronous while the
// kernel completes them asynchronously. A task is settled when it has
// exited (pidfd readable: zombie or reaped), when it is alive with no fatal
// signal pending and not exiting, or when it is a namespace init parked in
// zap_pid_ns_processes waiting for tasks whose parents are outside its
// namespace to be reaped.
func (s *system) settle() error {
	deadline := time.Now().Add(settleTimeout)
	quiet := 0 // consecutive sweeps that found nothing dying
	for {
		busy := model.NoTask
		for _, h := range s.order {
			a := s.agents[h]
			if s.settled(a) {
				continue
			}
			busy = h
			break
		}
		what := "still dying"
		if busy == model.NoTask {
			// Every task settled: wait for the numbers of reaped
			// tasks to be free (kernel_groups_linux.go heldNumber).
			h, n, err := s.heldNumber()
			if err != nil {
				return err
			}
			busy, what = h, fmt.Sprintf("reaped, but its number %d is still taken", n)
		}
		if busy == model.NoTask {
			// Two quiet sweeps 1ms apart: a task woken between reading
			// its state and its stack is caught by the second.
			if quiet++; quiet >= 2 {
				return nil
			}
			time.Sleep(time.Millisecond)
			continue
		}
		quiet = 0
		if time.Now().After(deadline) {
			return fmt.Errorf("settling: %s %s after %v", busy, what, settleTimeout)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// reaped reports whether a task has been reaped (its pid detached).
func reaped(a *agent) bool {
	var info unix.PidfdInfo
	info.Mask = unix.PIDFD_INFO_PID
	return unix.IoctlPidfdInfo(a.pidfd, &info) == unix.ESRCH
}

// settled reports whether a task is in a state the spec can describe: reaped,
// a zombie, alive and not dying, or an init parked in zap_pid_ns_processes
// while tasks of its space wait to be reaped. Not settled: exiting (state
// R/D/S with PF_EXITING or SIGKILL pending), or EXIT_DEAD (X: being
// released; the kernel was seen to linger there for 100-400ms).
func (s *system) settled(a *agent) bool {
	if reaped(a) {
		return true
	}
	state, _, ok := procState(a.hostPid)
	switch {
	case !ok:
		return false // between detach and /proc removal: check again
	case state == "Z":
		s.refresh(a)
		return true
	case state == "X" || state == "x":
		return false
	case !dying(a.hostPid):
		return true
	}
	return (parkedInZap(a.hostPid) || parkedInZapWait(a.hostPid, maxNest)) && s.waitsForReap(a)
}

// nsChain returns the inodes of a task's active PID namespace and of its
// level ancestors (NS_GET_PARENT).
func nsChain(hostPid, level int) ([]uint64, error) {
	fd, err := unix.Open("/proc/"+strconv.Itoa(hostPid)+"/ns/pid", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening the pid namespace of %d: %w", hostPid, err)
	}
	var out []uint64
	for i := 0; ; i++ {
		var st unix.Stat_t
		err := unix.Fstat(fd, &st)
		if err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("fstat pid namespace: %w", err)
		}
		out = append(out, st.Ino)
		if i == level {
			unix.Close(fd)
			return out, nil
		}
		p, err := unix.IoctlRetInt(fd, unix.NS_GET_PARENT)
		unix.Close(fd)
		if err != nil {
			return nil, fmt.Errorf("NS_GET_PARENT: %w", err)
		}
		fd = p
	}
}

// waitsForReap reports whether an init parked in zap_pid_ns_processes
// still has an unreaped task in its space (or below), or a reaped one
// whose number a task holds as its process group or session id: then it
// waits for a wait op (or a setpgid, setsid), not for time. Without one it is about to finish: the kernel
// (6.18) was seen to keep such an init parked for up to ~400ms after the
// last task of its space was reaped.
func (s *system) waitsForReap(init *agent) bool {
	ns := init.nsChain[0]
	for _, h := range s.order {
		x := s.agents[h]
		if x == init || s.sameGroup(x, init) || !slices.Contains(x.nsChain, ns) {
			// init's own group: zap_pid_ns_processes waits for
			// pid_allocated to come down to init_pids, which counts a
			// zombie leader when a non-leader thread of init runs it.
			continue
		}
		if !reaped(x) || s.heldAsGroup(x) {
			return true
		}
	}
	return false
}

// procState reads a task's state letter and flags from /proc/PID/stat;
// ok is false when the task is gone.
func procState(hostPid int) (state string, flags uint64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(hostPid) + "/stat")
	if err != nil {
		return "", 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 7 {
		return "", 0, false
	}
	flags, _ = strconv.ParseUint(f[6], 10, 64)
	return f[0], flags, true
}

// dying reports whether a (not yet exited) task is on its way out: a
// zombie or dead state, PF_EXITING, or SIGKILL or SIGTERM pending.
func dying(hostPid int) bool {
	state, flags, ok := procState(hostPid)
	if !ok {
		return false // gone
	}
	if state == "Z" || state == "X" || state == "x" {
		return true
	}
	const pfExiting = 0x4
	if flags&pfExiting != 0 {
		return true
	}
	st, err := os.ReadFile("/proc/" + strconv.Itoa(hostPid) + "/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(st), "\n") {
		for _, key := range []string{"SigPnd:", "ShdPnd:"} {
			if rest, ok := strings.CutPrefix(line, key); ok {
				// SIGTERM too: a task under test has no handlers, so a
				// pending SIGTERM is as fatal (an init ignores it from
				// inside: then it is never queued).
				fatal := uint64(1<<(unix.SIGKILL-1) | 1<<(unix.SIGTERM-1))
				if m, err := strconv.ParseUint(strings.TrimSpace(rest), 16, 64); err == nil && m&fatal != 0 {
					return true
				}
			}
		}
	}
	return false
}

// maxNest bounds how deep parkedInZapWait follows nested inits.
const maxNest = 32

// parkedInZapWait reports whether a dying init sleeps in the reaping loop
// of zap_pid_ns_processes (kernel_wait4, do_wait on top) for children that
// are all dying inits of nested spaces parked in their own zap (or, below
// depth, waiting the same way): it lasts as long as they do. A child that
// is a zombie, running or merely exiting will be reaped soon: not parked.
func parkedInZapWait(hostPid, depth int) bool {
	if depth < 0 {
		return false
	}
	return asleepIn(hostPid, func(top, stack string) bool {
		if !strings.Contains(top, "do_wait") || !strings.Contains(stack, "zap_pid_ns_processes") {
			return false
		}
		id := strconv.Itoa(hostPid)
		kids, err := os.ReadFile("/proc/" + id + "/task/" + id + "/children")
		if err != nil || len(strings.Fields(string(kids))) == 0 {
			return false
		}
		for _, f := range strings.Fields(string(kids)) {
			k, err := strconv.Atoi(f)
			if err != nil || !(parkedInZap(k) || parkedInZapWait(k, depth-1)) {
				return false
			}
		}
		return true
	})
}

// asleepIn reports whether task hostPid sleeps (state S before and after
// reading its kernel stack) where at says: at gets the top frame and the
// whole stack.
func asleepIn(hostPid int, at func(top, stack string) bool) bool {
	if state, _, ok := procState(hostPid); !ok || state != "S" {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(hostPid) + "/stack")
	if err != nil {
		return false
	}
	top, _, _ := strings.Cut(string(b), "\n")
	if !at(top, string(b)) {
		return false
	}
	state, _, ok := procState(hostPid)
	return ok && state == "S"
}

// parkedInZap reports whether a dying init sleeps in the last loop of
// zap_pid_ns_processes, waiting for tasks of its space whose parents are
// outside it to be reaped: asleep, with zap_pid_ns_processes as the top
// frame (not do_wait of its reaping loop; not woken by free_pid).
func parkedInZap(hostPid int) bool {
	return asleepIn(hostPid, func(top, _ string) bool { return strings.Contains(top, "zap_pid_ns_processes") })
}
