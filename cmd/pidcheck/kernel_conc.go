package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pidcheck/pidcheck/checker"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/oracle"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/traces"
)

// concFlags are kernel --concurrent's and --hunt's flags.
type concFlags struct {
	concurrent   bool
	hunt         string
	shape        string
	threads, ops int
	depth        int
	scenarios    int
	budget       time.Duration
	seed         uint64
	out          string
	json         bool
	checkTimeout time.Duration
}

func addConcFlags(cmd *cobra.Command, f *concFlags) {
	fl := cmd.Flags()
	fl.BoolVar(&f.concurrent, "concurrent", false, "run each scenario's parallel part for real and judge the history for linearizability")
	fl.StringVar(&f.hunt, "hunt", "", "run a targeted scenario --scenarios times: "+strings.Join(oracle.HuntKinds(), " or "))
	fl.StringVar(&f.shape, "shape", "mixed", "concurrent scenario shape: "+strings.Join(oracle.ConcShapes(), ", "))
	fl.IntVar(&f.threads, "threads", 2, "threads of a concurrent scenario's parallel part (each its own task, pinned one per CPU: more threads than CPUs take turns)")
	fl.IntVar(&f.depth, "depth", 8, "--hunt: nested spaces the targeted scenario forks through (more levels, a wider window)")
	fl.DurationVar(&f.budget, "time", 0, "wall-clock budget (with --concurrent or --hunt); stops early, not an error")
	fl.StringVar(&f.out, "out", "pidcheck-failures", "directory the traces of violations are written to")
	fl.DurationVar(&f.checkTimeout, "check-timeout", 10*time.Second, "porcupine's budget per history; running out is Unknown")
}

func (f *concFlags) validate() error {
	if f.hunt != "" && !slices.Contains(oracle.HuntKinds(), f.hunt) {
		return usageErrorf("--hunt %q: want one of %s", f.hunt, strings.Join(oracle.HuntKinds(), ", "))
	}
	if !slices.Contains(oracle.ConcShapes(), f.shape) {
		return usageErrorf("--shape %q: want one of %s", f.shape, strings.Join(oracle.ConcShapes(), ", "))
	}
	if f.threads < 1 || f.threads > oracle.MaxThreads {
		return usageErrorf("--threads %d: want 1 to %d", f.threads, oracle.MaxThreads)
	}
	if f.ops < 1 || f.ops > oracle.MaxOps {
		return usageErrorf("--ops %d: want 1 to %d with --concurrent", f.ops, oracle.MaxOps)
	}
	if f.budget < 0 || f.checkTimeout <= 0 {
		return usageErrorf("--time must not be negative, --check-timeout must be positive")
	}
	if f.depth < 1 {
		return usageErrorf("--depth %d: want at least 1", f.depth)
	}
	return nil
}

// kernelHistory turns a concurrent run into the checker's history shape:
// threads "main", "A", "B", …, ticks ranked from the nanoseconds
// (oracle.Ticks keeps every real-time order), in call order.
func kernelHistory(run *oracle.ConcRun) []traces.Operation {
	calls, rets := oracle.Ticks(run.History)
	h := make([]traces.Operation, len(run.History))
	for i, o := range run.History {
		th := "main"
		if o.Thread != oracle.Main {
			th = model.ThreadName(o.Thread)
		}
		h[i] = traces.Operation{Thread: th, Op: o.Op, Call: calls[i], Return: rets[i], Result: o.Result}
	}
	slices.SortStableFunc(h, func(a, b traces.Operation) int { return a.Call - b.Call })
	return h
}

// threadIndex inverts model.ThreadName.
func threadIndex(name string) int {
	n := 0
	for _, c := range name {
		n = n*26 + int(c-'A') + 1
	}
	return n - 1
}

// kernelSource is a kernel trace's source line.
func kernelSource() string {
	rel := "(release unknown)"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		rel = strings.TrimSpace(string(b))
	}
	return "kernel " + rel + " (a real kernel history: it cannot be re-executed; replay shows it and judges it again)"
}

// kernelTrace is the trace of a judged kernel history. A violation's
// reason ends with the real times of the parallel ops it kept.
func kernelTrace(run *oracle.ConcRun, h []traces.Operation, strategy string, seed uint64, v traces.Verdict, reason string) *traces.Trace {
	if v.Outcome == traces.Violation {
		reason += timeline(run, h)
	}
	return &traces.Trace{Impl: "kernel", Spec: "linux", Policy: model.CyclicAlone, Strategy: strategy, Seed: seed,
		Source: kernelSource(), Scenario: run.Scenario, History: h, Verdict: v, Reason: reason}
}

// timeline lists the parallel ops of h with their CLOCK_MONOTONIC call
// and return, in µs from the first parallel call, as the agents read them
// (an async op's return is when its effect was seen complete).
func timeline(run *oracle.ConcRun, h []traces.Operation) string {
	calls, _ := oracle.Ticks(run.History)
	byTick := make(map[int]oracle.TimedOp, len(calls))
	var t0 int64 = -1
	for i, o := range run.History {
		byTick[calls[i]] = o
		if o.Thread != oracle.Main && (t0 < 0 || o.Call < t0) {
			t0 = o.Call
		}
	}
	var b strings.Builder
	for _, o := range h {
		r, ok := byTick[o.Call]
		if !ok || r.Thread == oracle.Main {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("\nreal times (µs from the first parallel call, CLOCK_MONOTONIC read by each agent around its system call):")
		}
		fmt.Fprintf(&b, "\n  %-4s %-34s [%10.3f, %10.3f]", o.Thread, o.Op, float64(r.Call-t0)/1e3, float64(r.Return-t0)/1e3)
		if r.Async {
			b.WriteString("  (return: its effect seen complete)")
		}
	}
	return b.String()
}

// maxOracleErrors is how many scenarios the oracle may fail on before a
// concurrent run gives up.
const maxOracleErrors = 20

// concJSON is kernel --concurrent's --json output.
type concJSON struct {
	jsonHeader
	Seed             uint64          `json:"seed"`
	Shape            string          `json:"shape"`
	Threads          int             `json:"threads"`
	OpsPerThread     int             `json:"ops_per_thread"`
	Scenarios        int             `json:"scenarios"`
	HistoriesChecked int             `json:"histories_checked"`
	Ok               int             `json:"ok"`
	Violations       []concViolation `json:"violations"`
	Unknown          int             `json:"unknown"`
	OracleErrors     int             `json:"oracle_errors"` // of the unknown: scenarios the oracle failed on
	UnknownReasons   []string        `json:"unknown_reasons,omitempty"`
	Outcomes         map[string]int  `json:"parallel_outcomes"` // answers of the parallel parts' ops, by kind:answer
	CyclicOk         int             `json:"cyclic_ok"`
	CyclicNot        int             `json:"cyclic_violations"`
	// NotCyclic names the first histories that were not cyclic as a
	// whole, each saved as a trace judged at policy cyclic.
	NotCyclic []concNotCyclic `json:"not_cyclic,omitempty"`
	// Each space on its own (levelCyclic): spaces judged cyclic, not
	// cyclic, undecided, and not judged (the history cannot tell).
	LevelsCyclic     int     `json:"levels_cyclic"`
	LevelsNotCyclic  int     `json:"levels_not_cyclic"`
	LevelsUndecided  int     `json:"levels_undecided"`
	LevelsNotJudged  int     `json:"levels_not_judged"`
	Ops              int     `json:"ops"`
	OverlappingPairs int     `json:"overlapping_pairs"`
	StartSkewP50     float64 `json:"start_skew_p50_us"` // spread of the threads' first calls
	StartSkewP90     float64 `json:"start_skew_p90_us"`
	Seconds          float64 `json:"elapsed_seconds"`
	Interrupted      bool    `json:"interrupted,omitempty"`
	Error            string  `json:"error,omitempty"`
}

// concNotCyclic is a history linearizable at cyclic-alone but not at cyclic:
// the reason is the cyclic judge's, levels the spaces not cyclic even on
// their own.
type concNotCyclic struct {
	Seed   uint64   `json:"seed"`
	Trace  string   `json:"trace"`
	Reason string   `json:"reason"`
	Levels []string `json:"levels,omitempty"`
	Error  string   `json:"trace_error,omitempty"`
}

// maxNotCyclic bounds the not-cyclic histories a run names and saves.
const maxNotCyclic = 20

type concViolation struct {
	Seed   uint64 `json:"seed"`
	Shape  string `json:"shape"`
	Trace  string `json:"trace"`
	Reason string `json:"reason"`
	Error  string `json:"trace_error,omitempty"`
}

// judged is one concurrent scenario judged.
type judged struct {
	run            *oracle.ConcRun
	h              []traces.Operation
	verdict        traces.Verdict
	reason         string
	cyclic         traces.Verdict
	cyclicReason   string
	levels         levelReport
	checkedHistory bool
}

// judgeRun judges a run at policy cyclic-alone (what the kernel promises
// under concurrency), and at cyclic for the report.
func judgeRun(run *oracle.ConcRun, p model.Params, timeout time.Duration) judged {
	j := judged{run: run}
	if run.Unknown != "" {
		j.verdict, j.reason = traces.Verdict{Outcome: traces.Unknown}, "the oracle could not observe everything: "+run.Unknown
		return j
	}
	j.h = kernelHistory(run)
	j.checkedHistory = true
	j.verdict, j.reason = judgeKernelHistory(spec.Linux(p, model.CyclicAlone), j.h, timeout)
	j.cyclic, j.cyclicReason = judgeKernelHistory(spec.Linux(p, model.Cyclic), j.h, timeout)
	j.levels = levelCyclic(j.h, p, timeout)
	return j
}

// shrunkTrace is the trace of a violation, its history shrunk
// (shrinkKernel); the reason says how much was dropped.
func shrunkTrace(run *oracle.ConcRun, j judged, p model.Params, timeout time.Duration, strategy string, seed uint64) *traces.Trace {
	s := spec.Linux(p, model.CyclicAlone)
	sc, h, dropped := shrinkKernel(run.Scenario, j.h, s, timeout)
	v, reason := judgeKernelHistory(s, h, timeout)
	if v.Outcome != traces.Violation {
		sc, h, v, reason, dropped = run.Scenario, j.h, j.verdict, j.reason, 0
	}
	if dropped > 0 {
		reason += fmt.Sprintf("\n(shrunk: %d of the %d ops observed were dropped, each one failed or only observed and overlapping no kept op of another thread; the rest is still not linearizable)", dropped, len(j.h))
	}
	t := kernelTrace(run, h, strategy, seed, v, reason)
	t.Scenario = sc
	return t
}

// notCyclic saves the history of j, linearizable at cyclic-alone but not at
// cyclic, as a trace judged at cyclic (unshrunk: the whole history, so
// the levels' reasons still apply to it).
func notCyclic(dir, shape string, seed uint64, j judged) concNotCyclic {
	nc := concNotCyclic{Seed: seed, Reason: j.cyclicReason, Levels: j.levels.Why}
	reason := j.cyclicReason
	if len(j.levels.Why) > 0 {
		reason += "\nnot cyclic even on its own: " + strings.Join(j.levels.Why, "\nnot cyclic even on its own: ")
	} else {
		reason += "\n(every space judged on its own was cyclic: no one order is cyclic in all of them at once)"
	}
	t := kernelTrace(j.run, j.h, "kernel concurrent shape="+shape, seed, j.cyclic, reason)
	t.Policy = model.Cyclic
	path, err := saveKernelTrace(dir, fmt.Sprintf("kernel-%s-%d.cyclic.trace", shape, seed), t)
	if err != nil {
		nc.Error = err.Error()
	} else {
		nc.Trace = path
	}
	return nc
}

// saveKernelTrace writes a violation's trace; it returns the path.
func saveKernelTrace(dir, name string, t *traces.Trace) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, traces.WriteFile(path, t)
}

func runKernelConcurrent(ctx context.Context, stdout, stderr io.Writer, f concFlags) error {
	pr := newProgress(stderr)
	p := oracle.Params()
	out := concJSON{jsonHeader: header("kernel-concurrent"), Seed: f.seed, Shape: f.shape, Threads: f.threads, OpsPerThread: f.ops, Violations: []concViolation{}, Outcomes: map[string]int{}}
	start := time.Now()
	var failure error
	var skews []int64
	for i := 0; i < f.scenarios; i++ {
		if f.budget > 0 && time.Since(start) > f.budget {
			break
		}
		if ctx.Err() != nil {
			out.Interrupted = true
			break
		}
		s := f.seed + uint64(i)
		pr.show("kernel --concurrent: scenario %d/%d (seed %d), %d checked, %d violation(s), %d unknown", i+1, f.scenarios, s, out.HistoriesChecked, len(out.Violations), out.Unknown)
		shape := f.shape
		sc, err := oracle.ConcurrentScenario(s, shape, f.threads, f.ops, p)
		if err != nil {
			failure = fmt.Errorf("scenario with seed %d: %w", s, err)
			break
		}
		run, err := oracle.RunConcurrent(ctx, sc)
		if err != nil {
			if ctx.Err() != nil {
				out.Interrupted = true
				break
			}
			// The oracle failed on this scenario (a task did not finish
			// dying in time on a loaded machine, …): Unknown, not a
			// verdict on the kernel; too many and the run stops.
			out.Scenarios++
			out.Unknown++
			out.OracleErrors++
			if len(out.UnknownReasons) < 10 {
				out.UnknownReasons = append(out.UnknownReasons, fmt.Sprintf("seed %d: the oracle failed: %v", s, err))
			}
			if out.OracleErrors > maxOracleErrors {
				failure = fmt.Errorf("%d oracle failures, the last with seed %d: %w", out.OracleErrors, s, err)
				break
			}
			continue
		}
		out.Scenarios++
		out.Ops += len(run.History)
		out.OverlappingPairs += run.Overlaps
		if run.StartSkew > 0 {
			skews = append(skews, run.StartSkew)
		}
		for _, o := range run.History {
			if o.Thread != oracle.Main {
				out.Outcomes[o.Op.Kind.String()+":"+outcomeOf(o)]++
			}
		}
		j := judgeRun(run, p, f.checkTimeout)
		if j.checkedHistory {
			out.HistoriesChecked++
			out.LevelsCyclic += j.levels.Cyclic
			out.LevelsNotCyclic += j.levels.NotCyclic
			out.LevelsUndecided += j.levels.Undecided
			out.LevelsNotJudged += j.levels.NotJudged
			if j.cyclic.Outcome == traces.Ok {
				out.CyclicOk++
			} else if j.cyclic.Outcome == traces.Violation {
				out.CyclicNot++
				if j.verdict.Outcome == traces.Ok && len(out.NotCyclic) < maxNotCyclic {
					nc := notCyclic(f.out, shape, s, j)
					out.NotCyclic = append(out.NotCyclic, nc)
					if !f.json {
						pr.clear()
						why, _, _ := strings.Cut(nc.Reason, "\n")
						fmt.Fprintf(stdout, "not cyclic (linearizable at cyclic-alone): scenario seed %d (%s): %s\n", s, shape, why)
						for _, l := range nc.Levels {
							why, _, _ := strings.Cut(l, "\n")
							fmt.Fprintf(stdout, "  not cyclic on its own: %s\n", why)
						}
						if nc.Trace != "" {
							fmt.Fprintf(stdout, "  trace: %s\n  show it: pidcheck replay %s\n\n", nc.Trace, nc.Trace)
						}
					}
				}
			}
		}
		switch j.verdict.Outcome {
		case traces.Ok:
			out.Ok++
		case traces.Unknown:
			out.Unknown++
			if len(out.UnknownReasons) < 10 {
				out.UnknownReasons = append(out.UnknownReasons, fmt.Sprintf("seed %d: %s", s, j.reason))
			}
		case traces.Violation:
			t := shrunkTrace(run, j, p, f.checkTimeout, "kernel concurrent shape="+shape, s)
			path, err := saveKernelTrace(f.out, fmt.Sprintf("kernel-%s-%d.trace", shape, s), t)
			v := concViolation{Seed: s, Shape: shape, Trace: path, Reason: j.reason}
			if err != nil {
				v.Error = err.Error()
			}
			out.Violations = append(out.Violations, v)
			if !f.json {
				pr.clear()
				fmt.Fprintf(stdout, "violation: scenario seed %d (%s): %s\n  trace: %s\n  show it: pidcheck replay %s\n\n", s, shape, j.reason, path, path)
			}
		}
	}
	pr.clear()
	out.Seconds = time.Since(start).Seconds()
	if failure != nil {
		out.Error = failure.Error()
	}
	if len(skews) > 0 {
		slices.Sort(skews)
		out.StartSkewP50 = float64(skews[len(skews)/2]) / 1e3
		out.StartSkewP90 = float64(skews[len(skews)*9/10]) / 1e3
	}
	if f.json {
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%d scenario(s), %d histories checked (%d ops, %d overlapping op pairs): %d ok, %d violation(s), %d unknown; cyclic as a whole: %d of %d; spaces on their own: %d cyclic, %d not, %d undecided, %d not judged; %.1fs\n",
			out.Scenarios, out.HistoriesChecked, out.Ops, out.OverlappingPairs, out.Ok, len(out.Violations), out.Unknown, out.CyclicOk, out.HistoriesChecked,
			out.LevelsCyclic, out.LevelsNotCyclic, out.LevelsUndecided, out.LevelsNotJudged, out.Seconds)
	}
	switch {
	case len(out.Violations) > 0:
		if failure != nil {
			fmt.Fprintf(stderr, "pidcheck: kernel oracle failed: %v\n", failure)
		}
		return withStatus(exitViolation)
	case failure != nil:
		return &exitError{code: exitUnknown, err: fmt.Errorf("kernel oracle failed, inconclusive: %w", failure)}
	case out.Interrupted:
		return &exitError{code: exitUnknown, err: errors.New("interrupted: inconclusive")}
	case out.Unknown > 0:
		return withStatus(exitUnknown)
	}
	return nil
}

// replayObserved shows a trace of an observed history (a kernel history:
// traces.Trace.Source is set) and judges its recorded history again; it
// cannot re-execute anything. Exit status as replay: 1 a violation, 0 ok,
// 3 undecided.
func replayObserved(stdout, stderr io.Writer, path string, t *traces.Trace, html string, asJSON bool, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if err := checkerSpecFits(t); err != nil {
		return badInput(fmt.Errorf("%s:%d: %v", path, keyLine(path, "spec"), err))
	}
	s := spec.Linux(t.Scenario.Params, t.Policy)
	v, reason := judgeKernelHistory(s, t.History, timeout)
	status := exitOf(v)
	htmlErr := ""
	if html != "" {
		// porcupine's page of the recorded history (no scheduler
		// decisions to annotate it with: the kernel made them).
		if err := writeHTML(html, checker.ResultFromTrace(t)); err != nil {
			htmlErr = err.Error()
			fmt.Fprintf(stderr, "pidcheck: --html: %v\n", err)
			status = exitBadInput
		}
	}
	if asJSON {
		out := replayJSON{jsonHeader: header("replay"), File: path, Impl: t.Impl, Spec: t.Spec, Policy: t.Policy.String(), Level: t.Scenario.Level.String(),
			Recorded: t.Verdict.String(), Verdict: v.String(), Reason: reason, Hash: fmt.Sprintf("%016x", t.Hash), Exit: status,
			Divergence: "not re-executed: " + t.Source, HTMLError: htmlErr}
		if html != "" && htmlErr == "" {
			out.HTML = html
		}
		out.History = historyJSON(t.History)
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
		return statusErr(status)
	}
	printHeader(stdout, t)
	fmt.Fprintf(stdout, "source: %s\n\n", t.Source)
	printHistory(stdout, t.History)
	fmt.Fprintln(stdout)
	printVerdict(stdout, v, reason)
	switch {
	case v == t.Verdict:
		fmt.Fprintf(stdout, "judged again: %s, as recorded (the history was not re-executed: a kernel history cannot be)\n", v)
	default:
		fmt.Fprintf(stdout, "the trace recorded %s; judged again, the recorded history is %s (not re-executed)\n", t.Verdict, v)
	}
	if html != "" && htmlErr == "" {
		fmt.Fprintf(stdout, "html: %s\n", html)
	}
	return statusErr(status)
}

// checkerSpecFits says whether an observed trace can be judged here:
// the Linux spec at the process level (what the kernel oracle records).
func checkerSpecFits(t *traces.Trace) error {
	if t.Spec != "linux" || t.Scenario.Level != model.ProcessLevel {
		return fmt.Errorf("an observed history is judged by the linux spec at the process level, not %s at the %s level", t.Spec, t.Scenario.Level)
	}
	return nil
}

// inert reports whether an observed op changes nothing in the spec's
// state, whatever the order: a failed fork, unshare, setns, kill or sysctl
// write, a signal-0 probe, a wait that reaped nothing, and the pure
// observations. Dropping inert ops from an illegal history keeps it
// illegal only if it still fails the judge (shrinkKernel checks), and what
// is left is still exactly what the kernel answered: ops it really ran.
func inert(o traces.Operation) bool {
	switch o.Op.Kind {
	case model.GetPid, model.GetPPid, model.Translate, model.Lookup:
		return true
	case model.Wait:
		return o.Result.Err != model.OK || o.Result.N == 0
	case model.Kill:
		return o.Result.Err != model.OK || o.Op.Sig == 0
	case model.Fork, model.ForkWithTid, model.Unshare, model.SetNs, model.SetPidMax, model.SetLastPid:
		return o.Result.Err != model.OK
	}
	return false
}

// shrinkKernel drops inert ops of a violating kernel history, one at a
// time, as long as the history still fails the judge: a shorter history
// the kernel showed, easier to read. It returns the shrunk scenario and
// history and how many ops it dropped. The init part is kept whole (it
// builds the state the rest needs).
func shrinkKernel(sc model.Scenario, h []traces.Operation, s spec.Spec, timeout time.Duration) (model.Scenario, []traces.Operation, int) {
	initN := len(sc.Init)
	full := h
	for i := len(h) - 1; i >= 0; i-- {
		o := h[i]
		if !inert(o) || (o.Thread == "main" && mainIndex(h, i) < initN) {
			continue
		}
		cand := append(slices.Clip(h[:i]), h[i+1:]...)
		if v, _ := judgeKernelHistory(s, cand, timeout); v.Outcome == traces.Violation {
			h = cand
		}
	}
	// Put back the dropped ops that overlap a kept op of another thread:
	// they are the context of the violation (the in-flight fork holding
	// a number, the probe inside a window). Adding inert ops never makes
	// an illegal history legal (drop them from a linearization of the
	// larger one and it still replays), so no judge is needed.
	kept := map[int]bool{}
	for _, o := range h {
		kept[o.Call] = true
	}
	var back []traces.Operation
	for _, d := range full {
		if kept[d.Call] || d.Thread == "main" {
			continue
		}
		for _, k := range h {
			if k.Thread != "main" && k.Thread != d.Thread && d.Call <= k.Return && k.Call <= d.Return {
				back = append(back, d)
				break
			}
		}
	}
	h = append(slices.Clip(h), back...)
	slices.SortFunc(h, func(a, b traces.Operation) int { return a.Call - b.Call })
	dropped := len(full) - len(h)
	// The scenario is what the kept history ran.
	out := model.Scenario{Level: sc.Level, Params: sc.Params, Threads: make([][]model.Op, len(sc.Threads))}
	m := 0
	for _, o := range h {
		if o.Thread == "main" {
			if m < initN {
				out.Init = append(out.Init, o.Op)
			} else {
				out.Post = append(out.Post, o.Op)
			}
			m++
			continue
		}
		t := threadIndex(o.Thread)
		out.Threads[t] = append(out.Threads[t], o.Op)
	}
	return out, h, dropped
}

// mainIndex is the position of h[i] (a main op) among the main ops.
func mainIndex(h []traces.Operation, i int) int {
	n := 0
	for _, o := range h[:i] {
		if o.Thread == "main" {
			n++
		}
	}
	return n
}

// outcomeOf names an op's answer for the outcome tally: the errno, or ok.
func outcomeOf(o oracle.TimedOp) string {
	if o.Result.Err != model.OK {
		return o.Result.Err.String()
	}
	if o.Op.Kind == model.Wait && o.Result.N == 0 {
		return "0"
	}
	return "ok"
}
