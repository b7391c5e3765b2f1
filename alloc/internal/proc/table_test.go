package proc

import (
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// TestTableSortedAndSparse: tasks added in any order come back in handle
// order, Get finds exactly the added ones, and a huge handle takes one
// slot.
func TestTableSortedAndSparse(t *testing.T) {
	var tb Table[Task]
	for _, h := range []model.Handle{5, 1000000, 0, 3} {
		tb.Add(h, &Task{Home: int(h)})
	}
	if tb.Len() != 4 {
		t.Fatalf("Len = %d, want 4", tb.Len())
	}
	want := []model.Handle{0, 3, 5, 1000000}
	for i, w := range want {
		if h, task := tb.At(i); h != w || task.Home != int(w) {
			t.Errorf("At(%d) = %s (home %d), want %s", i, h, task.Home, w)
		}
	}
	for _, h := range []model.Handle{1, 4, 999999, model.NoTask} {
		if tb.Get(h) != nil {
			t.Errorf("Get(%s) finds a task never added", h)
		}
	}
	if task := tb.Get(1000000); task == nil || task.Home != 1000000 {
		t.Errorf("Get(t1000000) = %v", task)
	}
	if cap(tb.hs) > 8 {
		t.Errorf("four tasks take %d slots", cap(tb.hs))
	}
}
