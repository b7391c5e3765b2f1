package linux

import (
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// TestValidateNamesTheFirstFault: Validate's map-order pass only decides
// whether a fault exists; the fault it reports is the first in number and
// handle order, the same on every call, however Go orders the maps.
func TestValidateNamesTheFirstFault(t *testing.T) {
	s := New(sched.NewRealEnv(), model.Params{PidMax: 64, Floor: 4, MaxLevel: 3})
	for h := model.Handle(1); h <= 8; h++ {
		if r := s.Apply(model.Op{Kind: model.Fork, Task: model.Root, Child: h}); r.Err != model.OK {
			t.Fatalf("fork %d: %v", h, r.Err)
		}
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("a sound system: %v", err)
	}

	// Two tasks' pids freed while still numbered: the lower number is named.
	for _, h := range []model.Handle{7, 3} {
		s.tasks[h].pid.freed = true
	}
	const freed = "s0: number 4 of t3 was freed but is still in the idr"
	for range 100 {
		if err := s.Validate(); err == nil || err.Error() != freed {
			t.Fatalf("Validate = %v, want %q", err, freed)
		}
	}
	for _, h := range []model.Handle{7, 3} {
		s.tasks[h].pid.freed = false
	}

	// Two tasks off their parent's children list: the lower handle is named.
	root := s.tasks[model.Root]
	for _, h := range []model.Handle{6, 2} {
		c := s.tasks[h]
		for i, x := range root.children {
			if x == c {
				root.children = append(root.children[:i:i], root.children[i+1:]...)
				break
			}
		}
	}
	const orphan = "t2: not among the children of its parent t0"
	for range 100 {
		if err := s.Validate(); err == nil || err.Error() != orphan {
			t.Fatalf("Validate = %v, want %q", err, orphan)
		}
	}
}

// BenchmarkValidate: Validate on a sound system of a root and eight
// children, as the engine calls it after every schedule.
func BenchmarkValidate(b *testing.B) {
	s := New(sched.NewRealEnv(), model.Params{PidMax: 64, Floor: 4, MaxLevel: 3})
	for h := model.Handle(1); h <= 8; h++ {
		s.Apply(model.Op{Kind: model.Fork, Task: model.Root, Child: h})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
