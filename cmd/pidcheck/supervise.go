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
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/traces"
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

// reporter is the supervised child's side. Before each schedule the
// child records what it runs in a slot of a file it shares with the parent
// (fd 4, mapped in memory: a few stores per schedule, no system call), one
// slot per entry and worker; the parent reads the slots after a death. As
// its last act the child writes its exit status on fd 3, one line:
//
//	r {"status":N}
type reporter struct {
	f     *os.File // fd 3: the status
	shm   *os.File // fd 4: the slots
	slots []byte   // shm mapped; nil when it could not be
	per   int      // slots per entry: the workers of one exploration
}

// A slot is slotWords little-endian (native) words: its state, the
// entry, the worker, the scenario, the schedule, the seed and how many
// schedules the worker started. The state is stored last.
const (
	slotWords              = 8
	slotSize               = 8 * slotWords
	slotIdle, slotRunning  = 0, 1
	slotEnded              = 2
	slotShrinking          = 3 // the violation found in it is being shrunk, its trace saved
	slotShrinkingUnsaved   = 4 // the same, its trace could not be saved
	wState, wEntry, wWork  = 0, 1, 2
	wScenario, wSched, wSd = 3, 4, 5
	wCount                 = 6
)

// childReporter is the reporter of a supervised child, nil in any other
// process.
func childReporter() (*reporter, error) {
	v := os.Getenv(envChildFD)
	if v == "" {
		return nil, nil
	}
	os.Unsetenv(envChildFD) // a pidcheck the code under test runs is no child of ours
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("%s=%q: internal to pidcheck, leave it unset", envChildFD, v)
	}
	return &reporter{f: os.NewFile(uintptr(fd), "pidcheck-status"), shm: os.NewFile(uintptr(fd+1), "pidcheck-slots")}, nil
}

// setup sizes and maps the slots for entries explorations of workers
// workers each. Without them the child still runs and reports its status;
// a death is then reported without what was running.
func (r *reporter) setup(entries, workers int) error {
	if r == nil {
		return nil
	}
	size := entries * workers * slotSize
	if size == 0 {
		return nil
	}
	if err := r.shm.Truncate(int64(size)); err != nil {
		return err
	}
	b, err := mapShared(r.shm, size)
	if err != nil {
		return err
	}
	r.slots, r.per = b, workers
	return nil
}

// word is word i of slot n.
func (r *reporter) word(n, i int) *uint64 {
	return (*uint64)(unsafe.Pointer(&r.slots[n*slotSize+8*i]))
}

// onSchedule is the ExploreOptions.OnSchedule of entry k: nil outside a
// supervised child.
func (r *reporter) onSchedule(k int) func(checker.ScheduleStart) {
	if r == nil || r.slots == nil {
		return nil
	}
	return func(s checker.ScheduleStart) {
		if s.Worker < 0 || s.Worker >= r.per {
			return
		}
		n := k*r.per + s.Worker
		atomic.StoreUint64(r.word(n, wState), slotIdle)
		atomic.StoreUint64(r.word(n, wEntry), uint64(k))
		atomic.StoreUint64(r.word(n, wWork), uint64(s.Worker))
		atomic.StoreUint64(r.word(n, wScenario), uint64(s.Scenario))
		atomic.StoreUint64(r.word(n, wSched), uint64(s.Schedule))
		atomic.StoreUint64(r.word(n, wSd), s.Seed)
		atomic.AddUint64(r.word(n, wCount), 1)
		atomic.StoreUint64(r.word(n, wState), slotRunning)
	}
}

// shrinking records that entry k's exploration is over and that the
// violation it found in the schedule of seed is being shrunk; saved: its
// trace as found is written.
func (r *reporter) shrinking(k int, seed uint64, saved bool) {
	if r == nil || r.slots == nil {
		return
	}
	state := uint64(slotShrinkingUnsaved)
	if saved {
		state = slotShrinking
	}
	for w := range r.per {
		n := k*r.per + w
		if atomic.LoadUint64(r.word(n, wState)) == slotRunning && atomic.LoadUint64(r.word(n, wSd)) == seed {
			atomic.StoreUint64(r.word(n, wState), state)
		} else {
			atomic.StoreUint64(r.word(n, wState), slotEnded)
		}
	}
}

// ended records that entry k's exploration is over (shrinking included).
func (r *reporter) ended(k int) {
	if r == nil || r.slots == nil {
		return
	}
	for w := range r.per {
		atomic.StoreUint64(r.word(k*r.per+w, wState), slotEnded)
	}
}

// finish reports the child's exit status: the parent exits with it.
func (r *reporter) finish(status int) {
	fmt.Fprintf(r.f, "r {\"status\":%d}\n", status)
	r.f.Close()
}

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
	// s, on one worker (the process dies there again).
	rerun  func(k int, s checker.ScheduleStart) string
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

// died reports a child that ended without its status: how it ended, and
// a trace of each schedule that was running.
func (p *plan) died(stdout, stderr io.Writer, ps *os.ProcessState, forwarded int, fl *inFlight, elapsed time.Duration) error {
	running := fl.running
	how, hint := ps.String(), ""
	ws, _ := ps.Sys().(syscall.WaitStatus)
	interrupted := false
	switch {
	case ws.Signaled() && (ws.Signal() == syscall.SIGINT || ws.Signal() == syscall.SIGTERM) && forwarded > 0:
		// check stops cleanly at the first signal and dies at the second;
		// zoo dies at the first.
		hint = "stopped at once by the signal pidcheck was sent: interrupted"
		interrupted = true
	case ws.Signaled() && ws.Signal() == syscall.SIGKILL:
		hint = "killed: out of memory (the kernel's OOM killer), or by a person"
	case ws.Signaled():
		hint = "killed by a signal"
	case ws.ExitStatus() == 0:
		hint = "it exited without a result: the code under test called os.Exit"
	case ws.ExitStatus() == 2:
		hint = "a Go fatal error (stack overflow, out of memory, concurrent map writes, a deadlock of every goroutine) or a panic in a goroutine the code under test started itself: its message is above"
	default:
		hint = "it exited without a result: the code under test called os.Exit"
	}
	reason := fmt.Sprintf("the exploration died: %s (%s)", how, hint)
	fmt.Fprintf(stderr, "pidcheck: %s; not a pass\n", reason)
	keys := make([][2]int, 0, len(running))
	for key := range running {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return running[a].Scenario - running[b].Scenario
	})
	if len(keys) == 0 {
		fmt.Fprintf(stderr, "  no schedule was running: it died between schedules (while judging or shrinking a run, or in a goroutine the code under test left behind)\n")
	}
	if len(keys) > 1 {
		fmt.Fprintf(stderr, "  %d schedules were running (or being shrunk) at once: one of them (or a goroutine an earlier one left behind) died\n", len(keys))
	}
	perEntry := map[int]int{}
	for _, key := range keys {
		perEntry[key[0]]++
	}
	var deaths []death
	for _, key := range keys {
		d := death{k: key[0], start: running[key], reason: reason, schedules: fl.started[key[0]], elapsed: elapsed}
		name := p.names[d.k] + p.suffix + ".crashed"
		if perEntry[d.k] > 1 {
			name += "." + strconv.Itoa(d.start.Scenario)
		}
		d.path = filepath.Join(p.out, name+".trace")
		rerun := p.rerun(d.k, d.start)
		if saved, ok := fl.shrinking[key]; ok {
			// The violation was found, and saved as found: that trace
			// replays; the death came while shrinking it.
			d.path = filepath.Join(p.out, p.names[d.k]+p.suffix+".trace")
			if !saved {
				d.path, d.werr = "", errors.New("the violation as found could not be saved")
			}
			d.reason += "; while shrinking the violation found in scenario " + strconv.Itoa(d.start.Scenario)
			fmt.Fprintf(stderr, "  %s: it died while shrinking the violation found in scenario %d (schedule %d, seed %d)\n", p.names[d.k], d.start.Scenario, d.start.Schedule, d.start.Seed)
			if d.path != "" {
				fmt.Fprintf(stderr, "  trace: %s (the violation as found, not shrunk)\n  reproduce: %s replay %s\n", d.path, selfCommand(), d.path)
			} else {
				fmt.Fprintf(stderr, "  trace: not written: %v\n  rerun: %s\n", d.werr, rerun)
			}
			deaths = append(deaths, d)
			continue
		}
		if d.werr = p.writeCrash(d, rerun); d.werr != nil {
			d.path = ""
		}
		fmt.Fprintf(stderr, "  %s: scenario %d (schedule %d, seed %d) was running\n", p.names[d.k], d.start.Scenario, d.start.Schedule, d.start.Seed)
		if d.path != "" {
			fmt.Fprintf(stderr, "  trace: %s (the scenario and the seed, verdict unknown: no decisions were recorded)\n", d.path)
		} else {
			fmt.Fprintf(stderr, "  trace: not written: %v\n", d.werr)
		}
		fmt.Fprintf(stderr, "  rerun: %s\n", rerun)
		deaths = append(deaths, d)
	}
	if p.deathJSON != nil {
		if err := p.deathJSON(stdout, deaths); err != nil {
			return err
		}
	}
	if interrupted {
		return withStatus(exitUnknown)
	}
	return withStatus(exitViolation)
}

// writeCrash writes the trace of death d: the scenario that was running
// and its seed, verdict unknown, the death as its reason.
func (p *plan) writeCrash(d death, rerun string) error {
	target, o := p.options(d.k)
	sc, err := checker.ScenarioAt(target, o, d.start.Scenario)
	if err != nil {
		return err
	}
	strategy := string(o.Strategy)
	if strategy == "" {
		strategy = string(checker.DefaultStrategy)
	}
	t := &traces.Trace{
		Impl: target.Name, Spec: string(target.Spec), Policy: target.Policy,
		Strategy: strategy, Seed: d.start.Seed, Reproduce: rerun, Scenario: sc,
		Verdict: traces.Verdict{Outcome: traces.Unknown},
		Reason: fmt.Sprintf("%s while running schedule %d of scenario %d (seed %d) of this exploration;\n"+
			"no decisions were recorded: this trace holds the scenario and the seed, and does not replay;\n"+
			"rerun the exploration up to it: %s", d.reason, d.start.Schedule, d.start.Scenario, d.start.Seed, rerun),
	}
	if err := os.MkdirAll(p.out, 0o755); err != nil {
		return err
	}
	return traces.WriteFile(d.path, t)
}
