package traces

import (
	"bytes"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// TestTraceHoldsAnyResult: the six results the checker-edges audit found the format could
// not hold — a number of 2^40, errno 200, a lookup answering none, a fork
// answering an empty NSpid, wait answering a negative pid, getpid 2^40 —
// each go through a whole trace (Marshal, Parse, equal), and each is
// called out of range by model.Result.OutOfRange.
func TestTraceHoldsAnyResult(t *testing.T) {
	allocLevel := exampleTrace()
	allocLevel.History[1].Result = model.Result{N: 1 << 40}     // A alloc -> 2^40
	allocLevel.History[3].Result = model.Fail(model.Errno(200)) // B free 2 -> errno(200)

	process := &Trace{
		Impl: "hostile", Spec: "linux", Policy: model.Cyclic, Strategy: "random", Seed: 7,
		Scenario: model.Scenario{
			Level:   model.ProcessLevel,
			Params:  model.SmallParams(),
			Init:    ops("t0 fork t1"),
			Threads: [][]model.Op{ops("t0 lookup 2", "t0 fork t2"), ops("t0 wait -1", "t1 getpid")},
		},
		Decisions: []Decision{{Runnable: []string{"main"}, Thread: "main", Action: "main run"}},
		History: []Operation{
			{Thread: "main", Op: op("t0 fork t1"), Call: 0, Return: 1, Result: model.Result{NSpid: []int{2}}},
			{Thread: "A", Op: op("t0 lookup 2"), Call: 2, Return: 3, Result: model.Result{Task: model.NoTask}},
			{Thread: "B", Op: op("t0 wait -1"), Call: 4, Return: 5, Result: model.Result{N: -2, Status: model.Status{Code: 1}}},
			{Thread: "A", Op: op("t0 fork t2"), Call: 6, Return: 7, Result: model.Result{NSpid: []int{}}},
			{Thread: "B", Op: op("t1 getpid"), Call: 8, Return: 9, Result: model.Result{N: 1 << 40}},
		},
		Verdict: Verdict{Outcome: Violation, Kind: Linearizability},
	}
	for _, tr := range []*Trace{allocLevel, process} {
		text, err := Marshal(tr)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("any.trace", bytes.NewReader(text))
		if err != nil {
			t.Fatalf("Parse: %v\n%s", err, text)
		}
		if !back.Equal(tr) {
			t.Fatalf("Parse(Marshal(t)) differs from t:\n%s", text)
		}
		if !bytes.HasPrefix(text, []byte(Header+"\n")) {
			t.Errorf("a trace without runs is not written as v1:\n%s", text)
		}
	}
	if got := exampleTrace().OutOfRange(); got != nil {
		t.Errorf("the example's results are in range, OutOfRange says %q", got)
	}
	got := process.OutOfRange()
	if len(got) != 4 || got[0] != "history op 1 (A t0 lookup 2 -> none): out of range: task none: a lookup answers a task t0 … t1073741824 or an errno" {
		t.Errorf("OutOfRange = %q, want ops 1 to 4, first the lookup", got)
	}
	for _, want := range []struct {
		tr   *Trace
		i    int
		line string
	}{
		{allocLevel, 1, "alloc -> 1099511627776"},
		{allocLevel, 3, "free 2 -> errno(200)"},
		{process, 1, "t0 lookup 2 -> none"},
		{process, 2, "t0 wait -1 -> -2 exited 1"},
		{process, 3, "t0 fork t2 -> []"},
		{process, 4, "t1 getpid -> 1099511627776"},
	} {
		text, _ := Marshal(want.tr)
		if !strings.Contains(string(text), want.line) {
			t.Errorf("trace lacks %q:\n%s", want.line, text)
		}
		o := want.tr.History[want.i]
		if o.Result.OutOfRange(o.Op.Kind) == "" {
			t.Errorf("%s -> %s: OutOfRange says it is in range", o.Op, o.Result.Format(o.Op.Kind))
		}
	}
}
