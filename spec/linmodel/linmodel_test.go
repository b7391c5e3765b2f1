package linmodel

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

func op(line string) model.Op {
	o, err := model.ParseOp(line)
	if err != nil {
		panic(err)
	}
	return o
}

func res(k model.Kind, s string) model.Result {
	r, err := model.ParseResult(k, s)
	if err != nil {
		panic(err)
	}
	return r
}

// hop builds an operation from "client call return op -> result".
func hop(client int, call, ret int64, line string) porcupine.Operation {
	o, r, _ := strings.Cut(line, "->")
	x := op(strings.TrimSpace(o))
	return porcupine.Operation{ClientId: client, Input: x, Call: call, Output: res(x.Kind, strings.TrimSpace(r)), Return: ret}
}

func TestModelSequentialLinux(t *testing.T) {
	s := spec.Linux(model.SmallParams(), model.Cyclic)
	h := []porcupine.Operation{
		hop(0, 0, 1, "t0 fork t1 -> [2]"),
		hop(0, 2, 3, "t0 unshare -> ok"),
		hop(0, 4, 5, "t0 fork t2 -> [3 1]"),
	}
	if r := porcupine.CheckOperationsTimeout(Model(s), h, time.Second); r != porcupine.Ok {
		t.Fatalf("legal sequential history: %v", r)
	}
	h[2] = hop(0, 4, 5, "t0 fork t2 -> [3 2]")
	if r := porcupine.CheckOperationsTimeout(Model(s), h, time.Second); r != porcupine.Illegal {
		t.Fatalf("illegal sequential history: %v", r)
	}
}

// Two concurrent forks may take the numbers in either order.
func TestModelConcurrentForks(t *testing.T) {
	s := spec.Linux(model.SmallParams(), model.Cyclic)
	h := []porcupine.Operation{
		hop(0, 0, 10, "t0 fork t1 -> [3]"),
		hop(1, 1, 9, "t0 fork t2 -> [2]"),
	}
	if r := porcupine.CheckOperationsTimeout(Model(s), h, time.Second); r != porcupine.Ok {
		t.Fatalf("overlapping forks: %v", r)
	}
	// Not overlapping: the first must get 2.
	h[1] = hop(1, 11, 12, "t0 fork t2 -> [2]")
	if r := porcupine.CheckOperationsTimeout(Model(s), h, time.Second); r != porcupine.Illegal {
		t.Fatalf("sequential forks out of order: %v", r)
	}
}

func TestExplainNamesTheSpecReason(t *testing.T) {
	s := spec.Linux(model.SmallParams(), model.Cyclic)
	h := []porcupine.Operation{
		hop(0, 0, 1, "t0 fork t1 -> [2]"),
		hop(0, 2, 3, "t0 fork t2 -> [2]"),
	}
	got := Explain(s, h, time.Second, nil)
	for _, want := range []string{"after 1 of 2 ops linearize", "client 0 t0 fork t2 → [2]", "fork by t0 returned [2]", "cyclic allocation from cursor 3", "gives 3"} {
		if !strings.Contains(got, want) {
			t.Errorf("Explain = %q, want it to contain %q", got, want)
		}
	}
	if got := Explain(s, h[:1], time.Second, nil); got != "" {
		t.Errorf("Explain of a legal history = %q, want \"\"", got)
	}
}

func TestDescribe(t *testing.T) {
	m := Model(spec.Linux(model.SmallParams(), model.Cyclic))
	if got := m.DescribeOperation(op("t0 fork t3"), model.Result{NSpid: []int{1, 2}}); got != "t0 fork t3 -> [1 2]" {
		t.Errorf("DescribeOperation = %q", got)
	}
	if got := m.DescribeState(m.Init()); !strings.Contains(got, "t0 NSpid [1] in s0") {
		t.Errorf("DescribeState = %q", got)
	}
}

// TestPropertyPartitionAgrees: for the Unique allocator, the partitioned
// check and the whole check give the same verdict on random histories.
func TestPropertyPartitionAgrees(t *testing.T) {
	p := model.Params{PidMax: 6, Floor: 2, MaxLevel: 0}
	s := spec.Allocator(p, model.Unique)
	whole := Model(s)
	whole.Partition, whole.PartitionEvent = nil, nil
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 10).Draw(t, "n")
		var h []porcupine.Operation
		for i := 0; i < n; i++ {
			kind := rapid.SampledFrom([]model.Kind{model.Alloc, model.Free, model.AllocAt, model.SetCursor}).Draw(t, "kind")
			o := model.Op{Kind: kind}
			var r model.Result
			switch kind {
			case model.Alloc:
				r.N = rapid.IntRange(1, 6).Draw(t, "got")
			case model.Free, model.AllocAt:
				o.N = rapid.IntRange(0, 6).Draw(t, "n")
				if rapid.Bool().Draw(t, "fails") {
					r.Err = rapid.SampledFrom([]model.Errno{model.EINVAL, model.EEXIST}).Draw(t, "errno")
				}
			case model.SetCursor:
				o.N = rapid.IntRange(-1, 7).Draw(t, "n")
			}
			call := int64(rapid.IntRange(0, 20).Draw(t, "call"))
			h = append(h, porcupine.Operation{ClientId: i, Input: o, Output: r, Call: call, Return: call + int64(rapid.IntRange(1, 5).Draw(t, "len"))})
		}
		a := porcupine.CheckOperationsTimeout(Model(s), h, 5*time.Second)
		b := porcupine.CheckOperationsTimeout(whole, h, 5*time.Second)
		if a != b {
			t.Fatalf("partitioned %v, whole %v", a, b)
		}
		ev := toEvents(h)
		if c := porcupine.CheckEventsTimeout(Model(s), ev, 5*time.Second); c != b {
			t.Fatalf("partitioned events %v, whole operations %v", c, b)
		}
	})
}

// toEvents turns operations into an event history: calls before returns at
// equal times, since porcupine's operation intervals are closed.
func toEvents(h []porcupine.Operation) []porcupine.Event {
	type stamped struct {
		t   int64
		ret bool
		e   porcupine.Event
	}
	var all []stamped
	for i, o := range h {
		all = append(all,
			stamped{o.Call, false, porcupine.Event{ClientId: o.ClientId, Kind: porcupine.CallEvent, Value: o.Input, Id: i}},
			stamped{o.Return, true, porcupine.Event{ClientId: o.ClientId, Kind: porcupine.ReturnEvent, Value: o.Output, Id: i}})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].t != all[j].t {
			return all[i].t < all[j].t
		}
		return !all[i].ret && all[j].ret
	})
	out := make([]porcupine.Event, len(all))
	for i, s := range all {
		out[i] = s.e
	}
	return out
}

// TestExplainIsDeterministic: when porcupine finds several longest
// linearizable prefixes (it returns them in map order), Explain picks the
// same one every time, so the same history always gets the same reason.
// Here alloc -> 1 and alloc_at 1 -> ok are both longest prefixes.
func TestExplainIsDeterministic(t *testing.T) {
	s := spec.Allocator(model.SmallParams(), model.Cyclic)
	h := []porcupine.Operation{
		{ClientId: 0, Call: 0, Return: 10, Input: model.Op{Kind: model.Alloc}, Output: model.Result{N: 1}},
		{ClientId: 1, Call: 1, Return: 11, Input: model.Op{Kind: model.AllocAt, N: 1}, Output: model.Result{}},
	}
	first := Explain(s, h, time.Second, nil)
	if first == "" {
		t.Fatal("Explain found the history linearizable")
	}
	for range 40 {
		if got := Explain(s, h, time.Second, nil); got != first {
			t.Fatalf("Explain differs between runs:\n%s\n%s", first, got)
		}
	}
}
