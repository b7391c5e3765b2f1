package checker

import (
	"flag"
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// recordingTB is a rapid.TB that records a failure instead of failing the
// test that runs it.
type recordingTB struct {
	name   string
	failed bool
	msgs   []string
}

func (r *recordingTB) Helper()                   {}
func (r *recordingTB) Name() string              { return r.name }
func (r *recordingTB) Logf(string, ...any)       {}
func (r *recordingTB) Log(...any)                {}
func (r *recordingTB) Skipf(string, ...any)      {}
func (r *recordingTB) Skip(...any)               {}
func (r *recordingTB) SkipNow()                  {}
func (r *recordingTB) Error(args ...any)         { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *recordingTB) Fatal(args ...any)         { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *recordingTB) Fatalf(f string, a ...any) { r.Errorf(f, a...) }
func (r *recordingTB) FailNow()                  { r.failed = true }
func (r *recordingTB) Fail()                     { r.failed = true }
func (r *recordingTB) Failed() bool              { return r.failed }
func (r *recordingTB) Errorf(f string, a ...any) {
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(f, a...))
}

// TestPropertyRapidShrinksOpsAndDecisions: under the rapid chooser rapid
// finds the lost update and shrinks the scenario and the interleaving
// together, down to two threads; the shrunk run replays exactly.
func TestPropertyRapidShrinksOpsAndDecisions(t *testing.T) {
	if f := flag.Lookup("rapid.nofailfile"); f != nil {
		old := f.Value.String()
		if err := f.Value.Set("true"); err != nil {
			t.Fatal(err)
		}
		defer f.Value.Set(old)
	}
	e := toyTarget("alloc", true)
	var first, last *Result
	tb := &recordingTB{name: "rapid-toy"}
	rapid.Check(tb, Property(e, GenOptions{}, RunOptions{}, "", func(r *Result) {
		if first == nil {
			first = r
		}
		last = r
	}))
	if !tb.failed || last == nil {
		t.Fatal("rapid did not find the lost update")
	}
	if last.Verdict != violation(1) {
		t.Fatalf("shrunk verdict %s", last.Verdict)
	}
	if n := len(last.Scenario.Threads); n != 2 {
		t.Errorf("shrunk to %d threads, want 2", n)
	}
	if Undrained(last.Scenario).Ops() > Undrained(first.Scenario).Ops() {
		t.Errorf("shrinking grew the scenario")
	}
	t.Logf("rapid shrank %d ops (before the drain) / %d decisions to %d ops / %d decisions",
		Undrained(first.Scenario).Ops(), len(first.Decisions), Undrained(last.Scenario).Ops(), len(last.Decisions))
	assertReplays(t, e, last)
}
