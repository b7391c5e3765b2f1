//go:build linux && (amd64 || arm64)

package oracle

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/pidcheck/pidcheck/model"
)

// groupOf is the handle of the thread-group leader of h (h itself for a
// process).
func (s *system) groupOf(h model.Handle) model.Handle {
	if l, ok := s.leader[h]; ok {
		return l
	}
	return h
}

// sameGroup reports whether two agents are tasks of one thread group.
func (s *system) sameGroup(a, b *agent) bool { return s.groupOf(a.h) == s.groupOf(b.h) }

// threadOp runs Thread, GetTid, ExitThread and Exec.
func (s *system) threadOp(a *agent, op model.Op) (res model.Result, note string, err error) {
	var req request
	switch op.Kind {
	case model.Thread:
		return s.thread(a, op, 0)
	case model.GetTid:
		req.Op = aGetTid
		resp, rfd, eof, err := s.call(a, &req, -1)
		if err != nil {
			return res, "", err
		}
		if eof {
			return res, "", fmt.Errorf("%s died during %q", a.h, op)
		}
		if rfd >= 0 {
			unix.Close(rfd)
		}
		return model.Result{N: int(resp.Val)}, "", nil
	case model.ExitThread:
		req.Op, req.A = aExitThread, int64(op.Code)
		if _, _, err := a.conn.WriteMsgUnix(bytesOf(&req), nil, nil); err != nil {
			return res, "", fmt.Errorf("%s: sending exit_thread: %w", a.h, err)
		}
		if err := s.awaitEOF(a); err != nil {
			return res, "", err
		}
		a.gone = true
		return model.Result{}, "", s.settle()
	case model.Exec:
		return s.exec(a, op)
	}
	return res, "", fmt.Errorf("op %q: not a thread op", op)
}

// thread creates a thread agent: clone3(CLONE_VM|CLONE_SIGHAND|
// CLONE_THREAD|CLONE_PIDFD, with the extra clone flags) by the actor, the
// new task serving a channel of its own; its result is its NSpid as the
// host's /proc shows it.
func (s *system) thread(a *agent, op model.Op, extra uint64) (res model.Result, note string, err error) {
	if s.agents[op.Child] != nil || op.Child < 0 {
		return model.Fail(model.EINVAL), "child handle already in use: a scenario error, EINVAL by the spec's convention", nil
	}
	delete(s.failed, op.Child)
	hc, other, err := socketpair()
	if err != nil {
		return res, "", err
	}
	req := request{Op: aThread, A: int64(extra)}
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
		return res, "", fmt.Errorf("op %q: thread answered without the thread's pidfd", op)
	}
	if s.leader == nil {
		s.leader = map[model.Handle]model.Handle{}
	}
	s.leader[op.Child] = s.groupOf(a.h)
	res, err = s.adopt(a, op, hc, pidfd, "thread")
	return res, "", err
}

// exec makes the actor exec the agent image. On success every other task
// of its thread group is gone (de_thread), and an exec by a non-leader
// has taken the leader's struct pid (exchange_tids): the host's pidfds
// follow the struct pids, so the actor takes over the leader's pidfd and
// host pid, and the old leader's handle keeps the actor's old ones, whose
// struct pid the released old leader took away.
func (s *system) exec(a *agent, op model.Op) (res model.Result, note string, err error) {
	img, err := agentImage()
	if err != nil {
		return res, "", err
	}
	req := request{Op: aExec}
	resp, rfd, eof, err := s.call(a, &req, img)
	if err != nil {
		return res, "", err
	}
	if eof {
		return res, "", fmt.Errorf("%s died during %q (the agent image did not start)", a.h, op)
	}
	if rfd >= 0 {
		unix.Close(rfd)
	}
	e, err := errnoOf(syscall.Errno(resp.Errno))
	if err != nil {
		return res, "", fmt.Errorf("op %q: execveat of the agent image: %w", op, err)
	}
	if e != model.OK {
		return res, "", fmt.Errorf("op %q: execveat of the agent image failed: %v", op, e)
	}
	a.image = true
	g := s.groupOf(a.h)
	for _, h := range s.order {
		x := s.agents[h]
		if x != a && s.groupOf(h) == g {
			x.gone = true
		}
	}
	if g != a.h {
		l := s.agents[g]
		a.pidfd, l.pidfd = l.pidfd, a.pidfd
		a.ino, l.ino = l.ino, a.ino
		a.hostPid, l.hostPid = l.hostPid, a.hostPid
		a.own, l.own = l.own, a.own
		a.rootNr, l.rootNr = l.rootNr, a.rootNr
		a.exited, l.exited = false, true
		for h, lh := range s.leader {
			if lh == g {
				s.leader[h] = a.h
			}
		}
		delete(s.leader, a.h)
		s.leader[g] = a.h
		if s.t0 == l {
			s.t0 = a
		}
	}
	return model.Result{}, "", s.settle()
}

// The agent image: the running executable with its entry point moved to
// execEntry, written once into a memfd.
var image struct {
	once sync.Once
	fd   int
	err  error
}

// agentImage returns the memfd holding the agent image.
func agentImage() (int, error) {
	image.once.Do(func() { image.fd, image.err = buildAgentImage() })
	return image.fd, image.err
}

func buildAgentImage() (int, error) {
	exe, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		return -1, fmt.Errorf("agent image: %w", err)
	}
	b, err := patchImage(exe, uint64(execEntryPC()))
	if err != nil {
		return -1, err
	}
	fd, err := unix.MemfdCreate("pidcheck-agent", unix.MFD_CLOEXEC|unix.MFD_EXEC)
	if err == unix.EINVAL { // before 6.3, no MFD_EXEC: memfds are executable
		fd, err = unix.MemfdCreate("pidcheck-agent", unix.MFD_CLOEXEC)
	}
	if err != nil {
		return -1, fmt.Errorf("agent image: memfd_create: %w", err)
	}
	for off := 0; off < len(b); {
		n, err := unix.Write(fd, b[off:])
		if err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("agent image: %w", err)
		}
		off += n
	}
	// exec refuses a file open for writing (ETXTBSY): keep a read-only
	// descriptor of the memfd only.
	ro, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fd), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	unix.Close(fd)
	if err != nil {
		return -1, fmt.Errorf("agent image: reopening the memfd: %w", err)
	}
	return ro, nil
}

// patchImage returns a copy of the ELF executable exe whose entry point
// is entry, the run-time address of execEntry. A non-PIE (ET_EXEC) image
// loses its PT_INTERP, so the kernel starts it directly at entry, without
// a dynamic loader; a PIE one keeps its loader (which relocates it) and
// gets entry relative to its load base.
func patchImage(exe []byte, entry uint64) ([]byte, error) {
	f, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		return nil, fmt.Errorf("agent image: /proc/self/exe: %w", err)
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("agent image: not a little-endian 64-bit ELF")
	}
	b := append([]byte(nil), exe...)
	le := binary.LittleEndian
	phoff, phentsize, phnum := le.Uint64(b[32:]), uint64(le.Uint16(b[54:])), uint64(le.Uint16(b[56:]))
	switch f.Type {
	case elf.ET_EXEC:
		for i := uint64(0); i < phnum; i++ {
			ph := b[phoff+i*phentsize:]
			if elf.ProgType(le.Uint32(ph)) == elf.PT_INTERP {
				le.PutUint32(ph, uint32(elf.PT_NULL))
			}
		}
	case elf.ET_DYN:
		base, err := loadBase()
		if err != nil {
			return nil, err
		}
		entry -= base
	default:
		return nil, fmt.Errorf("agent image: ELF type %v is no executable", f.Type)
	}
	le.PutUint64(b[24:], entry)
	return b, nil
}

// loadBase is the address the running PIE executable was mapped at: the
// start of the first mapping of /proc/self/exe with file offset 0.
func loadBase() (uint64, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, fmt.Errorf("agent image: %w", err)
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, fmt.Errorf("agent image: %w", err)
	}
	for _, line := range strings.Split(string(maps), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 && f[5] == exe && f[2] == "00000000" {
			lo, _, _ := strings.Cut(f[0], "-")
			return strconv.ParseUint(lo, 16, 64)
		}
	}
	return 0, fmt.Errorf("agent image: no mapping of %s at offset 0 in /proc/self/maps", exe)
}
