//go:build linux && (amd64 || arm64)

package oracle

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

// TestKernelProbeIsExact: the settling probe (clone3 with set_tid [n, 0]
// from inside the scenario root space) answers taken for a live task's and
// a zombie's number, free for a number nobody has and for a reaped task's,
// moves nothing: the next fork gets the number after the last one handed
// out, as if no probe had run; and it answers in a dying space too.
// // kernel/pid.c alloc_pid
func TestKernelProbeIsExact(t *testing.T) {
	needKernel(t)
	s, err := newSystem()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	run := func(line string) model.Result {
		t.Helper()
		op, err := model.ParseOp(line)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.apply(op)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		return r
	}
	probe := func(n int, want bool) {
		t.Helper()
		got, err := s.taken(n)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("taken(%d) = %v, want %v", n, got, want)
		}
	}
	run("t0 fork t1")
	run("t0 fork t2")
	run("t0 fork t3 tid=77")
	probe(1, true)
	probe(2, true)
	probe(3, true)
	probe(77, true)
	probe(50, false)
	probe(4, false)
	run("t3 exit 0") // a zombie keeps its number
	probe(77, true)
	run("t0 wait 77")
	probe(77, false)
	run("t0 kill 2 9")
	run("t0 wait 2")
	probe(2, false)
	if r := run("t0 read_last_pid"); r.N != 3 {
		t.Errorf("ns_last_pid after the probes: %d, want 3 (probes moved the cursor)", r.N)
	}
	if r := run("t0 fork t4"); len(r.NSpid) != 1 || r.NSpid[0] != 4 {
		t.Errorf("fork after the probes -> %s, want [4]", r.Format(model.Fork))
	}
	// A dying space (PIDNS_ADDING cleared): the probe still answers,
	// since alloc_pid checks ADDING only after its loop.
	run("t0 exit 0")
	probe(1, true) // t0 is a zombie of the host
	probe(3, false)
	probe(4, false) // reaped by the dying init
}

// TestMinPidMaxIsTheKernels: the smallest pid_max Params gives is the one
// the kernel enforces (pid_max_min; kernel/pid.c pid_idr_init): found again
// by bisection in a scratch namespace, and one below it is refused.
func TestMinPidMaxIsTheKernels(t *testing.T) {
	needKernel(t)
	p := Params()
	got, err := probeMinPidMax()
	if err != nil {
		t.Fatal(err)
	}
	if p.MinPidMax != got {
		t.Fatalf("Params().MinPidMax = %d, the kernel's boundary is %d", p.MinPidMax, got)
	}
	ops := []model.Op{
		{Kind: model.SetPidMax, Task: model.Root, N: p.MinPidMax - 1},
		{Kind: model.SetPidMax, Task: model.Root, N: p.MinPidMax},
	}
	rep, err := Compare(context.Background(), ops, p)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Differs() || rep.Ops[0].Kernel.Err != model.EINVAL || rep.Ops[1].Kernel.Err != model.OK {
		t.Fatalf("pid_max at the boundary:\n%s", rep)
	}
}

// TestKernelSettlesReleasedNumbers replays the two scenarios in which the
// kernel once answered with a number still held (EEXIST for a set_tid,
// the next number for a fork): their tasks had been detached, pidfd
// ESRCH, before free_pids freed their numbers (release_task, 6.15+).
// Settling now waits for the numbers themselves. The window opens under
// load; each scenario runs several times.
func TestKernelSettlesReleasedNumbers(t *testing.T) {
	needKernel(t)
	files, _ := filepath.Glob("testdata/settle-*.ops")
	if len(files) == 0 {
		t.Fatal("no testdata/settle-*.ops")
	}
	p := Params()
	before := numberWaits.Load()
	defer func() {
		t.Logf("settling sweeps that found a reaped task's number still taken: %d", numberWaits.Load()-before)
	}()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ops []model.Op
		for i, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			op, err := model.ParseOp(l)
			if err != nil {
				t.Fatalf("%s:%d: %v", f, i+1, err)
			}
			ops = append(ops, op)
		}
		for range 10 {
			rep, err := Compare(context.Background(), ops, p)
			if err != nil {
				t.Fatalf("%s: %v\n%s", f, err, rep)
			}
			if rep.Differs() {
				t.Fatalf("%s: kernel and spec differ:\n%s", f, rep)
			}
		}
	}
}

func TestCountCPUList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{{"0", 1}, {"0-1", 2}, {"0-3,8", 5}, {"0-3,8,10-11", 7}} {
		if got, err := countCPUList(c.in); err != nil || got != c.want {
			t.Errorf("countCPUList(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "a", "3-1", "0-", "0,,1"} {
		if _, err := countCPUList(bad); err == nil {
			t.Errorf("countCPUList(%q) accepted", bad)
		}
	}
}

func logNumberWaits(t *testing.T) {
	t.Logf("settling sweeps that found a reaped task's number still taken: %d (all tests so far)", numberWaits.Load())
}
