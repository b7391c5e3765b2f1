package checker

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// CheckOptions configure Check and Fuzz: what the implementation claims and
// how hard to look.
type CheckOptions struct {
	// Spec is the spec the implementation claims to follow (required):
	// model.SpecAlloc for an allocator, model.SpecLinux for a whole PID
	// system.
	Spec   model.SpecName
	Policy model.Policy // the strongest policy it claims (default model.Cyclic)

	Strategy  Strategy      // default DefaultStrategy (PCT)
	Schedules int           // schedules to run; 0 (and no Time): 1000
	Time      time.Duration // wall-clock budget; when set, Schedules 0 means no count limit
	Seed      uint64        // the base seed

	Gen GenOptions // threads, ops, parameters, op kinds the implementation does not support
	Run RunOptions // step bound, watchdog, porcupine's budget

	// Name names the implementation in results and traces (default: the
	// test's name). Its trace is <Name>.trace.
	Name string

	// TraceDir is where a failing trace is written (default
	// testdata/pidcheck, next to the test).
	TraceDir string

	// Update, like the environment variable PIDCHECK_UPDATE=1, deletes a
	// saved trace that no longer reproduces instead of failing the test on
	// it; a new failure found afterwards is saved in its place.
	Update bool
}

func (o CheckOptions) explore() ExploreOptions {
	return ExploreOptions{Strategy: o.Strategy, Schedules: o.Schedules, Time: o.Time, Seed: o.Seed,
		Gen: o.Gen, Run: o.Run, Shrink: true}
}

// target is what Check or Fuzz, called from tb, checks.
func (o CheckOptions) target(tb testing.TB, newImpl NewImpl) (Target, error) {
	name := o.Name
	if name == "" {
		name = tb.Name()
	}
	return Target{Name: name, Spec: o.Spec, Policy: o.Policy, New: newImpl}.valid()
}

func (o CheckOptions) update() bool { return o.Update || os.Getenv("PIDCHECK_UPDATE") == "1" }

func (o CheckOptions) tracePath(name string) string {
	dir := o.TraceDir
	if dir == "" {
		dir = filepath.Join("testdata", "pidcheck")
	}
	return filepath.Join(dir, safeName(name)+".trace")
}

// Check explores a user's own implementation from a test: newImpl builds a
// fresh instance (written against sched.Env) and o says which spec and
// policy it claims and how hard to look. On a violation Check shrinks it,
// writes the trace to testdata/pidcheck/<TestName>.trace and fails the
// test with one banner: what broke, the spec's reason, the trace, and the
// go test command that reproduces it. Every later Check of that test
// replays the saved trace before exploring anything new (as rapid re-runs
// its fail file), so a saved failure fails every run until it is fixed;
// once it no longer reproduces, the test fails once more saying so, with
// the command that removes it. A run porcupine could not decide fails the
// test too: Unknown is never a pass.
func Check(t testing.TB, newImpl NewImpl, o CheckOptions) {
	t.Helper()
	target, err := o.target(t, newImpl)
	if err != nil {
		t.Fatalf("checker.Check: %v", err)
	}
	path := o.tracePath(target.Name)
	cmd := testCommand(t.Name())
	if replaySaved(t, target, path, cmd, o.update()) {
		return
	}
	rep, err := Explore(target, o.explore())
	if err != nil {
		t.Fatalf("checker.Check: %v", err)
	}
	report(t, rep, path, cmd)
}

// report ends a test's exploration: a log line when it passed, else the
// banner (with the trace written) or the undecided run.
func report(t testing.TB, rep *Report, path, cmd string) {
	t.Helper()
	switch rep.Verdict.Outcome {
	case traces.Ok:
		t.Logf("pidcheck: %s: ok after %d schedules of %d scenarios (%v)", rep.Impl, rep.Schedules, rep.Scenarios, rep.Elapsed.Round(time.Millisecond))
	case traces.Unknown:
		why := "the exploration was canceled"
		if rep.Unknown != nil {
			why = rep.Unknown.Reason
		}
		t.Errorf("pidcheck: %s: inconclusive after %d schedules, not a pass: %s", rep.Impl, rep.Schedules, why)
	case traces.Violation:
		werr := writeTrace(path, rep.Found, cmd)
		t.Errorf("%s", Banner(rep.Found, Reproduce{Trace: path, WriteErr: werr, Command: cmd}))
	}
}

// ReplayTrace holds newImpl to the trace at path (one a Check, Fuzz or
// pidcheck run saved), against the trace's own spec and policy: it fails
// the test with the banner when the failure the trace records happens
// again as recorded, and also when the replay no longer follows the trace
// but the trace's scenario still fails under the trace's context switches
// or a few fresh schedules (FailsOn). It passes once the scenario passes
// them all: keep a trace as a regression test under a name of your own,
// or replay one someone sent you.
func ReplayTrace(t testing.TB, newImpl NewImpl, path string) {
	t.Helper()
	tr, err := traces.ReadFile(path)
	if err != nil {
		t.Fatalf("checker.ReplayTrace: %v", err)
	}
	target := Target{Name: tr.Impl, New: newImpl}
	rr, err := Replay(target, tr, RunOptions{})
	if err != nil {
		t.Fatalf("checker.ReplayTrace: %s: %v", path, err)
	}
	if !rr.Diverged && rr.Result.Verdict.Outcome == traces.Violation {
		t.Errorf("%s", Banner(rr.Result, Reproduce{Saved: path}))
		return
	}
	target.Spec, target.Policy = model.SpecName(tr.Spec), tr.Policy
	if bad := FailsOn(target, ResultFromTrace(tr), replayTraceSchedules); bad != nil {
		t.Errorf("pidcheck: %s no longer replays as recorded, but its scenario still fails:\n%s", path, Banner(bad, Reproduce{}))
		return
	}
	t.Logf("pidcheck: %s: the recorded failure no longer happens (%s); its scenario passes its own and %d fresh schedules of each kind", path, rr.Result.Verdict, replayTraceSchedules)
}

// replayTraceSchedules is how many random and PCT schedules ReplayTrace
// gives a trace's scenario that no longer replays.
const replayTraceSchedules = 20

// replaySaved replays the failure an earlier Check saved at path, before
// any new exploration, and reports whether the test is over: the saved
// failure happened again (the test fails with its banner) or the trace is
// stale (it no longer reproduces: the test fails saying so, unless update
// is set, which deletes the trace and lets exploration go on).
func replaySaved(t testing.TB, target Target, path, cmd string, update bool) bool {
	t.Helper()
	tr, err := traces.ReadFile(path)
	if os.IsNotExist(err) {
		return false
	}
	if err != nil {
		t.Fatalf("checker.Check: saved failure: %v", err)
	}
	rr, err := Replay(target, tr, RunOptions{})
	if err != nil {
		t.Fatalf("checker.Check: replaying %s: %v", path, err)
	}
	if rr.Result.Verdict.Outcome == traces.Violation && !rr.Diverged {
		t.Errorf("%s", Banner(rr.Result, Reproduce{Saved: path, Command: cmd}))
		return true
	}
	why := fmt.Sprintf("it now passes (%s)", rr.Result.Verdict)
	if rr.Diverged {
		why = "the implementation no longer follows its recorded decisions: " + rr.Divergence
	}
	if update {
		if err := os.Remove(path); err != nil {
			t.Fatalf("checker.Check: removing the stale trace: %v", err)
		}
		t.Logf("pidcheck: removed %s, which no longer reproduces (%s); exploring afresh", path, why)
		return false
	}
	t.Errorf("pidcheck: the failure saved in %s no longer reproduces: %s.\n"+
		"  Once the fix is in, delete it (rm %s) or let the test do it and explore afresh:\n"+
		"  PIDCHECK_UPDATE=1 %s", path, why, path, cmd)
	return true
}

// Property is a rapid property for target t: it draws a scenario and every
// scheduling decision from the rapid.T (so rapid shrinks the ops and the
// interleaving together) and fails with the banner on any verdict but Ok.
// onFail, when set, sees every failing result (rapid's last call is the
// shrunk one); with traceDir set, each is also written there as
// <name>.trace and the banner names it.
func Property(t Target, g GenOptions, ro RunOptions, traceDir string, onFail func(*Result)) func(*rapid.T) {
	t, err := t.valid()
	if err == nil {
		g, err = g.withDefaults()
	}
	var s spec.Spec
	if err == nil {
		s, err = SpecFor(t.Spec, g.Params, t.Policy)
	}
	g = withOracle(g, s)
	return func(rt *rapid.T) {
		if err != nil {
			rt.Fatalf("pidcheck: %v", err)
		}
		ro := ro
		ro.Drain = true
		ro.Strategy = string(Rapid)
		sc := Generate(RapidSource(rt), t.Level(), g)
		r := Run(t, sc, NewRapidChooser(rt), ro)
		if r.Verdict.Outcome != traces.Ok {
			if onFail != nil {
				onFail(r)
			}
			var rep Reproduce
			if traceDir != "" {
				// Rapid calls the property again while it shrinks: the
				// last write is the shrunk case.
				rep.Trace = filepath.Join(traceDir, safeName(t.Name)+".trace")
				rep.WriteErr = writeTrace(rep.Trace, r, "")
			}
			rt.Fatalf("%s", Banner(r, rep))
		}
	}
}

// Reproduce says, in a banner, where a failure's trace is and how to make
// it happen again.
type Reproduce struct {
	Trace    string // the trace written for it, if any
	WriteErr error  // why the trace could not be written
	Saved    string // the saved trace it was replayed from, if it was
	Command  string // the one command that reproduces it
}

// Banner is the one message a failure prints: what broke, the spec's
// reason, the last steps of the interleaving, where the trace is and how
// to reproduce it.
func Banner(r *Result, how Reproduce) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pidcheck: %s: %s (spec %s, policy %s)\n", r.Impl, r.Verdict, r.Spec, r.Policy)
	if how.Saved != "" {
		fmt.Fprintf(&b, "  the failure saved in %s, replayed as recorded\n", how.Saved)
	}
	if r.Reason != "" {
		fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(r.Reason, "\n", "\n  "))
	}
	// Answers no kernel could give (a number past PID_MAX_LIMIT, an errno
	// that does not exist): the trace records them as they were.
	for _, odd := range (&traces.Trace{History: r.History}).OutOfRange() {
		fmt.Fprintf(&b, "  note: %s\n", odd)
	}
	if r.Elided > 0 {
		fmt.Fprintf(&b, "  note: the run kept its first %d of %d decisions (a schedule switching threads at random for long): its trace does not replay until it is shrunk\n",
			r.Steps()-r.Elided, r.Steps())
	}
	// The last decisions where more than one thread could run: where the
	// interleaving happened.
	type contested struct {
		step int
		d    sched.Decision
	}
	var last []contested
	r.eachRecorded(func(step int, d sched.Decision, _ bool) {
		if len(d.Runnable) > 1 {
			last = append(last, contested{step, d})
		}
	})
	if len(last) > 8 {
		last = last[len(last)-8:]
	}
	if len(last) > 0 {
		fmt.Fprintf(&b, "  last contested decisions (of %d):\n", r.Steps())
	}
	for _, c := range last {
		fmt.Fprintf(&b, "    #%d [%s] %s\n", c.step, strings.Join(c.d.Runnable, " "), c.d.Action)
	}
	switch {
	case how.WriteErr != nil:
		fmt.Fprintf(&b, "  (could not write the trace: %v)\n", how.WriteErr)
	case how.Trace != "":
		fmt.Fprintf(&b, "  trace: %s\n", how.Trace)
	}
	if how.Command != "" {
		fmt.Fprintf(&b, "  reproduce: %s\n", how.Command)
	}
	return b.String()
}

// testCommand is the go test command line that runs the test (or fuzz
// target) named name in the package of the working directory, from the
// root of its module, as the banner prints it: the saved trace is replayed
// first, so it reproduces the failure.
func testCommand(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return fmt.Sprintf("go test -run '%s' %s", strings.Join(parts, "/"), packageDir())
}

// packageDir is the working directory (a test's package) relative to the
// root of its module, as go test takes it: "./internal/alloc", or "." when
// no go.mod is found above it.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		if filepath.Dir(dir) == dir {
			return "."
		}
	}
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "_") }

// writeTrace writes r's trace to path atomically, creating its directory.
func writeTrace(path string, r *Result, reproduce string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	t := r.Trace()
	t.Reproduce = reproduce
	return traces.WriteFile(path, t)
}
