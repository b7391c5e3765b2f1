package traces

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"pgregory.net/rapid"
)

func genHandle(t *rapid.T, label string) model.Handle {
	return model.Handle(rapid.IntRange(0, 40).Draw(t, label))
}

// genOp draws any op of the given level with arguments in range.
func genOp(level model.Level) *rapid.Generator[model.Op] {
	var kinds []model.Kind
	for _, k := range model.Kinds() {
		if k.Level() == level {
			kinds = append(kinds, k)
		}
	}
	return rapid.Custom(func(t *rapid.T) model.Op {
		k := rapid.SampledFrom(kinds).Draw(t, "kind")
		num := rapid.IntRange(-3, 5000)
		op := model.Op{Kind: k}
		if level == model.ProcessLevel {
			op.Task = genHandle(t, "task")
		}
		switch k {
		case model.Fork, model.Thread:
			op.Child = genHandle(t, "child")
		case model.ForkWithTid:
			op.Child = genHandle(t, "child")
			op.Tids = rapid.SliceOfN(num, 1, 4).Draw(t, "tids")
		case model.Exit, model.ExitThread:
			op.Code = num.Draw(t, "code")
		case model.Wait, model.Lookup:
			op.Pid = num.Draw(t, "pid")
		case model.Kill:
			op.Pid = num.Draw(t, "pid")
			op.Sig = rapid.SampledFrom([]int{0, 9, 15}).Draw(t, "sig")
		case model.SetNs, model.SetNsChildren, model.Translate:
			op.Target = genHandle(t, "target")
		case model.SetPidMax, model.SetLastPid, model.Free, model.AllocAt, model.SetCursor, model.SetMax, model.Subreaper:
			op.N = num.Draw(t, "n")
		case model.SetPgid:
			op.Pid, op.N = num.Draw(t, "pid"), num.Draw(t, "pgid")
		case model.GetPgid, model.GetSid:
			op.Pid = num.Draw(t, "pid")
		case model.SigChld:
			op.N = rapid.IntRange(-1, 3).Draw(t, "disposition")
		case model.Clone:
			op.Child = genHandle(t, "child")
			op.N = rapid.IntRange(-1, 9).Draw(t, "flags")
		}
		return op
	})
}

// anyInt draws any int, its extremes often.
var anyInt = rapid.OneOf(rapid.Int(), rapid.SampledFrom([]int{math.MinInt, math.MaxInt, 1 << 40, -1 << 40, -1, 0}))

// genResult draws a result an op of kind k could return, or now and then
// any value a Result can hold: the code under test may return anything.
func genResult(t *rapid.T, k model.Kind) model.Result {
	if rapid.IntRange(0, 5).Draw(t, "wild") == 0 {
		return model.Result{
			Err:    model.Errno(rapid.SampledFrom([]int{0, 0, 0, 1, 9, 200, 255}).Draw(t, "errno")),
			N:      anyInt.Draw(t, "n"),
			NSpid:  rapid.SliceOfN(anyInt, 0, 3).Draw(t, "nspid"),
			Task:   model.Handle(anyInt.Draw(t, "task")),
			Status: model.Status{Code: anyInt.Draw(t, "code"), Signal: anyInt.Draw(t, "signal")},
		}
	}
	if rapid.IntRange(0, 3).Draw(t, "fail") == 0 {
		return model.Fail(rapid.SampledFrom(model.Errnos()[1:]).Draw(t, "errno"))
	}
	switch k {
	case model.Fork, model.ForkWithTid, model.Thread:
		return model.Result{NSpid: rapid.SliceOfN(rapid.IntRange(1, 5000), 1, 5).Draw(t, "nspid")}
	case model.Wait:
		if rapid.Bool().Draw(t, "none") {
			return model.Result{}
		}
		r := model.Result{N: rapid.IntRange(1, 5000).Draw(t, "pid")}
		if rapid.Bool().Draw(t, "killed") {
			r.Status.Signal = rapid.SampledFrom([]int{9, 15}).Draw(t, "sig")
		} else {
			r.Status.Code = rapid.IntRange(0, 255).Draw(t, "code")
		}
		return r
	case model.GetPid, model.GetPPid, model.GetTid, model.Translate, model.Alloc:
		return model.Result{N: rapid.IntRange(0, 5000).Draw(t, "n")}
	case model.Lookup:
		return model.Result{Task: genHandle(t, "found")}
	}
	return model.Result{}
}

// genText draws strings that exercise the quoting: plain words, blanks at
// the ends, quotes, brackets, control characters, invalid UTF-8.
func genText(label string) *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom([]string{"", "B CAS cursor 5→6 ok", " lead", "trail ", `"quoted"`, "[x]", "a b", "tab\there", "nul\x00", "\xff\xfe", "#hash", "line\nbreak", "cr\r", "\u00a0nbsp", "|"}),
		rapid.String(),
		rapid.StringMatching(`[A-Za-z0-9 _\-\[\]"|#→]{0,12}`),
	)
}

// genTrace draws a valid trace: a scenario, a history that runs it (each
// thread in order, one op at a time, ticks distinct and increasing), and
// decisions, hash, verdict and reason drawn freely.
func genTrace() *rapid.Generator[*Trace] {
	return rapid.Custom(func(t *rapid.T) *Trace {
		level := rapid.SampledFrom([]model.Level{model.ProcessLevel, model.AllocLevel}).Draw(t, "level")
		gop := genOp(level)
		ops := func(label string, max int) []model.Op {
			return rapid.SliceOfN(gop, 0, max).Draw(t, label)
		}
		floor := rapid.IntRange(1, 400).Draw(t, "floor")
		tr := &Trace{
			Impl:     genText("impl").Draw(t, "impl"),
			Spec:     genText("spec").Draw(t, "spec"),
			Policy:   rapid.SampledFrom([]model.Policy{model.Cyclic, model.Lowest, model.Unique}).Draw(t, "policy"),
			Strategy: genText("strategy").Draw(t, "strategy"),
			Seed:     rapid.Uint64().Draw(t, "seed"),
			Scenario: model.Scenario{
				Level: level,
				Params: model.Params{
					PidMax:   floor + rapid.IntRange(1, 5000).Draw(t, "span"),
					Floor:    floor,
					MaxLevel: rapid.IntRange(0, 64).Draw(t, "maxlevel"),
				},
				Init: ops("init", 4),
				Post: ops("post", 4),
			},
			Hash:   rapid.Uint64().Draw(t, "hash"),
			Reason: genText("reason").Draw(t, "reason"),
		}
		if rapid.Bool().Draw(t, "min_pid_max_set") { // the groups, sessions and reaping model: the machine's pid_max_min
			p := &tr.Scenario.Params
			p.MinPidMax = rapid.IntRange(p.Floor+1, p.PidMax).Draw(t, "min_pid_max")
		}
		if tr.Impl == "" {
			tr.Impl = "x"
		}
		if tr.Spec == "" {
			tr.Spec = "y"
		}
		nthreads := rapid.IntRange(0, 5).Draw(t, "threads")
		for i := range nthreads {
			tr.Scenario.Threads = append(tr.Scenario.Threads, ops(model.ThreadName(i), 4))
		}

		switch rapid.IntRange(0, 2).Draw(t, "outcome") {
		case 0:
			tr.Verdict = Verdict{Outcome: Ok}
		case 1:
			tr.Verdict = Verdict{Outcome: Unknown}
		default:
			tr.Verdict = Verdict{Outcome: Violation, Kind: rapid.SampledFrom(Kinds()).Draw(t, "kind")}
		}
		stopped := tr.Verdict.Kind.Stopped()

		// The history: main runs init, the threads interleave, main runs post.
		tick := 0
		next := func() int { tick += rapid.IntRange(1, 3).Draw(t, "gap"); return tick }
		run := func(thread string, op model.Op) {
			o := Operation{Thread: thread, Op: op, Call: next()}
			o.Return = next()
			o.Result = genResult(t, op.Kind)
			tr.History = append(tr.History, o)
		}
		for _, op := range tr.Scenario.Init {
			run("main", op)
		}
		type state struct {
			done, limit int
			open        int // index in History of the op in flight, or -1
		}
		states := make([]state, nthreads)
		for i, list := range tr.Scenario.Threads {
			states[i] = state{limit: len(list), open: -1}
			if stopped {
				states[i].limit = rapid.IntRange(0, len(list)).Draw(t, "limit")
			}
		}
		for {
			var live []int
			for i, s := range states {
				if s.open >= 0 || s.done < s.limit {
					live = append(live, i)
				}
			}
			if len(live) == 0 {
				break
			}
			i := rapid.SampledFrom(live).Draw(t, "thread")
			s := &states[i]
			if s.open >= 0 {
				if stopped && s.done == s.limit && rapid.IntRange(0, 3).Draw(t, "hang") == 0 {
					s.open = -1 // never returns
					continue
				}
				o := &tr.History[s.open]
				o.Return = next()
				o.Result = genResult(t, o.Op.Kind)
				s.open = -1
				continue
			}
			tr.History = append(tr.History, Operation{
				Thread: model.ThreadName(i), Op: tr.Scenario.Threads[i][s.done], Call: next(), Return: NoReturn,
			})
			s.open = len(tr.History) - 1
			s.done++
		}
		if !stopped {
			for _, op := range tr.Scenario.Post {
				run("main", op)
			}
		}

		names := rapid.SliceOfNDistinct(genText("name"), 1, 5, rapid.ID[string]).Draw(t, "names")
		nd := rapid.IntRange(0, 12).Draw(t, "decisions")
		for range nd {
			var d Decision
			for _, n := range names {
				if n != "" && rapid.Bool().Draw(t, "runnable") {
					d.Runnable = append(d.Runnable, n)
				}
			}
			if len(d.Runnable) == 0 {
				d.Runnable = []string{"main"}
			}
			d.Thread = rapid.SampledFrom(d.Runnable).Draw(t, "chosen")
			d.Action = genText("action").Draw(t, "action")
			tr.Decisions = append(tr.Decisions, d)
		}
		// Runs of unrecorded decisions (v2), anywhere among the recorded ones.
		ats := rapid.SliceOfN(rapid.IntRange(0, nd), 0, 3).Draw(t, "runs")
		slices.Sort(ats)
		for _, at := range ats {
			tr.Runs = append(tr.Runs, Run{
				At:   at,
				N:    rapid.OneOf(rapid.IntRange(1, 100), rapid.IntRange(1, 1<<34)).Draw(t, "run"),
				Rule: rapid.SampledFrom([]Rule{RuleContinue, RuleRoundRobin}).Draw(t, "rule"),
			})
		}
		return tr
	})
}

// TestPropertyFormatParseRoundTrip: every valid trace formats, parses back
// to itself, and formats again to the same bytes.
func TestPropertyFormatParseRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := genTrace().Draw(t, "trace")
		if err := tr.Validate(); err != nil {
			t.Fatalf("generated trace is invalid: %v", err)
		}
		text, err := Marshal(tr)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("gen.trace", bytes.NewReader(text))
		if err != nil {
			t.Fatalf("Parse(Format(t)): %v\n%s", err, text)
		}
		if !back.Equal(tr) {
			t.Fatalf("Parse(Format(t)) differs from t:\n%s\nparsed: %+v\nwant:   %+v", text, back, tr)
		}
		again, err := Marshal(back)
		if err != nil || !bytes.Equal(again, text) {
			t.Fatalf("Format(Parse(Format(t))) differs (%v):\n%s\nwant:\n%s", err, again, text)
		}
	})
}

// TestPropertyCRLFReadsTheSame: a trace saved with Windows line ends reads
// as the original.
func TestPropertyCRLFReadsTheSame(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := genTrace().Draw(t, "trace")
		text, err := Marshal(tr)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		crlf := bytes.ReplaceAll(text, []byte("\n"), []byte("\r\n"))
		back, err := Parse("crlf.trace", bytes.NewReader(crlf))
		if err != nil {
			t.Fatalf("Parse(CRLF): %v", err)
		}
		if !back.Equal(tr) {
			t.Fatalf("Parse(CRLF) differs from t")
		}
	})
}

// TestSourceRoundTrips: a kernel history's trace (source set, no
// decisions) reads back as itself, and a source with decisions is refused.
func TestSourceRoundTrips(t *testing.T) {
	op, err := model.ParseOp("t0 fork t1")
	if err != nil {
		t.Fatal(err)
	}
	tr := &Trace{Impl: "kernel", Spec: "linux", Policy: model.Unique, Strategy: "kernel concurrent", Seed: 3,
		Source:   "kernel 6.18.44 (real history: cannot be re-executed)",
		Scenario: model.Scenario{Level: model.ProcessLevel, Params: model.Params{PidMax: 4194304, Floor: 300, MaxLevel: 31}, Threads: [][]model.Op{{op}}},
		History:  []Operation{{Thread: "A", Op: op, Call: 0, Return: 1, Result: model.Result{NSpid: []int{2}}}},
		Verdict:  Verdict{Outcome: Ok}}
	b, err := Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "\nsource    kernel 6.18.44") {
		t.Fatalf("no source line:\n%s", b)
	}
	back, err := Parse("k.trace", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(tr) {
		t.Fatalf("read back differs:\n%s", b)
	}
	// An observed thread may call while its previous op completes (a
	// kill whose target is still dying); a run of the checker may not.
	kill, _ := model.ParseOp("t0 kill 2 9")
	tr.Scenario.Threads[0] = []model.Op{op, kill, op2(t)}
	tr.History = []Operation{{Thread: "A", Op: op, Call: 0, Return: 1, Result: model.Result{NSpid: []int{2}}},
		{Thread: "A", Op: kill, Call: 2, Return: 5}, {Thread: "A", Op: op2(t), Call: 3, Return: 4, Result: model.Result{NSpid: []int{3}}}}
	if _, err := Marshal(tr); err != nil {
		t.Fatalf("an observed history with a kill completing after the next call: %v", err)
	}
	src := tr.Source
	tr.Source = ""
	if _, err := Marshal(tr); err == nil {
		t.Fatal("a checker trace with overlapping ops of one thread was written")
	}
	tr.Source = src
	tr.Decisions = []Decision{{Runnable: []string{"A"}, Thread: "A", Action: "x"}}
	if _, err := Marshal(tr); err == nil || !strings.Contains(err.Error(), "source") {
		t.Fatalf("a sourced trace with decisions was written: %v", err)
	}
}

func op2(t *testing.T) model.Op {
	op, err := model.ParseOp("t0 fork t2")
	if err != nil {
		t.Fatal(err)
	}
	return op
}
