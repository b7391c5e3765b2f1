//go:build linux && (amd64 || arm64)

package oracle

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The agent is the code a task runs. It is not a re-executed Go program: a
// Go process has runtime threads, and every thread takes a number in every
// level of its namespace chain, so Go agents would pollute exactly the
// numbers pidcheck compares. Instead each task is a raw clone3 child of the
// host (t0) or of another agent, with no CLONE_VM: a single-threaded copy of
// the address space that runs only agentLoop below, which is //go:nosplit,
// allocates nothing, writes no pointers (no write barriers) and calls
// nothing but raw system calls. It never returns into Go code: it ends in
// exit_group.
//
// The protocol is binary and fixed-size, one SOCK_SEQPACKET message per
// request and per response; file descriptors (the new child's channel, the
// target's pidfd, a looked-up pidfd) travel as SCM_RIGHTS.

// Agent op codes.
const (
	aFork = iota + 1
	aExit
	aWait
	aKill
	aUnshare
	aSetns
	aGetpid
	aGetppid
	aTranslate
	aLookup
	aWriteFile
	aBatch // a parallel part's batch (agent_batch_linux.go)
)

// maxTids bounds set_tid[] (MAX_PID_NS_LEVEL + 1).
const maxTids = 33

// request is what the host sends an agent.
type request struct {
	Op    int64
	A     int64 // wait/kill/lookup pid; exit code
	B     int64 // kill signal
	NTids int64
	Tids  [maxTids]int32
	_     int32
	Path  [48]byte // aWriteFile: NUL-terminated path
	Data  [24]byte // aWriteFile: bytes to write
	NData int64
}

// response is what an agent answers. When the response carries a file
// descriptor (fork: the child's pidfd; lookup: the found pidfd), it travels
// as SCM_RIGHTS.
type response struct {
	Errno  int64
	Val    int64 // fork: child pid in the forker's space; wait: reaped pid; getpid…
	Status int64 // wait: raw wait status
}

// iovec and msghdr mirror the kernel's structs with plain integers, so the
// agent never stores a Go pointer.
type iovec struct {
	Base uintptr
	Len  uint64
}

type msghdr struct {
	Name       uintptr
	Namelen    uint32
	_          uint32
	Iov        uintptr
	Iovlen     uint64
	Control    uintptr
	Controllen uint64
	Flags      int32
	_          int32
}

// cloneArgs is struct clone_args (CLONE_ARGS_SIZE_VER2).
type cloneArgs struct {
	Flags      uint64
	Pidfd      uint64
	ChildTid   uint64
	ParentTid  uint64
	ExitSignal uint64
	Stack      uint64
	StackSize  uint64
	TLS        uint64
	SetTid     uint64
	SetTidSize uint64
	Cgroup     uint64
}

// kSigaction is the kernel's struct sigaction on amd64 and arm64.
type kSigaction struct {
	Handler  uintptr
	Flags    uint64
	Restorer uintptr
	Mask     uint64
}

// pidfdInfo is struct pidfd_info up to its VER0-plus size used by
// PIDFD_GET_INFO (0x58 bytes).
type pidfdInfo struct {
	Mask uint64
	_    uint64
	Pid  uint32
	_    [17]uint32
}

// agentCtx is all the memory an agent uses, allocated by the host before
// the first clone; every clone copies it at the same address.
type agentCtx struct {
	Chan  int64 // this agent's channel to the host
	IsT0  int64 // 1 in the scenario's init before its setup ran
	Req   request
	Resp  response
	RIov  iovec
	RMsg  msghdr
	RCmsg [256]byte // 16 + 4*maxBatchF, rounded to a power of two
	SIov  iovec
	SMsg  msghdr
	SCmsg [24]byte
	Args  cloneArgs
	Pidfd int32
	WStat int32
	Info  pidfdInfo
	Sa    kSigaction
	Mask  uint64
	Old   uint64
	Fds   [2]int32
	Shm   *shmArea // the MAP_SHARED area of parallel parts (not Go memory)
	B     batchCtx
	G     groupCtx      // agent_groups_linux.go
	X     threadScratch // thread ops (agent_thread_linux.go)
}

const (
	cmsgRightsLen   = 20 // CMSG_LEN(sizeof(int))
	cmsgRightsSpace = 24 // CMSG_SPACE(sizeof(int))
)

// newAgentCtx allocates and wires an agent context.
func newAgentCtx() *agentCtx {
	c := new(agentCtx)
	wireCtx(c)
	return c
}

// cloneT0 is called by the host on a locked thread with every signal
// blocked. It clones the scenario's init into a new PID namespace; in the
// child it never returns. It returns the child's pid and pidfd (host
// space) or an errno.
//
//go:nosplit
func cloneT0(c *agentCtx) (pid uintptr, errno syscall.Errno) {
	c.Args = cloneArgs{Flags: unix.CLONE_NEWPID | unix.CLONE_PIDFD, Pidfd: uint64(uintptr(unsafe.Pointer(&c.Pidfd))), ExitSignal: uint64(unix.SIGCHLD)}
	r, _, e := syscall.RawSyscall6(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&c.Args)), unsafe.Sizeof(c.Args), 0, 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	if r == 0 {
		agentStart(c)
	}
	return r, 0
}

// agentStart turns a fresh clone of the host into an agent: only its
// channel stays open, every signal gets its default disposition and is
// unblocked (a task under test has no handlers: init protection in
// kernel/signal.c sig_task_ignored applies only to SIG_DFL), and the
// process dies with the host.
//
//go:nosplit
func agentStart(c *agentCtx) {
	ch := uintptr(c.Chan)
	if ch > 0 {
		syscall.RawSyscall(unix.SYS_CLOSE_RANGE, 0, ch-1, 0)
	}
	syscall.RawSyscall(unix.SYS_CLOSE_RANGE, ch+1, uintptr(^uint32(0)), 0)
	c.Sa = kSigaction{}
	for sig := uintptr(1); sig <= 64; sig++ {
		if sig == uintptr(unix.SIGKILL) || sig == uintptr(unix.SIGSTOP) {
			continue
		}
		syscall.RawSyscall6(unix.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&c.Sa)), 0, 8, 0, 0)
	}
	// A session of its own: no process-group signal from a task can
	// ever reach the host.
	syscall.RawSyscall(unix.SYS_SETSID, 0, 0, 0)
	syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0, 0)
	c.Mask = 0
	syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&c.Mask)), 0, 8, 0, 0)
	agentLoop(c)
}

// agentReply sends c.Resp, with fd attached when fd >= 0.
//
//go:nosplit
func agentReply(c *agentCtx, fd int32) {
	if fd >= 0 {
		*(*int32)(unsafe.Pointer(&c.SCmsg[16])) = fd
		c.SMsg.Control = uintptr(unsafe.Pointer(&c.SCmsg[0]))
		c.SMsg.Controllen = cmsgRightsSpace
	} else {
		c.SMsg.Control = 0
		c.SMsg.Controllen = 0
	}
	syscall.RawSyscall(unix.SYS_SENDMSG, uintptr(c.Chan), uintptr(unsafe.Pointer(&c.SMsg)), unix.MSG_NOSIGNAL)
}

// agentDie ends the agent.
//
//go:nosplit
func agentDie(code uintptr) {
	for {
		syscall.RawSyscall(unix.SYS_EXIT_GROUP, code, 0, 0)
	}
}

// agentLoop serves requests until the channel closes.
//
//go:nosplit
func agentLoop(c *agentCtx) {
	for {
		c.RMsg.Controllen = uint64(len(c.RCmsg))
		c.RMsg.Flags = 0
		n, _, e := syscall.RawSyscall(unix.SYS_RECVMSG, uintptr(c.Chan), uintptr(unsafe.Pointer(&c.RMsg)), unix.MSG_CMSG_CLOEXEC)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 || n == 0 {
			agentDie(0) // the host is gone
		}
		fd := int32(-1)
		if c.RMsg.Controllen >= cmsgRightsLen &&
			*(*int32)(unsafe.Pointer(&c.RCmsg[8])) == unix.SOL_SOCKET &&
			*(*int32)(unsafe.Pointer(&c.RCmsg[12])) == unix.SCM_RIGHTS {
			fd = *(*int32)(unsafe.Pointer(&c.RCmsg[16]))
		}
		c.Resp = response{}
		out := int32(-1)
		switch c.Req.Op {
		case aBatch:
			// The batch closes every descriptor it received; a child
			// it forked serves its own channel from here on.
			if agentBatch(c) {
				agentSelfNSpid(c, c.B.Slot, c.B.ChildOp)
			}
			continue
		case aFork:
			c.Pidfd = -1
			// B: clone flags beyond CLONE_PIDFD (a Clone op); clone3
			// refuses an exit_signal with CLONE_PARENT or CLONE_THREAD
			// (the child then takes the caller's leader's).
			c.Args = cloneArgs{Flags: unix.CLONE_PIDFD | uint64(c.Req.B), Pidfd: uint64(uintptr(unsafe.Pointer(&c.Pidfd))), ExitSignal: uint64(unix.SIGCHLD)}
			if c.Req.B&(unix.CLONE_PARENT|unix.CLONE_THREAD) != 0 {
				c.Args.ExitSignal = 0
			}
			if c.Req.NTids > 0 && c.Req.NTids <= maxTids {
				c.Args.SetTid = uint64(uintptr(unsafe.Pointer(&c.Req.Tids[0])))
				c.Args.SetTidSize = uint64(c.Req.NTids)
			}
			r, _, e := syscall.RawSyscall6(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&c.Args)), unsafe.Sizeof(c.Args), 0, 0, 0, 0)
			if e == 0 && r == 0 {
				// The child: its channel is the received fd.
				syscall.RawSyscall(unix.SYS_CLOSE, uintptr(c.Chan), 0, 0)
				c.Chan = int64(fd)
				continue
			}
			if fd >= 0 {
				syscall.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
				fd = -1
			}
			c.Resp.Errno = int64(e)
			c.Resp.Val = int64(r)
			if e == 0 {
				out = c.Pidfd
			}
		case aExit:
			agentDie(uintptr(c.Req.A))
		case aWait:
			c.WStat = 0
			r, _, e := syscall.RawSyscall6(unix.SYS_WAIT4, uintptr(c.Req.A), uintptr(unsafe.Pointer(&c.WStat)), unix.WNOHANG, 0, 0, 0)
			c.Resp.Errno, c.Resp.Val, c.Resp.Status = int64(e), int64(r), int64(c.WStat)
		case aKill:
			_, _, e := syscall.RawSyscall(unix.SYS_KILL, uintptr(c.Req.A), uintptr(c.Req.B), 0)
			c.Resp.Errno = int64(e)
		case aUnshare:
			_, _, e := syscall.RawSyscall(unix.SYS_UNSHARE, unix.CLONE_NEWPID, 0, 0)
			c.Resp.Errno = int64(e)
		case aSetns:
			_, _, e := syscall.RawSyscall(unix.SYS_SETNS, uintptr(fd), unix.CLONE_NEWPID, 0)
			c.Resp.Errno = int64(e)
		case aGetpid:
			r, _, _ := syscall.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
			c.Resp.Val = int64(r)
		case aThread, aExitThread, aGetTid, aExec:
			out = agentThreadOp(c, fd)
		case aGetppid:
			r, _, _ := syscall.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
			c.Resp.Val = int64(r)
		case aTranslate:
			c.Info = pidfdInfo{Mask: unix.PIDFD_INFO_PID}
			_, _, e := syscall.RawSyscall(unix.SYS_IOCTL, uintptr(fd), unix.PIDFD_GET_INFO, uintptr(unsafe.Pointer(&c.Info)))
			c.Resp.Errno, c.Resp.Val = int64(e), int64(c.Info.Pid)
		case aLookup:
			// PIDFD_THREAD: a thread's number too (without it,
			// pidfd_open refuses a non-leader's number).
			r, _, e := syscall.RawSyscall(unix.SYS_PIDFD_OPEN, uintptr(c.Req.A), pidfdThread, 0)
			c.Resp.Errno = int64(e)
			if e == 0 {
				out = int32(r)
			}
		case aWriteFile:
			dirfd := int64(unix.AT_FDCWD)
			r, _, e := syscall.RawSyscall6(unix.SYS_OPENAT, uintptr(dirfd), uintptr(unsafe.Pointer(&c.Req.Path[0])), unix.O_WRONLY|unix.O_CLOEXEC, 0, 0, 0)
			if e == 0 {
				_, _, e = syscall.RawSyscall(unix.SYS_WRITE, r, uintptr(unsafe.Pointer(&c.Req.Data[0])), uintptr(c.Req.NData))
				syscall.RawSyscall(unix.SYS_CLOSE, r, 0, 0)
			}
			c.Resp.Errno = int64(e)
		default:
			replied, ok := agentGroup(c, fd)
			if !ok {
				c.Resp.Errno = int64(syscall.ENOSYS)
			}
			if replied {
				if fd >= 0 {
					syscall.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
				}
				continue
			}
		}
		if fd >= 0 {
			syscall.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
		}
		agentReply(c, out)
		if out >= 0 {
			syscall.RawSyscall(unix.SYS_CLOSE, uintptr(out), 0, 0)
		}
	}
}
