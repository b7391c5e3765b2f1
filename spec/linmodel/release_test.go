package linmodel

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// TestAsyncReleaseWindow pins the single-observation case of the async
// release (spec/doc.go, "Deaths and releases are not atomic"): since 6.15
// release_task frees a reaped task's numbers after dropping tasklist_lock,
// still inside the reaping wait4. A fork or set_tid concurrent with that
// wait may therefore still find the number taken — a skipped number, or
// EEXIST — and the atomic spec allows both, by ordering the fork before
// the wait. Once the wait has returned, the number must be free.
func TestAsyncReleaseWindow(t *testing.T) {
	s := spec.Linux(model.SmallParams(), model.Cyclic)
	prefix := []porcupine.Operation{
		hop(0, 0, 1, "t0 fork t1 -> [2]"),
		hop(0, 2, 3, "t1 exit 0 -> ok"),
		hop(0, 4, 5, "t0 ns_last_pid 1 -> ok"),
	}
	for _, c := range []struct {
		fork    string
		overlap bool
		want    porcupine.CheckResult
	}{
		{"t0 fork t2 -> [3]", true, porcupine.Ok},          // 2 still taken: skipped
		{"t0 fork t2 tid=2 -> EEXIST", true, porcupine.Ok}, // 2 still taken: EEXIST
		{"t0 fork t2 -> [2]", true, porcupine.Ok},          // or already free
		{"t0 fork t2 -> [3]", false, porcupine.Illegal},    // after the wait: 2 is free
		{"t0 fork t2 tid=2 -> EEXIST", false, porcupine.Illegal},
	} {
		h := append([]porcupine.Operation(nil), prefix...)
		h = append(h, hop(0, 6, 9, "t0 wait -1 -> 2 exited 0"))
		if c.overlap {
			h = append(h, hop(1, 7, 8, c.fork))
		} else {
			h = append(h, hop(1, 10, 11, c.fork))
		}
		if r := porcupine.CheckOperationsTimeout(Model(s), h, time.Second); r != c.want {
			t.Errorf("%s (overlapping the reap: %v): %v, want %v", c.fork, c.overlap, r, c.want)
		}
	}
}

// TestDeferredFreeWindow: two observations inside one reaping wait — the
// child is gone (kill 0 answers ESRCH) and its number is still taken
// (set_tid EEXIST) — fit no order of atomic ops, and are what 6.15's
// release_task allows (detach under tasklist_lock, free_pids after it).
// WithDeferred's release event, inside the wait's interval, explains
// them; once the wait has returned, the number must be free.
// kernel/exit.c release_task, free_pids
func TestDeferredFreeWindow(t *testing.T) {
	s := spec.Linux(model.SmallParams(), model.Cyclic)
	prefix := []porcupine.Operation{
		hop(0, 0, 1, "t0 fork t1 -> [2]"),
		hop(0, 2, 3, "t1 exit 0 -> ok"),
	}
	for _, c := range []struct {
		name       string
		fork       int64 // the set_tid fork's call tick (the wait is [4, 20])
		atomic     porcupine.CheckResult
		withDefers porcupine.CheckResult
	}{
		{"inside the wait", 10, porcupine.Illegal, porcupine.Ok},
		{"after the wait", 22, porcupine.Illegal, porcupine.Illegal},
	} {
		h := append([]porcupine.Operation(nil), prefix...)
		h = append(h,
			hop(0, 4, 20, "t0 wait -1 -> 2 exited 0"),
			hop(1, 6, 7, "t0 kill 2 0 -> ESRCH"),
			hop(1, c.fork, c.fork+1, "t0 fork t2 tid=2 -> EEXIST"))
		if r := porcupine.CheckOperationsTimeout(Model(s), h, time.Second); r != c.atomic {
			t.Errorf("%s, atomic ops: %v, want %v", c.name, r, c.atomic)
		}
		d := WithDeferred(s, h)
		if len(d) != len(h)+2 { // the exit's release and the wait's
			t.Fatalf("%s: WithDeferred gave %d ops for %d", c.name, len(d), len(h))
		}
		if r := porcupine.CheckOperationsTimeout(Model(s), d, time.Second); r != c.withDefers {
			t.Errorf("%s, frees deferred: %v, want %v", c.name, r, c.withDefers)
		}
	}
	// A spec that frees atomically (an allocator-level one) has nothing to
	// split.
	if d := WithDeferred(spec.Allocator(model.SmallParams(), model.Cyclic), []porcupine.Operation{hop(0, 0, 1, "alloc -> 2")}); d != nil {
		t.Errorf("the allocator spec deferred %d ops", len(d))
	}
}

// TestDeferredZapWindow: a dying space's members die after its init's
// exit, each on its own (zap_pid_ns_processes queues their SIGKILLs):
// inside the exit's interval a task may see the space dead (fork ENOMEM,
// the init gone) and a member still there (setns to it works) — a kernel
// history (pidcheck kernel --concurrent, scenario seed 65 of seed 5 on
// 6.18.44). After the exit returned, every member is dead.
// kernel/pid_namespace.c zap_pid_ns_processes
func TestDeferredZapWindow(t *testing.T) {
	s := spec.Linux(model.SmallParams(), model.Cyclic)
	for _, c := range []struct {
		name       string
		setns      int64 // the setns's call tick (the exit is [12, 21])
		atomic     porcupine.CheckResult
		withDefers porcupine.CheckResult
	}{
		{"inside the exit", 17, porcupine.Illegal, porcupine.Ok},
		{"after the exit", 22, porcupine.Illegal, porcupine.Illegal},
	} {
		h := []porcupine.Operation{
			hop(0, 0, 1, "t0 fork t1 -> [2]"),
			hop(0, 2, 3, "t1 unshare -> ok"),
			hop(0, 4, 5, "t1 fork t3 -> [3 1]"),
			hop(0, 6, 7, "t3 fork t4 -> [4 2]"),
			hop(1, 12, 21, "t3 exit 2 -> ok"),
			hop(0, 13, 14, "t1 fork t6 -> ENOMEM"),
			hop(0, 15, 16, "t1 setns t3 -> ESRCH"),
			hop(0, c.setns, c.setns+1, "t1 setns t4 -> ok"),
		}
		if r := porcupine.CheckOperationsTimeout(Model(s), h, time.Second); r != c.atomic {
			t.Errorf("%s, atomic ops: %v, want %v", c.name, r, c.atomic)
		}
		if r := porcupine.CheckOperationsTimeout(Model(s), WithStages(s, h), time.Second); r != c.withDefers {
			t.Errorf("%s, deaths deferred: %v, want %v", c.name, r, c.withDefers)
		}
	}
}
