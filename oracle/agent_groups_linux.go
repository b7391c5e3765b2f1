//go:build linux && (amd64 || arm64)

package oracle

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Agent requests for process groups, sessions, SIGCHLD, subreapers,
// entering a children space, the two reads, and the settling probe. Their
// codes start at 100, apart from the core ones.
const (
	aSetPgid       = 100 + iota // setpgid(A, B)
	aGetPgid                    // getpgid(A)
	aSetSid                     // setsid()
	aGetSid                     // getsid(A)
	aSigChld                    // rt_sigaction(SIGCHLD): handler A (SIG_DFL 0, SIG_IGN 1), sa_flags B
	aSubreaper                  // prctl(PR_SET_CHILD_SUBREAPER, A)
	aSetNsChildren              // fd: the target's pidfd; ioctl PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE, then setns
	aReadLastPid                // read /proc/sys/kernel/ns_last_pid
	aNSpid                      // NSpid of /proc/thread-self/status: answered as an nspidResp
	aProbe                      // fd: a PID namespace; clone3 with set_tid [A, 0] from inside it (settle_linux.go)
)

// saNoCldWait is SA_NOCLDWAIT on amd64 and arm64.
const saNoCldWait = 2

// errProbeForked is the Errno a probe answers if its clone3 unexpectedly
// created a child (it never should: the outer set_tid entry is 0).
const errProbeForked = 1 << 20

// The files the reads open, NUL-terminated, in read-only data (an agent
// takes their address and allocates nothing).
const (
	pathLastPid      = "/proc/sys/kernel/ns_last_pid\x00"
	pathThreadStatus = "/proc/thread-self/status\x00"
)

// nspidResp is the answer to aNSpid: the NSpid line as the host's /proc
// shows it (outermost first), N numbers; Errno when it could not be read.
type nspidResp struct {
	Errno int64
	N     int64
	NSpid [maxNSpid]int64
}

// groupCtx is the agents' memory for the requests of this file.
type groupCtx struct {
	Tids [2]int32 // aProbe's set_tid
	NS   nspidResp
	Iov  iovec // the reply iovec of aNSpid
}

// agentGroup serves the requests of this file: it returns false for any
// other op code. fd is the descriptor received with the request (closed
// by the caller); out is a descriptor to send back (none here: -1).
// replied is true when the answer was already sent (aNSpid).
//
//go:nosplit
func agentGroup(c *agentCtx, fd int32) (replied, ok bool) {
	var r uintptr
	var e syscall.Errno
	switch c.Req.Op {
	case aSetPgid:
		_, _, e = syscall.RawSyscall(unix.SYS_SETPGID, uintptr(c.Req.A), uintptr(c.Req.B), 0)
	case aGetPgid:
		r, _, e = syscall.RawSyscall(unix.SYS_GETPGID, uintptr(c.Req.A), 0, 0)
	case aSetSid:
		r, _, e = syscall.RawSyscall(unix.SYS_SETSID, 0, 0, 0)
	case aGetSid:
		r, _, e = syscall.RawSyscall(unix.SYS_GETSID, uintptr(c.Req.A), 0, 0)
	case aSigChld:
		c.Sa = kSigaction{Handler: uintptr(c.Req.A), Flags: uint64(c.Req.B)}
		_, _, e = syscall.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&c.Sa)), 0, 8, 0, 0)
	case aSubreaper:
		_, _, e = syscall.RawSyscall6(unix.SYS_PRCTL, unix.PR_SET_CHILD_SUBREAPER, uintptr(c.Req.A), 0, 0, 0, 0)
	case aSetNsChildren:
		var ns uintptr
		ns, _, e = syscall.RawSyscall(unix.SYS_IOCTL, uintptr(fd), unix.PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE, 0)
		if e == 0 {
			_, _, e = syscall.RawSyscall(unix.SYS_SETNS, ns, unix.CLONE_NEWPID, 0)
			syscall.RawSyscall(unix.SYS_CLOSE, ns, 0, 0)
		}
	case aReadLastPid:
		n := agentReadFile(c, uintptr(unsafe.Pointer(unsafe.StringData(pathLastPid))))
		if n < 0 {
			e = syscall.Errno(-n)
		} else {
			r = uintptr(agentParseInt(c, n))
		}
	case aNSpid:
		agentReadNSpid(c)
		c.G.Iov = iovec{Base: uintptr(unsafe.Pointer(&c.G.NS)), Len: uint64(unsafe.Sizeof(c.G.NS))}
		c.SMsg.Iov = uintptr(unsafe.Pointer(&c.G.Iov))
		agentReply(c, -1)
		c.SMsg.Iov = uintptr(unsafe.Pointer(&c.SIov))
		return true, true
	case aProbe:
		e = agentProbe(c, fd)
	default:
		return false, false
	}
	c.Resp.Errno, c.Resp.Val = int64(e), int64(r)
	return false, true
}

// agentReadFile reads a whole small file into c.B.Buf: the byte count, or
// minus the errno.
//
//go:nosplit
func agentReadFile(c *agentCtx, path uintptr) int {
	fd, _, e := syscall.RawSyscall6(unix.SYS_OPENAT, uintptr(atFdcwd), path, unix.O_RDONLY|unix.O_CLOEXEC, 0, 0, 0)
	if e != 0 {
		return -int(e)
	}
	n := 0
	for n < bufSize {
		k, _, e := syscall.RawSyscall6(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&c.B.Buf[n&(bufSize-1)])), uintptr(bufSize-n), 0, 0, 0)
		if e == syscall.EINTR {
			continue
		}
		if e != 0 {
			syscall.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
			return -int(e)
		}
		if k == 0 {
			break
		}
		n += int(k)
	}
	syscall.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
	if n > bufSize {
		n = bufSize
	}
	return n
}

// agentParseInt parses the decimal number (maybe negative) at the start of
// c.B.Buf[:n].
//
//go:nosplit
func agentParseInt(c *agentCtx, n int) int64 {
	v, neg := int64(0), false
	for i := 0; i < n; i++ {
		ch := c.B.Buf[i&(bufSize-1)]
		switch {
		case i == 0 && ch == '-':
			neg = true
		case ch >= '0' && ch <= '9':
			v = v*10 + int64(ch-'0')
		default:
			i = n
		}
	}
	if neg {
		return -v
	}
	return v
}

// agentReadNSpid reads the caller's own NSpid line into c.G.NS.
//
//go:nosplit
func agentReadNSpid(c *agentCtx) {
	c.G.NS.Errno, c.G.NS.N = 0, 0
	n := agentReadFile(c, uintptr(unsafe.Pointer(unsafe.StringData(pathThreadStatus))))
	if n < 0 {
		c.G.NS.Errno = int64(-n)
		return
	}
	buf := &c.B.Buf
	at := -1
	for i := 0; i+6 <= n; i++ {
		if (i == 0 || buf[(i-1)&(bufSize-1)] == '\n') && buf[i&(bufSize-1)] == 'N' && buf[(i+1)&(bufSize-1)] == 'S' &&
			buf[(i+2)&(bufSize-1)] == 'p' && buf[(i+3)&(bufSize-1)] == 'i' && buf[(i+4)&(bufSize-1)] == 'd' && buf[(i+5)&(bufSize-1)] == ':' {
			at = i + 6
			break
		}
	}
	if at < 0 {
		c.G.NS.Errno = int64(syscall.ENOENT)
		return
	}
	cnt := int64(0)
	cur, in := int64(0), false
	for k := at; k <= n; k++ {
		ch := byte('\n')
		if k < n {
			ch = buf[k&(bufSize-1)]
		}
		if ch >= '0' && ch <= '9' {
			cur, in = cur*10+int64(ch-'0'), true
		} else {
			if in && cnt < maxNSpid {
				c.G.NS.NSpid[cnt&(maxNSpid-1)] = cur
				cnt++
			}
			cur, in = 0, false
		}
		if ch == '\n' {
			break
		}
	}
	c.G.NS.N = cnt
}

// agentProbe asks whether number A is taken in the PID namespace fd:
// setns to it for children, then clone3 with set_tid [A, 0]. alloc_pid
// (kernel/pid.c) takes A at that level with idr_alloc (no cursor moves),
// or answers EEXIST when A is in use; it then rejects the 0 of the next
// level with EINVAL and removes A again. So EEXIST: taken; EINVAL: free;
// nothing changes either way.
//
//go:nosplit
func agentProbe(c *agentCtx, fd int32) syscall.Errno {
	_, _, e := syscall.RawSyscall(unix.SYS_SETNS, uintptr(fd), unix.CLONE_NEWPID, 0)
	if e != 0 {
		return e
	}
	c.G.Tids[0], c.G.Tids[1] = int32(c.Req.A), 0
	c.Args = cloneArgs{ExitSignal: 0, SetTid: uint64(uintptr(unsafe.Pointer(&c.G.Tids[0]))), SetTidSize: 2}
	r, _, e := syscall.RawSyscall6(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&c.Args)), unsafe.Sizeof(c.Args), 0, 0, 0, 0)
	if e == 0 && r == 0 {
		agentDie(0) // never: a child of a probe ends at once
	}
	if e == 0 {
		return errProbeForked
	}
	return e
}

// cloneProbe clones the host's probe agent: a raw child of the host in
// the host's own PID namespace (no CLONE_NEWPID), called like cloneT0 on
// a locked thread with every signal blocked.
//
//go:nosplit
func cloneProbe(c *agentCtx) (pid uintptr, errno syscall.Errno) {
	c.Args = cloneArgs{Flags: unix.CLONE_PIDFD, Pidfd: uint64(uintptr(unsafe.Pointer(&c.Pidfd))), ExitSignal: uint64(unix.SIGCHLD)}
	r, _, e := syscall.RawSyscall6(unix.SYS_CLONE3, uintptr(unsafe.Pointer(&c.Args)), unsafe.Sizeof(c.Args), 0, 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	if r == 0 {
		agentStart(c)
	}
	return r, 0
}
