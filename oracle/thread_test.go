package oracle

import (
	"context"
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

func TestKernelThreadSmoke(t *testing.T) {
	needKernel(t)
	ops := parseOps(t, "t0 fork t1", "t1 thread t2", "t2 getpid", "t2 gettid", "t1 gettid", "t0 lookup 3", "t0 translate t2", "t2 exit_thread 0", "t0 wait -1", "t1 exit 3", "t0 wait -1")
	rep, err := Compare(context.Background(), ops, Params())
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	t.Logf("\n%s", rep)
	if rep.Differs() {
		t.Fatalf("differs")
	}
}

func TestKernelExecSmoke(t *testing.T) {
	needKernel(t)
	ops := parseOps(t, "t0 fork t1", "t1 thread t2", "t1 thread t5", "t2 exec", "t2 getpid", "t2 gettid", "t0 lookup 2", "t0 translate t1", "t0 lookup 3", "t0 ns_last_pid 2", "t2 fork t3", "t2 thread t4", "t4 exec", "t4 getpid", "t4 fork t6", "t6 getppid", "t4 exit 0", "t0 wait -1")
	rep, err := Compare(context.Background(), ops, Params())
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	t.Logf("\n%s", rep)
	if rep.Differs() {
		t.Fatalf("differs")
	}
}

func TestKernelThreadProbe(t *testing.T) {
	needKernel(t)
	ops := parseOps(t, "t0 unshare", "t0 fork t1", "t1 thread t2", "t2 translate t2", "t1 translate t2", "t1 fork t3", "t3 translate t2", "t3 translate t1", "t3 kill 2 0", "t3 lookup 2", "t2 exit_thread 0", "t1 thread t4", "t1 exit_thread 0", "t4 getpid", "t3 translate t1", "t3 translate t4", "t0 translate t1")
	rep, err := Compare(context.Background(), ops, Params())
	if err != nil {
		t.Fatalf("%v\n%s", err, rep)
	}
	t.Logf("\n%s", rep)
	if rep.Differs() {
		t.Fatalf("differs")
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
