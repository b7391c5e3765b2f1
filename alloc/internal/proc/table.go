package proc

import (
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// Table is a sparse task table: the tasks forked so far (live, zombie or
// reaped), sorted by handle. Its size grows with the number of tasks,
// never with how large their handles are, so a scenario may name
// t1000000. The zero Table is empty. A design guards its Table with its
// tasklist lock; Table itself does no locking and takes no scheduling
// point.
type Table[T any] struct {
	hs []model.Handle
	ts []*T
}

// Len is the number of tasks in the table.
func (tb *Table[T]) Len() int { return len(tb.hs) }

// At returns the i-th task, in increasing handle order, and its handle.
func (tb *Table[T]) At(i int) (model.Handle, *T) { return tb.hs[i], tb.ts[i] }

// Get returns task h, or nil when h was never added.
func (tb *Table[T]) Get(h model.Handle) *T {
	if i, ok := slices.BinarySearch(tb.hs, h); ok {
		return tb.ts[i]
	}
	return nil
}

// Add adds task t under handle h, which must not be in the table.
func (tb *Table[T]) Add(h model.Handle, t *T) {
	i, _ := slices.BinarySearch(tb.hs, h)
	tb.hs = slices.Insert(tb.hs, i, h)
	tb.ts = slices.Insert(tb.ts, i, t)
}
