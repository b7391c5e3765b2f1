package openvz

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
	"github.com/pidcheck/pidcheck/spec/internal/variant/varianttest"
)

// TestHugeHandleIsCheap: a trace may name t1000000 (traces are user input
// to pidcheck replay); the state stays two tasks big.
func TestHugeHandleIsCheap(t *testing.T) {
	varianttest.CheckHugeHandle(t, New(model.SmallParams(), model.Cyclic))
}

// TestKeyForgetsCreationOrder: states that differ only in creation order
// that no future op can see have equal Keys; a sibling order wait(-1)
// still reads keeps Keys apart.
func TestKeyForgetsCreationOrder(t *testing.T) {
	s := New(model.SmallParams(), model.Unique)
	t.Run("reparenting sequence", func(t *testing.T) {
		// t2 has Order 2 in a, 1 in b; it is t0's only child in both.
		tail := []string{"t1 exit 0 -> ok", "t0 wait 2 -> 2 exited 0"}
		a := varianttest.Replay(t, s.Init(), append([]string{"t0 fork t1 -> [2]", "t0 fork t2 -> [3]"}, tail...)...)
		b := varianttest.Replay(t, s.Init(), append([]string{"t0 fork t2 -> [3]", "t0 fork t1 -> [2]"}, tail...)...)
		if oa, ob := a.(*state).get(2).Order, b.(*state).get(2).Order; oa == ob {
			t.Fatalf("t2's Order is %d in both: the histories do not differ", oa)
		}
		if a.Key() != b.Key() {
			t.Errorf("Keys differ:\n%s\n%s", a.Key(), b.Key())
		}
	})
	t.Run("container indices", func(t *testing.T) {
		// t1's container is ve1 in a, ve2 in b.
		head := []string{"t0 fork t1 -> [2]", "t0 fork t2 -> [3]"}
		tail := []string{"t1 fork t3 -> [4 1]", "t2 fork t4 -> [5 1]", "t3 fork t5 -> [6 1030]"}
		a := varianttest.Replay(t, s.Init(), append(append(head, "t1 unshare -> ok", "t2 unshare -> ok"), tail...)...)
		b := varianttest.Replay(t, s.Init(), append(append(head, "t2 unshare -> ok", "t1 unshare -> ok"), tail...)...)
		if a.String() == b.String() {
			t.Fatalf("the histories do not differ:\n%s", a)
		}
		if a.Key() != b.Key() {
			t.Errorf("Keys differ:\n%s\n%s", a.Key(), b.Key())
		}
	})
	t.Run("sibling order stays", func(t *testing.T) {
		// t1 before t2 among t0's children in a, after in b: wait -1 reaps
		// a different child first, so the Keys must differ.
		tail := []string{"t1 exit 0 -> ok", "t2 exit 0 -> ok"}
		a := varianttest.Replay(t, s.Init(), append([]string{"t0 fork t1 -> [2]", "t0 fork t2 -> [3]"}, tail...)...)
		b := varianttest.Replay(t, s.Init(), append([]string{"t0 fork t2 -> [3]", "t0 fork t1 -> [2]"}, tail...)...)
		wait := model.Op{Kind: model.Wait, Task: model.Root, Pid: -1}
		ra, _ := a.Expect(wait)
		rb, _ := b.Expect(wait)
		if ra.Equal(model.Wait, rb) {
			t.Fatalf("wait -1 gives %s in both", ra.Format(model.Wait))
		}
		if a.Key() == b.Key() {
			t.Errorf("states whose wait -1 differs have one Key %s", a.Key())
		}
	})
}

// TestPropertyKeyEqualSameAnswers: two histories that differ in the order
// of two ops and reach equal Keys answer every later op alike.
func TestPropertyKeyEqualSameAnswers(t *testing.T) {
	var seen varianttest.Reorders
	raw := func(st spec.State) string {
		s := st.(*state)
		return fmt.Sprintf("%d %d %d %v %v", s.next, s.pidMax, s.seq, s.tasks, s.cts)
	}
	rapid.Check(t, func(t *rapid.T) { varianttest.CheckReorderedKeys(t, New, raw, &seen) })
	t.Logf("reordered pairs: %d passed (%d with both ops ok), %d with equal Keys, %d of those with different raw states", seen.Tried, seen.BothOK, seen.Equal, seen.Distinct)
}
