package traces

import (
	"bytes"
	"slices"
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
)

// TestDecisionConvertsFromSched: a scheduler Decision converts to a trace
// Decision field for field (the conversion compiles only while the two
// structs match) and survives Format and Parse.
func TestDecisionConvertsFromSched(t *testing.T) {
	in := sched.Decision{Runnable: []string{"main", "A", "B"}, Thread: "B", Action: "B CAS cursor 5→6 ok"}
	tr := exampleTrace()
	tr.Decisions[2] = Decision(in)
	tr.Decisions[2].Runnable = append([]string(nil), in.Runnable...)
	text, err := Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("sched.trace", bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if out := sched.Decision(back.Decisions[2]); out.Thread != in.Thread || out.Action != in.Action || len(out.Runnable) != 3 {
		t.Errorf("decision came back as %+v, want %+v", out, in)
	}
}

// names fills buf with the names of p's runnable threads.
func names(buf []string, p *sched.Point) []string {
	buf = buf[:0]
	for i := range p.Runnable {
		buf = append(buf, p.Name(i))
	}
	return buf
}

// cursorChooser replays a trace through its Cursor: the chooser a replay
// of a trace with runs uses.
type cursorChooser struct {
	tr  *Trace
	cur *Cursor
	buf []string
}

func (c *cursorChooser) Begin() { c.cur = c.tr.Cursor() }
func (c *cursorChooser) Choose(p *sched.Point) (int, error) {
	c.buf = names(c.buf, p)
	return c.cur.Next(c.buf)
}
func (c *cursorChooser) End(*sched.Outcome) {}

// prefixThenContinue follows the first decisions of a recorded schedule,
// then RuleContinue: how a checker turns a livelock found by a random
// schedule into one that compacts.
type prefixThenContinue struct {
	prefix []sched.Decision
	k      int
	last   string
	buf    []string
}

func (c *prefixThenContinue) Begin() { c.k, c.last = 0, "" }
func (c *prefixThenContinue) Choose(p *sched.Point) (int, error) {
	c.buf = names(c.buf, p)
	i := RuleContinue.Choose(c.last, c.buf)
	if c.k < len(c.prefix) {
		i = slices.Index(c.buf, c.prefix[c.k].Thread)
	}
	c.k++
	c.last = c.buf[i]
	return i, nil
}
func (c *prefixThenContinue) End(*sched.Outcome) {}

// TestLivelockTraceReplaysOnTheScheduler: a real livelock (two threads
// spinning on a flag nobody sets) found by a random schedule, rerun with
// its first decisions and then RuleContinue, is still a step-bound run;
// through a Compactor it becomes a small v2 trace, and replaying that trace
// through a Cursor on the scheduler gives the same verdict, the same number
// of decisions, the same hash, and the recorded actions. This is the
// checker's path for the checker-edges audit, end to end.
func TestLivelockTraceReplaysOnTheScheduler(t *testing.T) {
	body := func(env sched.Env) {
		flag := env.NewInt32("flag", 0)
		spin := func() {
			for flag.Load() == 0 {
				env.Yield()
			}
		}
		env.Go("A", spin)
		env.Go("B", spin)
	}
	opts := sched.Options{MaxSteps: 20000}
	found := sched.Run(sched.NewRandom(7), opts, body)
	if found.Verdict != sched.StepBound {
		t.Fatalf("random schedule: %v, want a step-bound run", found)
	}
	random, _ := Compact(traceDecisions(found.Decisions()), 64, 8, 16)
	t.Logf("the random schedule's %d decisions compact to %d recorded ones", found.Steps, len(random))

	rerun := sched.Run(&prefixThenContinue{prefix: found.Decisions()[:100]}, opts, body)
	if rerun.Verdict != sched.StepBound {
		t.Fatalf("prefix then continue: %v, want a step-bound run", rerun)
	}
	c := Compactor{MinRun: 64, KeepHead: 8, KeepTail: 16}
	for _, d := range rerun.Decisions() {
		c.Add(Decision(d))
	}
	tr := exampleTrace()
	tr.Verdict = Verdict{Outcome: Violation, Kind: StepBound}
	tr.History = tr.History[:3]
	tr.History[1].Return = NoReturn
	tr.Decisions, tr.Runs = c.Result()
	tr.Hash = rerun.Hash
	text, err := Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("livelock.trace", bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rerun: %d decisions, %d recorded, %d runs, %d bytes", rerun.Steps, len(back.Decisions), len(back.Runs), len(text))
	if len(back.Decisions) > 200 || back.Steps() != rerun.Steps {
		t.Fatalf("%d recorded of %d steps, want a bounded few of %d", len(back.Decisions), back.Steps(), rerun.Steps)
	}

	ch := &cursorChooser{tr: back}
	replay := sched.Run(ch, opts, body)
	if replay.Verdict != sched.StepBound || replay.Steps != rerun.Steps || replay.Hash != back.Hash || !ch.cur.Done() {
		t.Fatalf("replay: %v (done %v), want step-bound after %d decisions, hash %016x", replay, ch.cur.Done(), rerun.Steps, back.Hash)
	}
	// Every recorded decision's action is what the replay did there.
	got := replay.Decisions()
	step, run := 0, 0
	for i, d := range back.Decisions {
		for ; run < len(back.Runs) && back.Runs[run].At == i; run++ {
			step += back.Runs[run].N
		}
		if got[step].Action != d.Action || got[step].Thread != d.Thread {
			t.Fatalf("decision %d: replay %+v, trace %+v", step, got[step], d)
		}
		step++
	}
}

func traceDecisions(ds []sched.Decision) []Decision {
	out := make([]Decision, len(ds))
	for i, d := range ds {
		out[i] = Decision(d)
	}
	return out
}
