package traces

import (
	"bytes"
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
