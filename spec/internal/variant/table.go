package variant

import (
	"cmp"
	"slices"

	"github.com/pidcheck/pidcheck/model"
)

// Handled is a task that knows its handle.
type Handled interface{ Handle() model.Handle }

// Get returns the task with handle h in tasks (sorted by handle), or nil
// when there is none. The pointer is good until the next Insert.
func Get[T Handled](tasks []T, h model.Handle) *T {
	if i, ok := find(tasks, h); ok {
		return &tasks[i]
	}
	return nil
}

// Insert adds t to tasks (sorted by handle; t's handle is not in it yet)
// and returns the new slice.
func Insert[T Handled](tasks []T, t T) []T {
	i, _ := find(tasks, t.Handle())
	return slices.Insert(tasks, i, t)
}

// find is where h is, or would be inserted, in tasks.
func find[T Handled](tasks []T, h model.Handle) (int, bool) {
	return slices.BinarySearchFunc(tasks, h, func(t T, h model.Handle) int { return cmp.Compare(t.Handle(), h) })
}
