package variant

import (
	"slices"
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// table is a minimal World over a sorted task list, for the Key helpers.
type table struct {
	hs []model.Handle
	ts []Task
}

func (w *table) NumTasks() int                      { return len(w.hs) }
func (w *table) TaskAt(i int) (model.Handle, *Task) { return w.hs[i], &w.ts[i] }
func (w *table) Hit(spec.Rule)                      {}
func (w *table) Covering() bool                     { return false }
func (w *table) Task(h model.Handle) *Task {
	if i, ok := slices.BinarySearch(w.hs, h); ok {
		return &w.ts[i]
	}
	return nil
}
func (w *table) NumSpaces() int                 { return 1 }
func (w *table) Space(int) *Space               { return &Space{Leader: model.Root} }
func (w *table) Visible(int, model.Handle) bool { return true }
func (w *table) Num(_ int, h model.Handle) int  { return int(h) + 1 }
func (w *table) NextOrder() int                 { return 0 }
func (w *table) Zombified(model.Handle)         {}

// TestRanks: a task's rank is its place among its parent's live and
// zombie children by Order, whatever the Order values; reaped tasks have
// none.
func TestRanks(t *testing.T) {
	w := &table{
		hs: []model.Handle{0, 1, 2, 3, 4, 7},
		ts: []Task{
			{State: Live, Parent: model.NoTask},
			{State: Live, Parent: 0, Order: 40},
			{State: Zombie, Parent: 0, Order: 9},
			{State: Reaped, Parent: 0, Order: 1},
			{State: Live, Parent: 1, Order: 50},
			{State: Live, Parent: 0, Order: 41},
		},
	}
	got := Ranks(w)
	want := []int{0, 1, 0, -1, 0, 2}
	if !slices.Equal(got, want) {
		t.Errorf("Ranks = %v, want %v", got, want)
	}
}

// TestNames: spaces are named by first use, ancestors first; unused ones
// stay unnamed.
func TestNames(t *testing.T) {
	parent := []int{-1, 0, 1, 0, 0}
	c := NewNames(len(parent))
	c.Name(0, func(i int) int { return parent[i] })
	c.Name(2, func(i int) int { return parent[i] })
	c.Name(4, func(i int) int { return parent[i] })
	c.Name(1, func(i int) int { return parent[i] })
	if got, want := c.Named(), []int{0, 1, 2, 4}; !slices.Equal(got, want) {
		t.Errorf("Named = %v, want %v", got, want)
	}
	if c.ID(3) != -1 || c.ID(2) != 2 || c.ID(4) != 3 {
		t.Errorf("IDs: s2 %d, s3 %d, s4 %d; want 2, -1, 3", c.ID(2), c.ID(3), c.ID(4))
	}
}
