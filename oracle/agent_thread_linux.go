//go:build linux && (amd64 || arm64)

//lint:file-ignore U1000 the thread and exec entry points and their words are used from thread_*.s, which staticcheck does not read

package oracle

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Thread agents and exec'd agents (see the package doc, "Threads and
// exec").
//
// A thread agent is a task of its creator's thread group:
// clone3(CLONE_VM|CLONE_SIGHAND|CLONE_THREAD|CLONE_SETTLS|CLONE_PIDFD),
// without CLONE_FILES, so it has a descriptor table of its own and its
// channel closes when it exits, whichever thread it is. Its stack and its
// agentCtx live in one region the creating agent maps with a raw mmap:
// [stack | agentCtx | stand-in g | TLS word]. Threads share the address
// space, so nothing of an agent is global: every scratch byte is in the
// agentCtx of the thread that runs, and the new thread's context is a copy
// of its creator's, rewired to its own buffers. The stand-in g is zeroed
// memory (stack guard 0) that the thread's TLS (amd64: -8(FS)) or g
// register (arm64: R28) points at, so no code in the thread reads the
// host's g.
//
// An exec'd agent runs the agent image: the running executable with its
// entry point moved to execEntry (thread_*.s) and, for a non-PIE binary,
// without PT_INTERP, so the kernel maps it and jumps straight into the
// agent code; no dynamic loader and no Go runtime start, so no thread is
// created and no number taken. The host writes the image once into a
// memfd and sends it with each exec request; the exec'ing agent moves its
// channel to execChan (without close-on-exec) and calls execveat; the new
// image's agent answers the exec request on execChan and serves it from
// there on.

// Agent op codes of the thread ops (kept apart from the shared list).
const (
	aThread = iota + 200 // clear of the group ops (100…)
	aExitThread
	aGetTid
	aExec
)

// execChan is the descriptor an exec'd agent's channel has.
const execChan = 999

// Thread regions.
const (
	threadStack  = 64 << 10
	threadGOff   = (unsafe.Sizeof(agentCtx{}) + 15) &^ 15 // from the thread's context to its stand-in g
	threadGSize  = 1024
	threadRegion = (threadStack + threadGOff + threadGSize + 16 + 4095) &^ 4095
	pidfdThread  = unix.O_EXCL // PIDFD_THREAD
)

// threadScratch is the part of an agentCtx only the thread ops use.
type threadScratch struct {
	Parent int64      // a new thread: its creator's channel, which it closes first
	Argv   [2]uintptr // exec: argv: Arg0, NULL
	Envp   [2]uintptr // exec: envp: NULL
	Arg0   [16]byte   // "pidcheck-agent"
	Empty  [8]byte    // "" (execveat AT_EMPTY_PATH)
}

// execCtx, execG and execTLS are an exec'd agent's context, stand-in g
// and TLS words (zero in the host, unused there).
var (
	execCtx agentCtx
	execG   [threadGSize / 8]uint64
	execTLS [2]uintptr
)

// threadClone and threadStart (thread_*.s) create a thread agent;
// execEntry is the agent image's entry point and execEntryPC its address.
func threadClone(args *cloneArgs, size uintptr, c *agentCtx) (r, errno uintptr)
func threadStart()
func execEntry()
func execEntryPC() uintptr

// wireCtx points a context's message headers at its own buffers and sets
// its constant fields. It writes no Go pointers.
//
//go:nosplit
func wireCtx(c *agentCtx) {
	c.RIov = iovec{Base: uintptr(unsafe.Pointer(&c.Req)), Len: uint64(unsafe.Sizeof(c.Req))}
	c.RMsg = msghdr{Iov: uintptr(unsafe.Pointer(&c.RIov)), Iovlen: 1, Control: uintptr(unsafe.Pointer(&c.RCmsg[0]))}
	c.SIov = iovec{Base: uintptr(unsafe.Pointer(&c.Resp)), Len: uint64(unsafe.Sizeof(c.Resp))}
	c.SMsg = msghdr{Iov: uintptr(unsafe.Pointer(&c.SIov)), Iovlen: 1, Control: uintptr(unsafe.Pointer(&c.SCmsg[0]))}
	copy(c.B.Status[:], "/proc/self/status\x00")
	c.B.Nap.Nsec = 20000
	*(*uint64)(unsafe.Pointer(&c.SCmsg[0])) = cmsgRightsLen
	*(*int32)(unsafe.Pointer(&c.SCmsg[8])) = unix.SOL_SOCKET
	*(*int32)(unsafe.Pointer(&c.SCmsg[12])) = unix.SCM_RIGHTS
	copy(c.X.Arg0[:], "pidcheck-agent\x00")
	c.X.Empty[0] = 0
}

// agentThreadOp runs a thread op for agentLoop: fd is the descriptor the
// request carried (aThread: the new thread's channel; aExec: the agent
// image). It returns the descriptor to send back (aThread: the thread's
// pidfd), -1 for none. aExitThread and a successful aExec do not return.
//
//go:nosplit
func agentThreadOp(c *agentCtx, fd int32) int32 {
	switch c.Req.Op {
	case aThread:
		return agentThread(c, fd)
	case aExitThread:
		for {
			syscall.RawSyscall(unix.SYS_EXIT, uintptr(c.Req.A), 0, 0)
		}
	case aGetTid:
		r, _, _ := syscall.RawSyscall(unix.SYS_GETTID, 0, 0, 0)
		c.Resp.Val = int64(r)
	case aExec:
		agentExec(c, fd)
	}
	return -1
}

// agentThread creates a thread agent serving channel fd.
//
//go:nosplit
func agentThread(c *agentCtx, fd int32) int32 {
	if fd < 0 {
		c.Resp.Errno = int64(syscall.EINVAL)
		return -1
	}
	base, _, e := syscall.RawSyscall6(unix.SYS_MMAP, 0, threadRegion, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_STACK, ^uintptr(0), 0)
	if e != 0 {
		c.Resp.Errno = int64(e)
		return -1
	}
	ctxAddr := base + threadStack
	// Reinterpret the address's bits: the region is no Go memory.
	tc := *(**agentCtx)(unsafe.Pointer(&ctxAddr))
	// A byte copy: no write barrier for the pointer field Shm (the agent
	// has no runtime to run one).
	*(*[unsafe.Sizeof(agentCtx{})]byte)(unsafe.Pointer(tc)) = *(*[unsafe.Sizeof(agentCtx{})]byte)(unsafe.Pointer(c))
	wireCtx(tc)
	tc.Chan = int64(fd)
	tc.X.Parent = c.Chan
	g := ctxAddr + threadGOff
	tls := g + threadGSize
	**(**uintptr)(unsafe.Pointer(&tls)) = g
	c.Pidfd = -1
	// Field by field: a composite literal would be built on the stack,
	// and the nosplit chain from cloneT0 down to here has little room.
	c.Args = cloneArgs{}
	// Req.A: the Clone op's other flags (CLONE_PARENT, CLONE_NEWPID), for
	// copy_process to judge with CLONE_THREAD.
	c.Args.Flags = unix.CLONE_VM | unix.CLONE_SIGHAND | unix.CLONE_THREAD | unix.CLONE_SETTLS | unix.CLONE_PIDFD | uint64(c.Req.A)
	c.Args.Pidfd = uint64(uintptr(unsafe.Pointer(&c.Pidfd)))
	c.Args.Stack = uint64(base)
	c.Args.StackSize = threadStack
	c.Args.TLS = uint64(tls + 8)
	r, errno := threadClone(&c.Args, unsafe.Sizeof(c.Args), tc)
	if errno != 0 {
		syscall.RawSyscall(unix.SYS_MUNMAP, base, threadRegion, 0)
		c.Resp.Errno = int64(errno)
		return -1
	}
	c.Resp.Val = int64(r)
	return c.Pidfd
}

// agentThreadMain is where a new thread agent starts (threadStart): it
// closes its creator's channel, which its own copy of the descriptor
// table holds, and serves its own.
//
//go:nosplit
func agentThreadMain(c *agentCtx) {
	syscall.RawSyscall(unix.SYS_CLOSE, uintptr(c.X.Parent), 0, 0)
	agentLoop(c)
	for {
		syscall.RawSyscall(unix.SYS_EXIT, 0, 0, 0)
	}
}

// agentExec execs the agent image fd. It returns only when execveat
// failed, with the errno in c.Resp.
//
//go:nosplit
func agentExec(c *agentCtx, fd int32) {
	if fd < 0 {
		c.Resp.Errno = int64(syscall.EINVAL)
		return
	}
	ch := uintptr(c.Chan)
	if ch != execChan {
		if _, _, e := syscall.RawSyscall(unix.SYS_DUP3, ch, execChan, 0); e != 0 {
			c.Resp.Errno = int64(e)
			return
		}
	}
	c.X.Argv[0] = uintptr(unsafe.Pointer(&c.X.Arg0[0]))
	c.X.Argv[1] = 0
	c.X.Envp[0] = 0
	_, _, e := syscall.RawSyscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(&c.X.Empty[0])),
		uintptr(unsafe.Pointer(&c.X.Argv[0])), uintptr(unsafe.Pointer(&c.X.Envp[0])), unix.AT_EMPTY_PATH, 0)
	if ch != execChan {
		syscall.RawSyscall(unix.SYS_CLOSE, execChan, 0, 0)
	}
	c.Resp.Errno = int64(e)
}

// agentExecMain is where an exec'd agent starts (execEntry): it answers
// the exec request and serves its channel.
//
//go:nosplit
func agentExecMain() {
	c := &execCtx
	wireCtx(c)
	c.Chan = execChan
	c.Resp = response{}
	agentReply(c, -1)
	agentLoop(c)
	agentDie(0)
}
