package checker

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/alloc"
	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/traces"
)

// Check explores a user's own implementation from a test: newImpl builds a
// fresh instance (written against sched.Env) and o says which spec and
// policy it claims ("linux", model.Cyclic) and how hard to look. On a
// violation Check shrinks it, writes the trace under testdata/pidcheck/
// (next to the test) and fails the test with one banner: what broke, the
// spec's reason, and the command that replays it. The next Check of that
// test replays the saved trace before exploring anything new, so a saved
// failure fails every run until it is fixed. A run porcupine could not
// decide fails the test too: Unknown is never a pass.
func Check(t testing.TB, newImpl func(env sched.Env, p model.Params) model.Impl, o Options) {
	t.Helper()
	if o.Spec == "" {
		t.Fatalf("checker.Check: Options.Spec is empty: want alloc, linux, openvz or pspace2006")
	}
	if o.Policy == 0 {
		o.Policy = model.Cyclic
	}
	e := alloc.Entry{Name: t.Name(), Level: LevelOf(o.Spec), Spec: o.Spec, Policy: o.Policy, New: newImpl}
	dir := o.TraceDir
	if dir == "" {
		dir = filepath.Join("testdata", "pidcheck")
	}
	path := filepath.Join(dir, safeName(t.Name())+".trace")
	if replaySaved(t, e, path) {
		return
	}
	o.Shrink = true
	rep, err := Explore(e, o)
	if err != nil {
		t.Fatalf("checker.Check: %v", err)
	}
	switch rep.Verdict.Outcome {
	case traces.Ok:
		t.Logf("pidcheck: %s: ok after %d schedules of %d scenarios (%v)", e.Name, rep.Schedules, rep.Scenarios, rep.Elapsed.Round(1e6))
	case traces.Unknown:
		why := "the exploration was canceled"
		if rep.Unknown != nil {
			why = rep.Unknown.Reason
		}
		t.Errorf("pidcheck: %s: inconclusive after %d schedules: %s", e.Name, rep.Schedules, why)
	case traces.Violation:
		werr := writeTrace(path, rep.Found)
		t.Errorf("%s", Banner(rep.Found, path, werr))
	}
}

// replaySaved replays the failure an earlier Check saved at path, before
// any new exploration (as rapid re-runs its fail file first), and reports
// whether it still fails (the test is then failed with its banner). A saved
// run that no longer follows its decisions (the implementation changed) or
// now passes is only logged; delete the file once the fix is in.
func replaySaved(t testing.TB, e alloc.Entry, path string) bool {
	t.Helper()
	tr, err := traces.ReadFile(path)
	if os.IsNotExist(err) {
		return false
	}
	if err != nil {
		t.Fatalf("checker.Check: saved failure: %v", err)
	}
	rr, err := ReplayWith(e, tr, RunOptions{})
	switch {
	case err != nil:
		t.Fatalf("checker.Check: replaying %s: %v", path, err)
	case rr.Result.Verdict.Outcome == traces.Violation && !rr.Diverged:
		t.Errorf("%s", Banner(rr.Result, path, nil))
		return true
	case rr.Diverged:
		t.Logf("pidcheck: %s no longer follows its recorded decisions (%s); exploring afresh", path, rr.Divergence)
	default:
		t.Logf("pidcheck: the failure saved in %s no longer happens; delete the file once you are sure", path)
	}
	return false
}

// Property is a rapid property for entry e: it draws a scenario and every
// scheduling decision from the rapid.T (so rapid shrinks the ops and the
// interleaving together) and fails with the banner on any verdict but Ok.
// onFail, when set, sees every failing result (rapid's last call is the
// shrunk one); with o.TraceDir set, each is also written there as
// <impl>.trace and the banner names it.
func Property(e alloc.Entry, o Options, onFail func(*Result)) func(*rapid.T) {
	o, err := o.withDefaults()
	s, serr := SpecFor(e.Spec, o.Params, e.Policy)
	return func(t *rapid.T) {
		if err != nil || serr != nil {
			t.Fatalf("pidcheck: bad options: %v %v", err, serr)
		}
		ro := o.Run
		ro.Drain = true
		ro.Strategy = "rapid"
		sc := Generate(RapidSource(t), e.Level, o.genOptions(s))
		r := Run(e, sc, sched.NewRapid(t), ro)
		if r.Verdict.Outcome != traces.Ok {
			if onFail != nil {
				onFail(r)
			}
			path, werr := "", error(nil)
			if o.TraceDir != "" {
				// Rapid calls the property again while it shrinks: the
				// last write is the shrunk case.
				path = filepath.Join(o.TraceDir, safeName(e.Name)+".trace")
				werr = writeTrace(path, r)
			}
			t.Fatalf("%s", Banner(r, path, werr))
		}
	}
}

// Banner is the one message a failure prints: what broke, the spec's
// reason, the last steps of the interleaving, and how to replay it.
func Banner(r *Result, path string, writeErr error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pidcheck: %s: %s (spec %s, policy %s)\n", r.Impl, r.Verdict, r.Spec, r.Policy)
	if r.Reason != "" {
		fmt.Fprintf(&b, "  %s\n", strings.ReplaceAll(r.Reason, "\n", "\n  "))
	}
	// The last decisions where more than one thread could run: where the
	// interleaving happened.
	var idx []int
	for k, d := range r.Decisions {
		if len(d.Runnable) > 1 {
			idx = append(idx, k)
		}
	}
	if len(idx) > 8 {
		idx = idx[len(idx)-8:]
	}
	if len(idx) > 0 {
		fmt.Fprintf(&b, "  last contested decisions (of %d):\n", len(r.Decisions))
	}
	for _, k := range idx {
		d := r.Decisions[k]
		fmt.Fprintf(&b, "    #%d [%s] %s\n", k, strings.Join(d.Runnable, " "), d.Action)
	}
	switch {
	case writeErr != nil:
		fmt.Fprintf(&b, "  (could not write the trace: %v)\n", writeErr)
	case path != "":
		fmt.Fprintf(&b, "  trace: %s\n  replay: go run github.com/pidcheck/pidcheck/cmd/pidcheck replay %s\n", path, path)
	}
	return b.String()
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "_") }

// writeTrace writes r's trace to path atomically, creating its directory.
func writeTrace(path string, r *Result) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return traces.WriteFile(path, r.Trace())
}
