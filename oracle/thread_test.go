package oracle

import (
	"context"
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// TestKernelTranslatesInitThreads: PIDFD_GET_INFO of a thread pidfd
// answers the thread's own number, also for the threads of a namespace
// init seen from inside its space (their parent is outside it) and for a
// zombie init leader whose thread lives; kill and lookup of an init
// thread's number from inside work as the spec says. Checked on 6.18.
func TestKernelTranslatesInitThreads(t *testing.T) {
	needKernel(t)
	ops := parseOps(t, "t0 unshare", "t0 fork t1", "t1 thread t2", "t2 translate t2", "t1 translate t2", "t1 fork t3", "t3 translate t2", "t3 translate t1", "t3 kill 2 0", "t3 lookup 2", "t2 exit_thread 0", "t1 thread t4", "t1 exit_thread 0", "t4 getpid", "t3 translate t1", "t3 translate t4", "t0 translate t1")
	rep, err := Compare(context.Background(), ops, Params())
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	if rep.Differs() {
		t.Fatalf("kernel and spec differ:\n%s", rep)
	}
	for i, w := range map[int]string{6: "2", 7: "1", 9: "t2", 13: "1", 14: "1", 15: "4"} {
		if got := rep.Ops[i].Kernel.Format(ops[i].Kind); got != w {
			t.Errorf("%s -> %s, want %s", ops[i], got, w)
		}
	}
}

// TestRandomScenariosReachThreadShapes: random scenarios reach every
// thread shape the oracle must send to the kernel, each in at least 5% of
// them (spec only, no kernel needed).
func TestRandomScenariosReachThreadShapes(t *testing.T) {
	p := Params()
	const n = 400
	seen := map[string]int{}
	for seed := uint64(1); seed <= n; seed++ {
		g := &gen{st: spec.Linux(p, model.Cyclic).Init(), handles: []model.Handle{model.Root}}
		hit := map[string]bool{}
		for _, op := range RandomScenario(seed, 40, p) {
			members := g.groups(g.live())
			leader := g.leaderOf(op.Task) == op.Task
			pid, _ := g.st.Expect(model.Op{Kind: model.GetPid, Task: op.Task})
			nestedInit := pid.Err == model.OK && pid.N == 1 && !g.rootGroup(op.Task)
			r, next := g.st.Expect(op)
			g.st = next
			if op.Kind.Creates() {
				g.handles = append(g.handles, op.Child)
			}
			if r.Err != model.OK {
				continue
			}
			switch op.Kind {
			case model.Thread:
				if len(r.NSpid) >= 2 {
					hit["thread in a nested space"] = true
				}
				if nestedInit {
					hit["threaded namespace init"] = true
				}
				if len(g.groups(g.live())[op.Child]) >= 3 {
					hit["group of 3 tasks"] = true
				}
			case model.ExitThread:
				if leader && len(members[op.Task]) > 1 {
					hit["leader exits first"] = true
				}
			case model.Exec:
				if !leader {
					hit["exec by a non-leader"] = true
				}
			}
		}
		for k := range hit {
			seen[k]++
		}
	}
	for _, k := range []string{"thread in a nested space", "threaded namespace init", "group of 3 tasks", "leader exits first", "exec by a non-leader"} {
		t.Logf("%-26s %3d of %d scenarios", k, seen[k], n)
		if seen[k] < n/20 {
			t.Errorf("%s in %d of %d random scenarios, want at least %d", k, seen[k], n, n/20)
		}
	}
}

// TestKernelThreadedInitParksInZap: the last thread of a namespace init
// whose leader exited first runs zap_pid_ns_processes and waits there for
// a killed task whose parent is outside the space to be reaped; the
// oracle settles it (the zombie leader is init's own, not a task zap
// waits for) and the waits that follow match the spec.
// kernel/pid_namespace.c zap_pid_ns_processes: init_pids is 2 for a
// non-leader thread.
func TestKernelThreadedInitParksInZap(t *testing.T) {
	needKernel(t)
	ops := parseOps(t, "t0 unshare", "t0 fork t1", "t0 fork t3", "t1 thread t2", "t1 exit_thread 1", "t2 exit_thread 2",
		"t0 translate t3", "t0 wait -1", "t0 wait -1", "t0 wait -1")
	for range 5 {
		rep, err := Compare(context.Background(), ops, Params())
		if err != nil {
			t.Fatalf("%v\n%s", err, rep)
		}
		if rep.Differs() {
			t.Fatalf("kernel and spec differ:\n%s", rep)
		}
		if got := rep.Ops[9].Kernel.Format(model.Wait); got != "ECHILD" {
			t.Fatalf("the last wait -> %s, want ECHILD (both reaped):\n%s", got, rep)
		}
	}
}
