package checker

import (
	"fmt"
	"slices"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/linmodel"
	"github.com/pidcheck/pidcheck/traces"
)

// judge turns a run's outcome and history into a verdict and a reason.
func judge(s spec.Spec, out *sched.Outcome, rec *recorder, o RunOptions) (traces.Verdict, string) {
	if rec.invariant != "" {
		return violation(traces.Invariant), rec.invariant
	}
	switch out.Verdict {
	case sched.Done:
	case sched.Deadlock:
		return violation(traces.Deadlock), out.Message
	case sched.StepBound:
		return violation(traces.StepBound), out.Message
	case sched.Panic:
		return violation(traces.Panic), out.Message
	case sched.Blocked:
		return violation(traces.Watchdog), out.Message
	case sched.Foreign:
		return violation(traces.Foreign), out.Message
	default: // Diverged, Pruned: this run says nothing about the implementation
		return verdictUnknown, out.Message
	}
	if err := complete(rec.history); err != nil {
		return verdictUnknown, err.Error()
	}
	markAlone(s, rec.history)
	if witnessed(s, rec.history) {
		return verdictOk, ""
	}
	// Only a history no order witnesses needs porcupine's (most runs
	// pass the witness check: the history is not built for them).
	ops, err := porcupineHistory(rec.history)
	if err != nil {
		return verdictUnknown, err.Error()
	}
	if o.SkipSearch {
		return verdictUnknown, fmt.Sprintf("not decided: neither call nor return order linearizes the %d ops and the search was skipped (SkipSearch): unknown, not a pass", len(ops))
	}
	timeout := o.checkTimeout()
	switch porcupine.CheckOperationsTimeout(linmodel.Model(s), ops, timeout) {
	case porcupine.Ok:
		return verdictOk, ""
	case porcupine.Illegal:
		// Atomic ops do not linearize it: ask again with each op's frees
		// allowed to lag it inside its interval, as the kernel's do
		// (spec.Deferrer; only a spec that defers has such ops).
		// Then with an init's death in stages too (spec.Deferrer).
		for _, w := range []struct {
			split func(spec.Spec, []porcupine.Operation) []porcupine.Operation
			what  string
		}{{linmodel.WithDeferred, "late frees"}, {linmodel.WithStages, "deaths in stages"}} {
			d := w.split(s, ops)
			if d == nil {
				break
			}
			switch porcupine.CheckOperationsTimeout(linmodel.Model(s), d, timeout) {
			case porcupine.Ok:
				return verdictOk, ""
			case porcupine.Unknown:
				return verdictUnknown, fmt.Sprintf("porcupine found no linearization with atomic ops, and could not decide within %v with %s (%d ops): unknown, not a pass", timeout, w.what, len(d))
			}
		}
		return violation(traces.Linearizability), linmodel.Explain(s, ops, timeout, threadOf)
	}
	return verdictUnknown, fmt.Sprintf("porcupine could not decide within %v (%d ops): unknown, not a pass", timeout, len(ops))
}

// markAlone sets Op.Alone on each op of h that no other op overlaps but
// read-only ones (model.Kind.ReadOnly), and clears it on the others: what
// the CyclicAlone policy holds to the cyclic order (for other policies
// it does nothing). Intervals that share a tick overlap. It takes
// O(n log n): a drain of a big space is a thousand ops.
func markAlone(s spec.Spec, h []traces.Operation) {
	if s.Policy != model.CyclicAlone {
		return
	}
	// The writers (ops that are not read-only) in call order, and for
	// each prefix of them the two latest returns: op i overlaps a writer
	// other than itself exactly when one called before i returned
	// returns at or after i's call.
	var ws []int
	for j := range h {
		if !h[j].Op.Kind.ReadOnly() {
			ws = append(ws, j)
		}
	}
	slices.SortStableFunc(ws, func(a, b int) int { return h[a].Call - h[b].Call })
	type top2 struct{ first, second int } // indices into h; -1: none
	tops := make([]top2, len(ws)+1)
	tops[0] = top2{-1, -1}
	later := func(a, b int) bool { return b < 0 || (a >= 0 && h[a].Return > h[b].Return) }
	for k, j := range ws {
		t := tops[k]
		switch {
		case later(j, t.first):
			t = top2{j, t.first}
		case later(j, t.second):
			t.second = j
		}
		tops[k+1] = t
	}
	for i := range h {
		k, _ := slices.BinarySearchFunc(ws, h[i].Return, func(j, ret int) int {
			if h[j].Call <= ret {
				return -1
			}
			return 1
		})
		t := tops[k]
		other := t.first
		if other == i {
			other = t.second
		}
		h[i].Op.Alone = other < 0 || h[other].Return < h[i].Call
	}
}

// porcupineHistory converts a complete history: every call must have its
// return (porcupine silently mis-judges a call without one).
func porcupineHistory(h []traces.Operation) ([]porcupine.Operation, error) {
	if err := complete(h); err != nil {
		return nil, err
	}
	ops := make([]porcupine.Operation, len(h))
	for i, o := range h {
		ops[i] = porcupine.Operation{ClientId: clientID(o.Thread), Input: o.Op, Call: int64(o.Call), Output: o.Result, Return: int64(o.Return)}
	}
	return ops, nil
}

// complete says which op of h has no return, if one has none.
func complete(h []traces.Operation) error {
	for _, o := range h {
		if o.Pending() {
			return fmt.Errorf("internal: %s's op %q has no return although every thread finished", o.Thread, o.Op)
		}
	}
	return nil
}

// clientID numbers threads for porcupine: main is 0, thread A is 1, … .
func clientID(thread string) int {
	if thread == "main" {
		return 0
	}
	n := 0
	for _, c := range thread {
		n = n*26 + int(c-'A') + 1
	}
	return n
}

// threadOf inverts clientID.
func threadOf(id int) string {
	if id == 0 {
		return "main"
	}
	return model.ThreadName(id - 1)
}

// witnessed tries the two orders that always respect real time — call
// order and return order (if a returned before b was called, a comes first
// in both) — as linearizations. Either one the spec accepts proves the
// history linearizable without a search; most Ok runs end here. The two
// orders share a prefix (the init part at least): the spec replays it
// once, and a failure inside it fails both. (The call order fails in
// about a third of the runs that pass.)
func witnessed(s spec.Spec, h []traces.Operation) bool {
	// h is in call-tick order; order is the return order.
	order := make([]int, len(h))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return h[a].Return - h[b].Return })
	shared := 0 // the length of the orders' common prefix
	for shared < len(order) && order[shared] == shared {
		shared++
	}
	st := spec.Replay(s.Init())
	var atShared spec.InPlace
	for i := range h {
		if i == shared {
			atShared = st.Own()
		}
		if !st.StepInPlace(h[i].Op, h[i].Result) {
			if i < shared {
				return false // the return order fails here too
			}
			break
		}
		if i == len(h)-1 {
			return true
		}
	}
	if len(h) == 0 {
		return true
	}
	st = atShared
	for _, i := range order[shared:] {
		if !st.StepInPlace(h[i].Op, h[i].Result) {
			return false
		}
	}
	return true
}
