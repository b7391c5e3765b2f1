package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/pidcheck/pidcheck/checker"
)

// Supervision. Code under test can end the process that runs it: os.Exit(0)
// from an Apply would end pidcheck check with a silent exit 0 (a false pass
// in CI), a stack overflow or a panic in a goroutine it started itself ends
// it with Go's exit 2 (which means bad input here), and the kernel's OOM
// killer ends it with SIGKILL. So check and zoo run their exploration in a
// child process — this executable again, marked by envChildFD — and the
// parent exits with the status the child reports, as its last act, on an
// extra file descriptor. A child that ends without reporting died: the
// parent says how, writes a trace of every schedule that was running (the
// child names each before it runs it) and exits 1. The child inherits
// stdout and stderr, so its output is the parent's.

const (
	// envChildFD marks the supervised child; its value is the descriptor
	// the child reports on. Internal: set only by the supervisor.
	envChildFD = "PIDCHECK_SUPERVISED_FD"
	// envUnsupervised, set to anything, explores in the process itself, as
	// before supervision: for debugging (a debugger, a profiler, a core
	// dump of the process that died).
	envUnsupervised = "PIDCHECK_UNSUPERVISED"
)

// supervised reports whether a command of cfg's explores in a child.
func (cfg *config) supervised() bool {
	return canSupervise && cfg.supervise && cfg.report == nil && os.Getenv(envUnsupervised) == ""
}

// plan is what a supervisor needs to report a child that died: the
// implementations explored and how, to rebuild the scenario that ran.
type plan struct {
	cmd   string   // "check", "zoo"
	names []string // entry k's implementation
	// options are entry k's target and the options it was explored with.
	options func(k int) (checker.Target, checker.ExploreOptions)
	// rerun is the command that runs entry k's exploration up to schedule
	// s, on one worker (the process dies there again); started is how many
	// schedules of entry k had started, on every worker.
	rerun  func(k int, s checker.ScheduleStart, started int) string
	out    string // where traces go
	suffix string // after the implementation's name (the shard)
	// deathJSON prints the --json output of a child that died: one result
	// per death, the output's usual shape. nil: no --json.
	deathJSON func(w io.Writer, deaths []death) error
}

// death is a schedule that was running when the child died.
type death struct {
	k      int                   // the entry
	start  checker.ScheduleStart // what ran
	reason string
	// schedules the child started of entry k (this one included), and
	// the time until it died
	schedules int
	elapsed   time.Duration
	path      string // the trace written, "" when none
	werr      error  // why it was not
}

// inFlight is what the child said: the schedules running (per entry and
// worker, from the slots), how many each entry started, and its status.
type inFlight struct {
	running   map[[2]int]checker.ScheduleStart
	shrinking map[[2]int]bool // running[key] found a violation being shrunk, its trace saved (true) or not
	started   map[int]int     // schedules started, per entry
	status    int
	done      bool // the child's status arrived
}

// readStatus reads the child's status line, until the pipe closes.
func (f *inFlight) readStatus(r io.Reader) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "r ")
		if !ok {
			continue
		}
		var v struct{ Status *int }
		if json.Unmarshal([]byte(line), &v) == nil && v.Status != nil {
			f.status, f.done = *v.Status, true
		}
	}
}

// readSlots reads the slots the child left in shm.
func (f *inFlight) readSlots(shm *os.File) {
	b, err := io.ReadAll(io.NewSectionReader(shm, 0, 1<<40))
	if err != nil {
		return
	}
	for off := 0; off+slotSize <= len(b); off += slotSize {
		w := func(i int) uint64 { return binary.NativeEndian.Uint64(b[off+8*i:]) }
		k := int(w(wEntry))
		f.started[k] += int(w(wCount))
		state := w(wState)
		if state != slotRunning && state != slotShrinking && state != slotShrinkingUnsaved {
			continue
		}
		s := checker.ScheduleStart{Worker: int(w(wWork)), Scenario: int(w(wScenario)), Schedule: int(w(wSched)), Seed: w(wSd)}
		f.running[[2]int{k, s.Worker}] = s
		if state != slotRunning {
			f.shrinking[[2]int{k, s.Worker}] = state == slotShrinking
		}
	}
}

// supervise runs this command again in a child process and exits with the
// status the child reports; a child that ends without one died, and p
// says what it was doing.
func supervise(cfg *config, stdout, stderr io.Writer, p *plan) error {
	// The child is killed when the thread that started it ends
	// (Pdeathsig): keep this one until the child is gone.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find this executable to explore in a child process: %v (set %s=1 to explore unsupervised)", err, envUnsupervised)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	defer pr.Close()
	shm, err := os.CreateTemp("", "pidcheck-slots-*")
	if err != nil {
		pw.Close()
		return fmt.Errorf("cannot create the file the exploration's process reports in: %v (set %s=1 to explore unsupervised)", err, envUnsupervised)
	}
	os.Remove(shm.Name()) // open, it lives as long as the two processes
	defer shm.Close()
	child := &exec.Cmd{
		Path:        exe,
		Args:        append([]string{os.Args[0]}, cfg.args...),
		Env:         append(os.Environ(), envChildFD+"=3"),
		Stdout:      stdout,
		Stderr:      stderr,
		ExtraFiles:  []*os.File{pw, shm}, // fd 3 and 4
		SysProcAttr: childSysProcAttr(),
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil {
		pw.Close()
		return fmt.Errorf("cannot start the exploration's process: %v (set %s=1 to explore unsupervised)", err, envUnsupervised)
	}
	pw.Close()
	start := time.Now()
	fl := &inFlight{running: map[[2]int]checker.ScheduleStart{}, shrinking: map[[2]int]bool{}, started: map[int]int{}}
	readDone := make(chan struct{})
	go func() { fl.readStatus(pr); close(readDone) }()
	waited := make(chan error, 1)
	go func() { waited <- child.Wait() }()
	forwarded := 0
	var werr error
wait:
	for {
		select {
		case s := <-sigs:
			forwarded++
			child.Process.Signal(s) // the child stops (the second kills it)
		case werr = <-waited:
			break wait
		}
	}
	// A descendant of the child may hold the pipe open: do not wait for
	// it long.
	pr.SetReadDeadline(time.Now().Add(2 * time.Second))
	<-readDone
	if fl.done {
		return statusErr(fl.status)
	}
	fl.readSlots(shm)
	var ee *exec.ExitError
	if werr != nil && !errors.As(werr, &ee) {
		return fmt.Errorf("waiting for the exploration's process: %v", werr)
	}
	return p.died(stdout, stderr, child.ProcessState, forwarded, fl, time.Since(start))
}
