package checker

import (
	"testing"
	"time"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/traces"
)

// Fuzz makes f a coverage-guided fuzz target for a user's implementation:
// each fuzz input chooses a scenario and every scheduling decision (see
// BytesSource), and any verdict but Ok fails. A failure is shrunk, written
// to testdata/pidcheck/<FuzzName>.trace and reported in one banner; the
// next run of the target replays that trace first, as Check does, so
//
//	go test -run '^FuzzName$' ./pkg
//
// reproduces it (Go's own crasher, saved under testdata/fuzz/, fails the
// same run too). Run the fuzzer with a short minimization time: these
// inputs are long, and Go's default (60 s per new input) starves it.
//
//	go test -run '^$' -fuzz '^FuzzName$' -fuzztime 1m -fuzzminimizetime 5s ./pkg
//
// Each input is bounded well inside Go's 10 s hang limit (FuzzRunOptions
// where o.Run is zero).
func Fuzz(f *testing.F, newImpl NewImpl, o CheckOptions) {
	f.Helper()
	target, err := o.target(f, newImpl)
	if err != nil {
		f.Fatalf("checker.Fuzz: %v", err)
	}
	cmd := testCommand(f.Name())
	if o.Run == (RunOptions{}) {
		o.Run = FuzzRunOptions
	}
	g, err := o.Gen.withDefaults()
	if err != nil {
		f.Fatalf("checker.Fuzz: %v", err)
	}
	s, err := SpecFor(target.Spec, g.Params, target.Policy)
	if err != nil {
		f.Fatalf("checker.Fuzz: %v", err)
	}
	g = withOracle(g, s)
	path := o.tracePath(target.Name)
	if replaySaved(f, target, path, cmd, o.update()) {
		return
	}
	ro := o.Run
	ro.Drain = true
	ro.Strategy = "fuzz"
	f.Fuzz(func(t *testing.T, data []byte) {
		src := BytesSource(data)
		sc := Generate(src, target.Level(), g)
		r := Run(target, sc, sched.NewDrawing(func(n int) int { return src.IntRange(0, n-1, "thread") }), ro)
		if r.Verdict.Outcome == traces.Ok {
			return
		}
		r = Shrink(target, r, ShrinkOptions{Run: o.Run, Time: fuzzShrinkTime})
		werr := writeTrace(path, r, cmd)
		t.Fatalf("%s", Banner(r, Reproduce{Trace: path, WriteErr: werr, Command: cmd}))
	})
}

// FuzzRunOptions bound one fuzz input well inside Go's fuzz hang limit
// (10 s, which is also the scheduler's default watchdog and porcupine's
// default budget, so a stuck input would be reported as a hung fuzzer with
// no crasher): an input that loops, blocks or cannot be judged becomes a
// step-bound, watchdog or Unknown verdict — a failure with its input saved
// — within about 5 s even on a loaded machine. A normal input costs
// 0.1–0.2 ms and at most a few hundred decisions (measured over 400 rapid
// examples per implementation: linux, the largest, took 536), so the
// bounds never cut a run that would have ended.
var FuzzRunOptions = RunOptions{MaxSteps: 20000, Watchdog: 2 * time.Second, CheckTimeout: 2 * time.Second}

// fuzzShrinkTime bounds the shrinking of a fuzz failure: Go's fuzzer calls
// the target again for every candidate while it minimizes the input, and
// each failing call shrinks afresh (the last one writes the trace).
const fuzzShrinkTime = 2 * time.Second

// BytesSource draws every choice from data, as a fuzz input: each draw
// takes as many bytes as its range needs (one for up to 256 values), and
// once data runs out every draw is its lowest value — so a shorter input
// is a simpler scenario with fewer preemptions, and any input is valid.
func BytesSource(data []byte) Source { return &bytesSource{data: data} }

type bytesSource struct {
	data []byte
	off  int
}

func (s *bytesSource) IntRange(lo, hi int, _ string) int {
	if hi <= lo {
		return lo
	}
	span := uint64(hi - lo)
	var x uint64
	for need := span; need > 0; need >>= 8 {
		x <<= 8
		if s.off < len(s.data) {
			x |= uint64(s.data[s.off])
			s.off++
		}
	}
	return lo + int(x%(span+1))
}
