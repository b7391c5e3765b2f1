package traces

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

var update = flag.Bool("update", false, "rewrite testdata/example.trace from exampleTrace")

func op(s string) model.Op {
	o, err := model.ParseOp(s)
	if err != nil {
		panic(err)
	}
	return o
}

func ops(lines ...string) []model.Op {
	var out []model.Op
	for _, l := range lines {
		out = append(out, op(l))
	}
	return out
}

// exampleTrace is the trace in testdata/example.trace: two threads allocate
// at once from an allocator whose cursor update is not atomic, and both get
// the same number.
func exampleTrace() *Trace {
	return &Trace{
		Impl:     "idr-stale-cursor",
		Spec:     "alloc",
		Policy:   model.Cyclic,
		Strategy: "pct depth=2",
		Seed:     42,
		Scenario: model.Scenario{
			Level:   model.AllocLevel,
			Params:  model.SmallParams(),
			Init:    ops("alloc"),
			Threads: [][]model.Op{ops("alloc"), ops("alloc", "free 2")},
			Post:    ops("free 1"),
		},
		Decisions: []Decision{
			{Runnable: []string{"main"}, Thread: "main", Action: "main load cursor 0"},
			{Runnable: []string{"main"}, Thread: "main", Action: "main CAS cursor 0→1 ok"},
			{Runnable: []string{"main", "A", "B"}, Thread: "A", Action: "A load cursor 1"},
			{Runnable: []string{"main", "A", "B"}, Thread: "B", Action: "B load cursor 1"},
			{Runnable: []string{"main", "A", "B"}, Thread: "A", Action: "A store cursor 2"},
			{Runnable: []string{"main", "A", "B"}, Thread: "B", Action: "B store cursor 2"},
			{Runnable: []string{"main", "B"}, Thread: "B", Action: "B and pidmap[0] ^0x4 → 0x6"},
			{Runnable: []string{"main"}, Thread: "main", Action: `main wait "threads done"`},
		},
		Hash: 0x9e3779b97f4a7c15,
		History: []Operation{
			{Thread: "main", Op: op("alloc"), Call: 0, Return: 1, Result: model.Result{N: 1}},
			{Thread: "A", Op: op("alloc"), Call: 2, Return: 5, Result: model.Result{N: 2}},
			{Thread: "B", Op: op("alloc"), Call: 3, Return: 4, Result: model.Result{N: 2}},
			{Thread: "B", Op: op("free 2"), Call: 6, Return: 7},
			{Thread: "main", Op: op("free 1"), Call: 8, Return: 9},
		},
		Verdict: Verdict{Outcome: Violation, Kind: Linearizability},
		Reason: "no linearization of the history: A and B both got 2 while it was allocated once\n" +
			"\tlongest prefix: main alloc -> 1, B alloc -> 2\n" +
			"  then A alloc -> 2: 2 is taken (cursor 2)",
	}
}

// TestGoldenExample: the example trace formats exactly as the committed
// file, and the committed file parses back to it. Run with -update to
// rewrite the file; read the diff before committing it.
func TestGoldenExample(t *testing.T) {
	path := filepath.Join("testdata", "example.trace")
	var buf bytes.Buffer
	if err := Format(&buf, exampleTrace()); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := WriteFile(path, exampleTrace()); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("Format(exampleTrace) differs from %s (rerun with -update and read the diff):\n%s", path, buf.Bytes())
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(exampleTrace()) {
		t.Errorf("ReadFile(%s) = %+v, want exampleTrace()", path, got)
	}
}

// TestTestdataTracesRoundTrip: every trace under testdata parses, and
// formats to text that parses back to the same trace.
func TestTestdataTracesRoundTrip(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.trace"))
	if err != nil || len(paths) < 2 {
		t.Fatalf("testdata traces: %v %v", paths, err)
	}
	for _, path := range paths {
		tr, err := ReadFile(path)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		text, err := Marshal(tr)
		if err != nil {
			t.Errorf("%s: Marshal: %v", path, err)
			continue
		}
		back, err := Parse(path, bytes.NewReader(text))
		if err != nil || !back.Equal(tr) {
			t.Errorf("%s: does not round-trip (%v):\n%s", path, err, text)
		}
	}
}

// TestDeadlockTraceKeepsPendingOps: a stopped run's pending ops read back
// as pending, and a reason line with a control character reads back whole.
func TestDeadlockTraceKeepsPendingOps(t *testing.T) {
	tr, err := ReadFile(filepath.Join("testdata", "deadlock.trace"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.History) != 4 || !tr.History[2].Pending() || !tr.History[3].Pending() || tr.History[1].Pending() {
		t.Errorf("history %+v: want ops 2 and 3 pending", tr.History)
	}
	if tr.Verdict != (Verdict{Outcome: Violation, Kind: Deadlock}) {
		t.Errorf("verdict %v, want violation deadlock", tr.Verdict)
	}
	if d := tr.Decisions[7]; d.Thread != "odd name" || d.Action != "" || len(d.Runnable) != 2 {
		t.Errorf("decision 7 = %+v, want the quoted thread \"odd name\" with an empty action", d)
	}
	wantReason := "deadlock: no thread can run\n\tA waits for tasklist (held by B)\n\tB waits for \"pidmap lock\" (held by A)\ncarriage\rreturn\n\nend of reason"
	if tr.Reason != wantReason {
		t.Errorf("reason %q, want %q", tr.Reason, wantReason)
	}
	if tr.Scenario.Level != model.ProcessLevel || len(tr.Scenario.Threads) != 2 || len(tr.Scenario.Init) != 2 {
		t.Errorf("scenario %+v", tr.Scenario)
	}
}
