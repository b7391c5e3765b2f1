package openvz

import (
	"runtime"
	"testing"

	"github.com/pidcheck/pidcheck/checker/sched"
	"github.com/pidcheck/pidcheck/model"
)

// TestHugeHandleIsCheap: a scenario may name t1000000, as the spec
// allows; the task table stays two tasks big (a table indexed by handle
// allocated megabytes here).
func TestHugeHandleIsCheap(t *testing.T) {
	sys := New(sched.NewRealEnv(), model.SmallParams())
	const huge = model.Handle(1000000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fork := sys.Apply(model.Op{Kind: model.Fork, Task: model.Root, Child: huge})
	for range 100 {
		sys.Apply(model.Op{Kind: model.GetPid, Task: huge})
	}
	runtime.ReadMemStats(&after)
	if fork.Err != model.OK {
		t.Fatalf("fork t1000000: %s", fork.Format(model.Fork))
	}
	if r := sys.Apply(model.Op{Kind: model.GetPid, Task: huge}); r.N != fork.NSpid[0] {
		t.Errorf("t1000000 getpid: %s, want %d", r.Format(model.GetPid), fork.NSpid[0])
	}
	if r := sys.Apply(model.Op{Kind: model.Fork, Task: model.Root, Child: huge}); r.Err != model.EINVAL {
		t.Errorf("a second fork of t1000000: %s, want EINVAL", r.Format(model.Fork))
	}
	if err := sys.Validate(); err != nil {
		t.Error(err)
	}
	bytes := after.TotalAlloc - before.TotalAlloc
	t.Logf("fork t1000000 and 100 getpids: %d bytes allocated", bytes)
	if bytes >= 64<<10 {
		t.Errorf("fork t1000000 and 100 getpids allocated %d bytes, want < 64 KiB", bytes)
	}
}
