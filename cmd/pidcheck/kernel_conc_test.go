package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/oracle"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

func mustOp(t *testing.T, s string) model.Op {
	t.Helper()
	op, err := model.ParseOp(s)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// pidmaxRun is the pidmax-window witness in small, as the kernel oracle
// reports it (no kernel needed): A's fork gets 350 while B lowers pid_max
// to 301 and then finds 350 free. probe is the kill's answer.
func pidmaxRun(t *testing.T, probe model.Result) *oracle.ConcRun {
	p := oracle.Params()
	init := []model.Op{mustOp(t, "t0 fork t1"), mustOp(t, "t0 fork t2"), mustOp(t, "t0 ns_last_pid 349")}
	a := []model.Op{mustOp(t, "t1 fork t3")}
	b := []model.Op{mustOp(t, "t2 pid_max 301"), mustOp(t, "t2 kill 350 0")}
	run := &oracle.ConcRun{Scenario: model.Scenario{Level: model.ProcessLevel, Params: p, Init: init, Threads: [][]model.Op{a, b}}}
	run.History = []oracle.TimedOp{
		{Thread: oracle.Main, Op: init[0], Result: model.Result{NSpid: []int{2}}, Call: 1, Return: 2},
		{Thread: oracle.Main, Op: init[1], Result: model.Result{NSpid: []int{3}}, Call: 3, Return: 4},
		{Thread: oracle.Main, Op: init[2], Call: 5, Return: 6},
		{Thread: 0, Op: a[0], Result: model.Result{NSpid: []int{350}}, Call: 10, Return: 100},
		{Thread: 1, Op: b[0], Call: 20, Return: 30},
		{Thread: 1, Op: b[1], Result: probe, Call: 40, Return: 50},
	}
	return run
}

// TestKernelHistoryJudgedByTheEngine: a kernel history in the checker's
// shape is judged by the engine's judge (porcupine, linmodel, the Linux
// spec at unique): the pidmax-window observation is a violation with the
// spec's reason; the same history with the probe finding the child is
// linearizable (the fork came before the write).
func TestKernelHistoryJudgedByTheEngine(t *testing.T) {
	p := oracle.Params()
	bad := judgeRun(pidmaxRun(t, model.Fail(model.ESRCH)), p, defaultTimeout)
	if bad.verdict.Outcome != traces.Violation || !strings.Contains(bad.reason, "350") {
		t.Fatalf("pidmax-window history: %s: %s", bad.verdict, bad.reason)
	}
	good := judgeRun(pidmaxRun(t, model.Result{}), p, defaultTimeout)
	if good.verdict.Outcome != traces.Ok {
		t.Fatalf("the probe found the child: %s: %s", good.verdict, good.reason)
	}
	// Ticks: the history keeps real time (the write returned before the
	// probe was called) and call order.
	for i, o := range bad.h[1:] {
		if o.Call <= bad.h[i].Call {
			t.Fatalf("history not in call order: %+v", bad.h)
		}
	}
	if _, err := traces.Marshal(kernelTrace(bad.run, bad.h, "kernel test", 1, bad.verdict, bad.reason)); err != nil {
		t.Fatalf("the trace of a kernel history does not write: %v", err)
	}
	// The judge at cyclic is the same machinery with another spec.
	if v, _ := judgeKernelHistory(spec.Linux(p, model.Cyclic), good.h, defaultTimeout); v.Outcome != traces.Ok {
		t.Fatalf("cyclic: %s", v)
	}
}

const defaultTimeout = 10e9

// TestReplayShowsAKernelTraceWithoutRunningIt: replay of a saved kernel
// history prints it and judges it again (exit 1: the violation holds), and
// never looks for an implementation named "kernel".
func TestReplayShowsAKernelTraceWithoutRunningIt(t *testing.T) {
	j := judgeRun(pidmaxRun(t, model.Fail(model.ESRCH)), oracle.Params(), defaultTimeout)
	path, err := saveKernelTrace(t.TempDir(), "k.trace", kernelTrace(j.run, j.h, "kernel test", 1, j.verdict, j.reason))
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if st := Main([]string{"replay", path}, nil, &out, &errb); st != exitViolation {
		t.Fatalf("replay exit %d, want 1\n%s\n%s", st, out.String(), errb.String())
	}
	for _, want := range []string{"source: kernel", "not re-executed", "violation linearizability"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("replay output lacks %q:\n%s", want, out.String())
		}
	}
	errb.Reset()
	if st := Main([]string{"shrink", path}, nil, &out, &errb); st != exitBadInput || !strings.Contains(errb.String(), "cannot be re-run") {
		t.Fatalf("shrink of a kernel trace: exit %d: %s", st, errb.String())
	}
	page := filepath.Join(t.TempDir(), "k.html")
	out.Reset()
	if st := Main([]string{"replay", "--html", page, path}, nil, &out, &errb); st != exitViolation || !strings.Contains(out.String(), "html: "+page) {
		t.Fatalf("replay --html: exit %d\n%s%s", st, out.String(), errb.String())
	}
	out.Reset()
	if st := Main([]string{"replay", "--json", path}, nil, &out, &errb); st != exitViolation {
		t.Fatalf("replay --json exit %d", st)
	}
	var rj replayJSON
	if err := json.Unmarshal(out.Bytes(), &rj); err != nil || rj.Verdict != "violation linearizability" || !strings.Contains(rj.Divergence, "not re-executed") {
		t.Fatalf("replay --json: %v %+v", err, rj)
	}
}

func TestKernelConcurrentFlags(t *testing.T) {
	for _, args := range [][]string{
		{"kernel", "--threads", "2"},
		{"kernel", "--concurrent", "--ops", "17"},
		{"kernel", "--concurrent", "--threads", "9"},
		{"kernel", "--concurrent", "--shape", "nope"},
		{"kernel", "--hunt", "nope"},
	} {
		var out, errb bytes.Buffer
		if st := Main(args, nil, &out, &errb); st != exitBadInput {
			t.Errorf("%v: exit %d, want 2 (%s)", args, st, errb.String())
		}
	}
}

// TestKernelConcurrentInterruptedIsInconclusive: Ctrl-C before the
// budget is spent is exit 3, with the partial JSON.
func TestKernelConcurrentInterruptedIsInconclusive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := runKernelConcurrent(ctx, &out, io.Discard, concFlags{shape: "mixed", threads: 2, ops: 2, scenarios: 5, json: true, out: t.TempDir()})
	if statusOf(err) != exitUnknown {
		t.Fatalf("exit %d, want 3", statusOf(err))
	}
	var j concJSON
	if err := json.Unmarshal(out.Bytes(), &j); err != nil || !j.Interrupted || j.Scenarios != 0 {
		t.Fatalf("json %v: %s", err, out.String())
	}
	validateJSON(t, "kernel-concurrent", out.Bytes())
}

// TestKernelHuntInterruptedIsInconclusive: a hunt stopped before its
// budget is exit 3, with JSON that holds to its schema.
func TestKernelHuntInterruptedIsInconclusive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	err := runKernelHunt(ctx, &out, io.Discard, concFlags{hunt: "inflight-visible", depth: 2, scenarios: 5, json: true, out: t.TempDir()})
	if statusOf(err) != exitUnknown {
		t.Fatalf("exit %d, want 3", statusOf(err))
	}
	validateJSON(t, "kernel-hunt", out.Bytes())
}

// TestKernelConcurrentRealRun runs a few scenarios in the kernel (root).
func TestKernelConcurrentRealRun(t *testing.T) {
	if err := oracle.Available(); err != nil {
		t.Skipf("kernel oracle unavailable: %v", err)
	}
	var out, errb bytes.Buffer
	st := Main([]string{"kernel", "--concurrent", "--scenarios", "6", "--shape", "disjoint", "--json", "--out", t.TempDir()}, nil, &out, &errb)
	var j concJSON
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatalf("exit %d: %v\n%s\n%s", st, err, out.String(), errb.String())
	}
	if st != exitOK || j.Scenarios != 6 || j.HistoriesChecked != 6 || len(j.Violations) != 0 {
		t.Fatalf("disjoint forks (only the root level shared): exit %d, %+v", st, j)
	}
	validateJSON(t, "kernel-concurrent", out.Bytes())
}

// TestShrinkKeepsAViolationTheKernelShowed: an inert op (a getpid before
// the fork was called) is dropped while the history still fails; the
// probes that overlap the fork stay (the violation's context), and so do
// the ops that matter and the whole init part; the scenario follows the
// kept history.
func TestShrinkKeepsAViolationTheKernelShowed(t *testing.T) {
	run := pidmaxRun(t, model.Fail(model.ESRCH))
	gp := oracle.TimedOp{Thread: 1, Op: mustOp(t, "t2 getpid"), Result: model.Result{N: 3}, Call: 7, Return: 8}
	run.History = append(run.History[:3], append([]oracle.TimedOp{gp}, run.History[3:]...)...)
	run.Scenario.Threads[1] = append([]model.Op{gp.Op}, run.Scenario.Threads[1]...)
	p := oracle.Params()
	j := judgeRun(run, p, defaultTimeout)
	if j.verdict.Outcome != traces.Violation {
		t.Fatalf("%s", j.verdict)
	}
	tr := shrunkTrace(run, j, p, defaultTimeout, "kernel test", 1)
	if tr.Verdict.Outcome != traces.Violation || len(tr.History) != len(j.h)-1 || !strings.Contains(tr.Reason, "shrunk: 1 of the 7") {
		t.Fatalf("shrunk to %d of %d ops: %s\n%s", len(tr.History), len(j.h), tr.Verdict, tr.Reason)
	}
	for _, o := range tr.History {
		if o.Op.Kind == model.GetPid {
			t.Fatalf("the getpid overlapping nothing was kept")
		}
	}
	if len(tr.Scenario.Init) != 3 || len(tr.Scenario.Threads[0]) != 1 || len(tr.Scenario.Threads[1]) != 2 {
		t.Fatalf("shrunk scenario: %+v", tr.Scenario)
	}
	if _, err := traces.Marshal(tr); err != nil {
		t.Fatalf("the shrunk trace does not write: %v", err)
	}
	if inert(traces.Operation{Op: mustOp(t, "t1 fork t3"), Result: model.Result{NSpid: []int{4}}}) {
		t.Fatal("a fork that succeeded is not inert")
	}
}

// TestSavedKernelHistoriesStayViolations replays every saved kernel
// history (testdata/kernel: witnesses of real 6.18 behaviour the spec does
// not allow at the trace's policy; oracle/doc.go explains each one from
// the kernel source, BENCHMARKS.md gives how often each was seen). They are shown and judged, never
// re-executed: a spec change that makes one linearizable shows up here.
func TestSavedKernelHistoriesStayViolations(t *testing.T) {
	files, err := filepath.Glob("testdata/kernel/*.trace")
	if err != nil || len(files) == 0 {
		t.Fatalf("no saved kernel histories: %v", err)
	}
	for _, f := range files {
		var out, errb bytes.Buffer
		if st := Main([]string{"replay", f}, nil, &out, &errb); st != exitViolation {
			t.Errorf("%s: replay exit %d, want 1 (still a violation)\n%s%s", f, st, out.String(), errb.String())
		}
	}
}

// TestSavedKernelHistoriesNowAllowed: the saved kernel histories of an
// init's death in stages (testdata/kernel/allowed: a fork ENOMEM, then a
// setns to a member that still works; setns to the dying init ESRCH, then
// a fork into its space that still succeeds) were violations of a spec
// whose deaths were atomic; the spec now lets a death come in stages
// inside the dying op's interval (spec/linux_defer.go), and judges them
// linearizable. // kernel/pid_namespace.c zap_pid_ns_processes, kernel/exit.c do_exit
func TestSavedKernelHistoriesNowAllowed(t *testing.T) {
	files, err := filepath.Glob("testdata/kernel/allowed/*.trace")
	if err != nil || len(files) != 2 {
		t.Fatalf("want the 2 saved histories: %v %v", files, err)
	}
	for _, f := range files {
		var out, errb bytes.Buffer
		if st := Main([]string{"replay", f}, nil, &out, &errb); st != 0 || !strings.Contains(out.String(), "judged again, the recorded history is ok") {
			t.Errorf("%s: replay exit %d, want 0 (now linearizable)\n%s%s", f, st, out.String(), errb.String())
		}
	}
}

// nestedForksRun is a kernel history of two forks into a nested space
// that overlap: A's takes [4 2], B's [3 3] (NSpid root first).
func nestedForksRun(t *testing.T) *oracle.ConcRun {
	init := []model.Op{mustOp(t, "t0 unshare"), mustOp(t, "t0 fork t1")}
	a, b := mustOp(t, "t0 fork t2"), mustOp(t, "t0 fork t3")
	run := &oracle.ConcRun{Scenario: model.Scenario{Level: model.ProcessLevel, Params: oracle.Params(), Init: init, Threads: [][]model.Op{{a}, {b}}}}
	run.History = []oracle.TimedOp{
		{Thread: oracle.Main, Op: init[0], Call: 1, Return: 2},
		{Thread: oracle.Main, Op: init[1], Result: model.Result{NSpid: []int{2, 1}}, Call: 3, Return: 4},
		{Thread: 0, Op: a, Result: model.Result{NSpid: []int{4, 2}}, Call: 10, Return: 30},
		{Thread: 1, Op: b, Result: model.Result{NSpid: []int{3, 3}}, Call: 11, Return: 31},
	}
	return run
}

// TestLevelsCyclicOnTheirOwn: two forks into a nested space that overlap
// take the inner numbers in one order and the outer ones in the other
// (alloc_pid reserves innermost first, one level at a time): cyclic-alone,
// each space cyclic on its own, but not cyclic as a whole — the kernel
// cannot promise cyclic across levels. // kernel/pid.c alloc_pid
func TestLevelsCyclicOnTheirOwn(t *testing.T) {
	p := oracle.Params()
	run := nestedForksRun(t)
	j := judgeRun(run, p, defaultTimeout)
	if j.verdict.Outcome != traces.Ok {
		t.Fatalf("cyclic-alone: %s: %s", j.verdict, j.reason)
	}
	if j.cyclic.Outcome != traces.Violation {
		t.Fatalf("cyclic as a whole: %s, want a violation", j.cyclic)
	}
	if j.levels.Cyclic != 2 || j.levels.NotCyclic != 0 {
		t.Fatalf("spaces on their own: %+v, want both cyclic", j.levels)
	}
	// The same outer numbers swapped the other way are not cyclic in s0
	// if B's fork had returned before A's was called.
	run.History[2].Call, run.History[2].Return = 40, 50
	run.History[2].Result = model.Result{NSpid: []int{3, 3}}
	run.History[3].Call, run.History[3].Return = 10, 20
	run.History[3].Result = model.Result{NSpid: []int{4, 2}}
	j = judgeRun(run, p, defaultTimeout)
	if j.levels.NotCyclic != 1 {
		t.Fatalf("sequential forks against cyclic order in s1: %+v", j.levels)
	}
	// Forks that ran alone are held to cyclic order: a violation.
	if j.verdict.Outcome != traces.Violation || !strings.Contains(j.reason, "cyclic allocation") {
		t.Fatalf("sequential forks against cyclic order, cyclic-alone: %s (%s), want a violation", j.verdict, j.reason)
	}
}

// TestNotCyclicHistorySaved: a kernel history linearizable at
// cyclic-alone but not at cyclic is named with its seed and saved as a
// trace judged at cyclic, with the spaces not cyclic even on their own;
// replay judges the trace at its policy and finds the violation again.
// The history is lastpid-write-lost.cyclic.trace's shape: B's write of
// ns_last_pid overlaps A's fork and is lost, and A's next fork, alone,
// takes the number after its first one. // kernel/pid_namespace.c pid_ns_ctl_handler
func TestNotCyclicHistorySaved(t *testing.T) {
	p := oracle.Params()
	init := []model.Op{mustOp(t, "t0 unshare"), mustOp(t, "t0 fork t1")}
	a1, a2, b := mustOp(t, "t1 fork t2"), mustOp(t, "t1 fork t3"), mustOp(t, "t1 ns_last_pid 9")
	run := &oracle.ConcRun{Scenario: model.Scenario{Level: model.ProcessLevel, Params: p, Init: init, Threads: [][]model.Op{{a1, a2}, {b}}}}
	run.History = []oracle.TimedOp{
		{Thread: oracle.Main, Op: init[0], Call: 1, Return: 2},
		{Thread: oracle.Main, Op: init[1], Result: model.Result{NSpid: []int{2, 1}}, Call: 3, Return: 4},
		{Thread: 0, Op: a1, Result: model.Result{NSpid: []int{3, 2}}, Call: 10, Return: 30},
		{Thread: 1, Op: b, Call: 11, Return: 20},
		{Thread: 0, Op: a2, Result: model.Result{NSpid: []int{4, 3}}, Call: 31, Return: 40},
	}
	j := judgeRun(run, p, defaultTimeout)
	if j.verdict.Outcome != traces.Ok || j.cyclic.Outcome != traces.Violation || len(j.levels.Why) != 1 {
		t.Fatalf("cyclic-alone %s (%s), cyclic %s, levels %+v", j.verdict, j.reason, j.cyclic, j.levels)
	}
	nc := notCyclic(t.TempDir(), "mixed", 77, j)
	if nc.Error != "" || nc.Seed != 77 || !strings.HasSuffix(nc.Trace, "kernel-mixed-77.cyclic.trace") || !strings.Contains(nc.Levels[0], "level 1") {
		t.Fatalf("%+v", nc)
	}
	tr, err := traces.ReadFile(nc.Trace)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Policy != model.Cyclic || !strings.Contains(tr.Reason, "not cyclic even on its own: space 1") {
		t.Fatalf("policy %s, reason %q", tr.Policy, tr.Reason)
	}
	var out, errb bytes.Buffer
	if st := Main([]string{"replay", nc.Trace}, nil, &out, &errb); st != exitViolation || !strings.Contains(out.String(), "source: kernel") {
		t.Fatalf("replay exit %d, want 1\n%s\n%s", st, out.String(), errb.String())
	}
}

// TestLastPidWriteLostIsUniqueNotCyclic: the saved history of an
// ns_last_pid write lost to a fork in flight (testdata/kernel, found by
// pidcheck kernel --concurrent --shape lastpid on 6.18.44: B's write of
// 299 returned ok while A's fork was in flight, and A's next fork, called
// after the write returned, took 306, not 300) is linearizable at
// cyclic-alone, the policy the kernel promises under concurrency (and at
// unique), and not at cyclic, in
// the space on its own too: pid_ns_ctl_handler stores the cursor with
// idr_set_cursor outside pidmap_lock ("a code writing to it should
// synchronize its usage with external means"), so an idr_alloc_cyclic
// holding the lock overwrites it. // kernel/pid_namespace.c pid_ns_ctl_handler, lib/idr.c idr_alloc_cyclic
func TestLastPidWriteLostIsUniqueNotCyclic(t *testing.T) {
	tr, err := traces.ReadFile("testdata/kernel/lastpid-write-lost.cyclic.trace")
	if err != nil {
		t.Fatal(err)
	}
	p := tr.Scenario.Params
	if v, why := judgeKernelHistory(spec.Linux(p, model.Unique), tr.History, defaultTimeout); v.Outcome != traces.Ok {
		t.Fatalf("unique: %s: %s", v, why)
	}
	if v, why := judgeKernelHistory(spec.Linux(p, model.CyclicAlone), tr.History, defaultTimeout); v.Outcome != traces.Ok {
		t.Fatalf("cyclic-alone: %s: %s", v, why)
	}
	if v, _ := judgeKernelHistory(spec.Linux(p, model.Cyclic), tr.History, defaultTimeout); v.Outcome != traces.Violation {
		t.Fatalf("cyclic as a whole: %s, want a violation", v)
	}
	// A's fork of t5 ran alone and took 306 in the inner space, so the
	// cursor is known again: t6, alone too, must take 307. The same
	// history with t6 given the free 309 is unique, not cyclic-alone.
	h := slices.Clone(tr.History)
	i := slices.IndexFunc(h, func(o traces.Operation) bool { return o.Op.String() == "t2 fork t6" })
	if i < 0 || !slices.Equal(h[i].Result.NSpid, []int{8, 307}) {
		t.Fatalf("the saved history has no t2 fork t6 -> [8 307]")
	}
	h[i].Result.NSpid = []int{8, 309}
	if v, why := judgeKernelHistory(spec.Linux(p, model.Unique), h, defaultTimeout); v.Outcome != traces.Ok {
		t.Fatalf("t6 -> [8 309], unique: %s: %s", v, why)
	}
	if v, why := judgeKernelHistory(spec.Linux(p, model.CyclicAlone), h, defaultTimeout); v.Outcome != traces.Violation || !strings.Contains(why, "gives 307") {
		t.Fatalf("t6 -> [8 309], cyclic-alone: %s (%s), want a violation: the cyclic number after 306 is 307", v, why)
	}
	if r := levelCyclic(tr.History, p, defaultTimeout); r.NotCyclic != 1 || !strings.Contains(r.Why[0], "level 1") {
		t.Fatalf("spaces on their own: %+v, want the inner one not cyclic", r)
	}
}
