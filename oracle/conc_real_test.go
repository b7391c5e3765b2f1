package oracle

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
)

func scenarioOf(t *testing.T, init []string, threads [][]string, post []string) model.Scenario {
	t.Helper()
	sc := model.Scenario{Level: model.ProcessLevel, Params: Params(), Init: parseOps(t, init...), Post: parseOps(t, post...)}
	for _, th := range threads {
		sc.Threads = append(sc.Threads, parseOps(t, th...))
	}
	return sc
}

// TestKernelConcurrentRunsThreadsAtOnce runs two forking threads for real
// and checks the history's shape: every op there, times ordered within a
// thread, numbers unique.
func TestKernelConcurrentRunsThreadsAtOnce(t *testing.T) {
	needKernel(t)
	sc := scenarioOf(t, []string{"t0 fork t1", "t0 fork t2"},
		[][]string{{"t1 fork t3", "t1 fork t4", "t1 wait -1"}, {"t2 fork t5", "t2 getpid", "t2 exit 3"}},
		[]string{"t0 wait -1", "t0 lookup 2"})
	for range 20 {
		run, err := RunConcurrent(context.Background(), sc)
		if err != nil {
			t.Fatal(err)
		}
		if run.Unknown != "" {
			t.Fatalf("unknown: %s", run.Unknown)
		}
		if len(run.History) != sc.Ops() {
			t.Fatalf("%d ops in the history, want %d", len(run.History), sc.Ops())
		}
		seen := map[int]bool{}
		for _, o := range run.History {
			if o.Return < o.Call {
				t.Fatalf("%s returns before its call", o.Op)
			}
			if o.Op.Kind == model.Fork && o.Result.Err == model.OK {
				n := o.Result.NSpid[0]
				if seen[n] {
					t.Fatalf("number %d twice", n)
				}
				seen[n] = true
			}
			t.Logf("%2d %-16s [%d, %d] %s async=%v", o.Thread, o.Op, o.Call, o.Return, o.Result.Format(o.Op.Kind), o.Async)
		}
		t.Logf("overlaps %d", run.Overlaps)
	}
	if kids := childrenOfSelf(t); len(kids) > 0 {
		t.Fatalf("agents left behind: %v", kids)
	}
}

// childrenOfSelf lists the test process's children (every thread's).
func childrenOfSelf(t *testing.T) []string {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + e.Name() + "/children")
		if err != nil {
			continue
		}
		out = append(out, strings.Fields(string(b))...)
	}
	return out
}

// TestKernelHuntScenariosRun runs one iteration of each hunt and checks
// the answers the scenario is built on: inflight-visible's thread A always
// fails with EEXIST at the root (t0 holds 1 there) and the other threads
// with EINVAL (their second set_tid is out of range) or EEXIST (the
// innermost 350 was held) — never success; pidmax-window's pid_max write
// succeeds. // kernel/pid.c alloc_pid
func TestKernelHuntScenariosRun(t *testing.T) {
	needKernel(t)
	p := Params()
	for _, kind := range HuntKinds() {
		sc, err := HuntScenario(kind, 1, 4, p)
		if err != nil {
			t.Fatal(err)
		}
		run, err := RunConcurrent(context.Background(), sc)
		if err != nil {
			t.Fatal(err)
		}
		if run.Unknown != "" {
			t.Fatalf("%s: unknown: %s", kind, run.Unknown)
		}
		for _, o := range run.History {
			if o.Thread == Main {
				continue
			}
			t.Logf("%s %d %-36s %6d..%6d %s", kind, o.Thread, o.Op, o.Call-run.History[0].Call, o.Return-run.History[0].Call, o.Result.Format(o.Op.Kind))
			switch {
			case kind == "inflight-visible" && o.Thread == 0 && o.Result.Err != model.EEXIST:
				t.Errorf("%s -> %s, want EEXIST", o.Op, o.Result.Format(o.Op.Kind))
			case kind == "inflight-visible" && o.Thread > 0 && o.Result.Err != model.EINVAL && o.Result.Err != model.EEXIST:
				t.Errorf("%s -> %s, want EINVAL or EEXIST", o.Op, o.Result.Format(o.Op.Kind))
			case kind == "pidmax-window" && o.Op.Kind == model.SetPidMax && o.Result.Err != model.OK:
				t.Errorf("%s -> %s, want ok", o.Op, o.Result.Format(o.Op.Kind))
			}
		}
	}
}
