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
			var ok bool
			var next spec.State
			switch in := input.(type) {
			case model.Op:
				ok, next, _ = state.(spec.State).Step(in, output.(model.Result))
			case deferred:
				ok, next, _ = state.(spec.Deferrer).StepDeferred(in.op, output.(model.Result), in.id, in.stages)
			case release:
				return true, state.(spec.Deferrer).Release(in.id)
			}
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
			switch in := input.(type) {
			case deferred:
				return in.op.String() + " -> " + output.(model.Result).Format(in.op.Kind)
			case release:
				return fmt.Sprintf("release of op %d's numbers", in.id)
			}
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

// deferred is an op of a history whose frees may lag it (WithDeferred);
// id is its index in the history.
type deferred struct {
	op     model.Op
	id     int
	stages bool
}

// release is the moment the frees of op id happen.
type release struct{ id int }

// WithDeferred returns h with every op whose kind may free numbers late
// (spec.Deferrer) split in two: the op, and its release, an event with the
// op's own call and return, so the frees may happen anywhere between the op
// and its return. It returns nil when s defers nothing or no op of h may.
// A history linearizable as it is stays so: a release ordered right after
// its op is the atomic op.
func WithDeferred(s spec.Spec, h []porcupine.Operation) []porcupine.Operation {
	return withDeferred(s, h, false)
}

// WithStages is WithDeferred where the deaths an op causes may come in
// stages too, inside its interval (a dying space disabled, then its
// members dead one by one: spec.Deferrer's stages). The judge asks it
// after WithDeferred: each allows histories the other does not.
func WithStages(s spec.Spec, h []porcupine.Operation) []porcupine.Operation {
	return withDeferred(s, h, true)
}

func withDeferred(s spec.Spec, h []porcupine.Operation, stages bool) []porcupine.Operation {
	d, ok := s.Init().(spec.Deferrer)
	if !ok {
		return nil
	}
	var out []porcupine.Operation
	for i, o := range h {
		op, isOp := o.Input.(model.Op)
		if !isOp || !d.MayDefer(op.Kind) || o.Output.(model.Result).Err != model.OK {
			out = append(out, o)
			continue
		}
		if out == nil {
			out = append(make([]porcupine.Operation, 0, len(h)+8), h[:i]...)
		}
		main := o
		main.Input = deferred{op: op, id: i, stages: stages}
		rel := o
		rel.Input, rel.Output = release{id: i}, model.Result{}
		out = append(out, main, rel)
	}
	if len(out) == len(h) {
		return nil
	}
	return out
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

// Unpartitioned is Model(s) checked as one history: a failure then has one
// story to tell (Explain, porcupine's visualization).
func Unpartitioned(s spec.Spec) porcupine.Model {
	m := Model(s)
	m.Partition, m.PartitionEvent = nil, nil
	return m
}

// Explain says why history h is not linearizable, in the spec's words, or
// returns "" when it is. It takes porcupine's longest linearizable prefix
// (the one with the earliest calls among equally long ones: porcupine
// returns them in map order, so the same history always gets the same
// story), replays it on the spec, and asks the spec about each op that
// could have come next (one called before every remaining op's return),
// giving each one's reason. name turns a ClientId into the thread name the
// reason shows (nil: "client N"). A check that runs out of time says so.
func Explain(s spec.Spec, h []porcupine.Operation, timeout time.Duration, name func(clientID int) string) string {
	if name == nil {
		name = func(id int) string { return fmt.Sprintf("client %d", id) }
	}
	res, info := porcupine.CheckOperationsVerbose(Unpartitioned(s), h, timeout)
	switch res {
	case porcupine.Ok:
		return ""
	case porcupine.Unknown:
		return fmt.Sprintf("not decided: the linearizability check of %d ops ran out of its %v", len(h), timeout)
	}
	var best []porcupine.Operation
	for _, part := range info.PartialLinearizationsOperations() {
		for _, seq := range part {
			if len(seq) > len(best) || (len(seq) == len(best) && earlierCalls(seq, best)) {
				best = seq
			}
		}
	}
	st := s.Init()
	done := map[int64]bool{}
	for _, op := range best {
		_, next, _ := st.Step(op.Input.(model.Op), op.Output.(model.Result))
		st = next
		done[op.Call] = true
	}
	var rest []porcupine.Operation
	for _, op := range h {
		if !done[op.Call] {
			rest = append(rest, op)
		}
	}
	if len(rest) == 0 {
		return "not linearizable (porcupine found no linearization, but its longest prefix covers every op)"
	}
	minRet := rest[0].Return
	for _, op := range rest {
		minRet = min(minRet, op.Return)
	}
	var why []string
	for _, op := range rest {
		if op.Call > minRet {
			continue // it cannot go before an op that returned before it was called
		}
		in, out := op.Input.(model.Op), op.Output.(model.Result)
		if ok, _, reason := st.Step(in, out); !ok {
			why = append(why, fmt.Sprintf("%s %s → %s: %s", name(op.ClientId), in, out.Format(in.Kind), reason))
		}
	}
	head := fmt.Sprintf("not linearizable: after %d of %d ops linearize, no op can go next", len(best), len(h))
	if len(why) == 0 {
		return head
	}
	if len(why) > 4 {
		why = append(why[:4], fmt.Sprintf("(and %d more)", len(why)-4))
	}
	return head + ":\n  " + strings.Join(why, "\n  ")
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
