package linmodel

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// Model adapts s to porcupine. Input values must be model.Op and Output
// values model.Result; states are spec.State, compared by Key.
func Model(s spec.Spec) porcupine.Model {
	m := porcupine.Model{
		Init: func() interface{} { return s.Init() },
		Step: func(state, input, output interface{}) (bool, interface{}) {
			ok, next, _ := state.(spec.State).Step(input.(model.Op), output.(model.Result))
			if !ok {
				return false, state
			}
			return true, next
		},
		Equal: func(a, b interface{}) bool {
			return a.(spec.State).Key() == b.(spec.State).Key()
		},
		Hash: func(st interface{}) uint64 { return spec.Hash(st.(spec.State)) },
		DescribeOperation: func(input, output interface{}) string {
			op := input.(model.Op)
			return op.String() + " -> " + output.(model.Result).Format(op.Kind)
		},
		DescribeState: func(st interface{}) string { return st.(spec.State).String() },
	}
	if s.Level == model.AllocLevel && s.Policy == model.Unique {
		m.Partition = partitionUnique
		m.PartitionEvent = partitionUniqueEvents
	}
	return m
}

// number returns the number an allocator-level op is about, and whether
// the op lets the history be partitioned at all.
func number(op model.Op, out model.Result) (n int, ok bool) {
	if out.Err == model.EAGAIN || out.Err == model.ENOMEM {
		return 0, false
	}
	switch op.Kind {
	case model.Alloc:
		if out.Err != model.OK {
			return 0, false
		}
		return out.N, true
	case model.Free, model.AllocAt:
		return op.N, true
	case model.SetCursor:
		// Unique never reads the cursor; the op's answer depends on pid_max
		// only, which no partitionable history changes.
		return -1, true
	}
	return 0, false
}

// partitionUnique splits a Unique allocator history by number. Sound because
// under Unique, with pid_max fixed and no EAGAIN or ENOMEM, whether an op on
// number n may return what it did depends only on the earlier ops on n.
func partitionUnique(h []porcupine.Operation) [][]porcupine.Operation {
	groups := map[int][]porcupine.Operation{}
	for _, o := range h {
		n, ok := number(o.Input.(model.Op), o.Output.(model.Result))
		if !ok {
			return [][]porcupine.Operation{h}
		}
		groups[n] = append(groups[n], o)
	}
	keys := make([]int, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	out := make([][]porcupine.Operation, 0, len(keys))
	for _, k := range keys {
		out = append(out, groups[k])
	}
	return out
}

// partitionUniqueEvents is partitionUnique for event histories.
func partitionUniqueEvents(h []porcupine.Event) [][]porcupine.Event {
	calls := map[int]model.Op{}
	num := map[int]int{}
	for _, e := range h {
		if e.Kind == porcupine.CallEvent {
			calls[e.Id] = e.Value.(model.Op)
			continue
		}
		n, ok := number(calls[e.Id], e.Value.(model.Result))
		if !ok {
			return [][]porcupine.Event{h}
		}
		num[e.Id] = n
	}
	if len(num) != len(calls) {
		return [][]porcupine.Event{h} // a call without a return: keep it whole
	}
	groups := map[int][]porcupine.Event{}
	for _, e := range h {
		groups[num[e.Id]] = append(groups[num[e.Id]], e)
	}
	keys := make([]int, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	out := make([][]porcupine.Event, 0, len(keys))
	for _, k := range keys {
		out = append(out, groups[k])
	}
	return out
}

// ExplainTimeout bounds the verbose check Explain runs.
const ExplainTimeout = 10 * time.Second

// Explain returns the spec's reason why history h is not linearizable, or
// "" when it is. It takes porcupine's longest partial linearization (the
// one with the earliest calls among equally long ones), replays it, and
// asks the spec about every op that could have come next (an op whose call
// precedes every remaining op's return), giving each one's reason. A check
// that times out says so.
func Explain(s spec.Spec, h []porcupine.Operation) string {
	m := Model(s)
	m.Partition, m.PartitionEvent = nil, nil // one partition: one story
	res, info := porcupine.CheckOperationsVerbose(m, h, ExplainTimeout)
	switch res {
	case porcupine.Ok:
		return ""
	case porcupine.Unknown:
		return fmt.Sprintf("the linearizability check of %d ops timed out after %s", len(h), ExplainTimeout)
	}
	// Porcupine returns the longest prefixes in map order: break ties by
	// the earliest calls, so the same history always gets the same story.
	var best []porcupine.Operation
	for _, part := range info.PartialLinearizationsOperations() {
		for _, lin := range part {
			if len(lin) > len(best) || (len(lin) == len(best) && earlierCalls(lin, best)) {
				best = lin
			}
		}
	}
	return explainAfter(s, h, best)
}

// earlierCalls reports whether a's call ticks come lexicographically before
// b's (a and b of equal length).
func earlierCalls(a, b []porcupine.Operation) bool {
	for i := range a {
		if a[i].Call != b[i].Call {
			return a[i].Call < b[i].Call
		}
	}
	return false
}

// explainAfter replays prefix and explains why none of the remaining ops of
// h can follow it.
func explainAfter(s spec.Spec, h, prefix []porcupine.Operation) string {
	type key struct {
		client    int
		call, ret int64
		op        string
	}
	keyOf := func(o porcupine.Operation) key {
		return key{o.ClientId, o.Call, o.Return, o.Input.(model.Op).String()}
	}
	done := map[key]int{}
	st := s.Init()
	for _, o := range prefix {
		done[keyOf(o)]++
		ok, next, why := st.Step(o.Input.(model.Op), o.Output.(model.Result))
		if !ok {
			return "internal: porcupine's linearization does not replay: " + why
		}
		st = next
	}
	var rest []porcupine.Operation
	minReturn := int64(1<<63 - 1)
	for _, o := range h {
		if k := keyOf(o); done[k] > 0 {
			done[k]--
			continue
		}
		rest = append(rest, o)
		if o.Return < minReturn {
			minReturn = o.Return
		}
	}
	var reasons []string
	for _, o := range rest {
		if o.Call > minReturn {
			continue
		}
		ok, _, why := st.Step(o.Input.(model.Op), o.Output.(model.Result))
		if ok {
			// Allowed here, but everything after it failed: say so briefly.
			op := o.Input.(model.Op)
			why = fmt.Sprintf("%s -> %s is allowed here but no order of the rest is", op, o.Output.(model.Result).Format(op.Kind))
		}
		reasons = append(reasons, why)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "after %d of %d ops linearized", len(prefix), len(h))
	if len(prefix) > 0 {
		last := prefix[len(prefix)-1]
		op := last.Input.(model.Op)
		fmt.Fprintf(&b, " (last: %s -> %s)", op, last.Output.(model.Result).Format(op.Kind))
	}
	b.WriteString(", no op can come next: ")
	b.WriteString(strings.Join(reasons, "; "))
	return b.String()
}
