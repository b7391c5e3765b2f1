package checker

import (
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

var threadKinds = []model.Kind{model.Thread, model.GetTid, model.ExitThread, model.Exec}

// TestGenerateRefusedThreadsLeaveDrawsAlone: for a spec that refuses the
// thread ops (its oracle answers thread EINVAL, as openvz and pspace2006
// do) the generator makes exactly the scenarios it makes with the thread
// kinds left out, and none holds a thread op. (With the thread kinds left
// out the scenarios are also the ones the generator made before it had
// thread ops: their weights are drawn last and are 0 then; checked when
// the thread ops were added, by hashing 2000 scenarios before and after.)
func TestGenerateRefusedThreadsLeaveDrawsAlone(t *testing.T) {
	refuse := func(ops []model.Op) []model.Result {
		out := make([]model.Result, len(ops))
		for i, op := range ops {
			if isThreadKind(op.Kind) {
				out[i] = model.Fail(model.EINVAL)
			}
		}
		return out
	}
	for seed := range uint64(500) {
		a := Generate(SeedSource(seed), model.ProcessLevel, GenOptions{Leave: threadKinds, Oracle: refuse})
		b := Generate(SeedSource(seed), model.ProcessLevel, GenOptions{Oracle: refuse})
		if scenarioText(a) != scenarioText(b) {
			t.Fatalf("seed %d: refused threads change the draws:\n%s\nvs\n%s", seed, scenarioText(a), scenarioText(b))
		}
		for _, ops := range append(append([][]model.Op{a.Init}, a.Threads...), a.Post) {
			for _, op := range ops {
				if isThreadKind(op.Kind) {
					t.Fatalf("seed %d: %q generated for a spec that refuses threads", seed, op)
				}
			}
		}
	}
}

// TestGenerateReachesThreadShapes: run sequentially through spec.Linux
// (init part, then each thread's ops in turn), the default generator's
// scenarios reach every thread shape the thread model names, each in at least 2%
// of them: a group of three tasks, a leader exiting first while a thread
// lives, exec from a live non-leader, a threaded namespace init, a thread
// in a nested space; and CLONE_THREAD refused after unshare or setns.
func TestGenerateReachesThreadShapes(t *testing.T) {
	const n = 2000
	p := model.SmallParams()
	s := spec.Linux(p, model.Cyclic)
	g := GenOptions{Oracle: func(ops []model.Op) []model.Result { return spec.Run(s, ops) }}
	counts := map[string]int{}
	for seed := range uint64(n) {
		sc := Generate(SeedSource(seed), model.ProcessLevel, g)
		ops := append([]model.Op(nil), sc.Init...)
		for _, th := range sc.Threads {
			ops = append(ops, th...)
		}
		res := spec.Run(s, ops)
		nspid := map[model.Handle][]int{model.Root: {1}}
		leader := map[model.Handle]model.Handle{model.Root: model.Root}
		size := map[model.Handle]int{model.Root: 1}
		exited := map[model.Handle]bool{}
		seen := map[string]bool{}
		for i, op := range ops {
			r := res[i]
			if r.Err != model.OK {
				if op.Kind == model.Thread && r.Err == model.EINVAL {
					seen["CLONE_THREAD refused"] = true
				}
				continue
			}
			switch op.Kind {
			case model.Fork, model.ForkWithTid:
				nspid[op.Child], leader[op.Child], size[op.Child] = r.NSpid, op.Child, 1
			case model.Thread:
				l := leader[op.Task]
				nspid[op.Child], leader[op.Child] = r.NSpid, l
				size[l]++
				if size[l] >= 3 {
					seen["group of three"] = true
				}
				if a := nspid[op.Task]; len(a) > 1 && a[len(a)-1] == 1 || leader[op.Task] != op.Task && len(nspid[l]) > 1 && nspid[l][len(nspid[l])-1] == 1 {
					seen["threaded init"] = true
				}
				if len(r.NSpid) > 1 {
					seen["thread in a nested space"] = true
				}
			case model.ExitThread:
				if leader[op.Task] == op.Task && size[op.Task]-countExited(leader, exited, op.Task) > 1 {
					seen["leader exits first"] = true
				}
				exited[op.Task] = true
			case model.Exec:
				if leader[op.Task] != op.Task && !exited[op.Task] {
					seen["exec from a non-leader"] = true
				}
			}
		}
		for k := range seen {
			counts[k]++
		}
	}
	for _, shape := range []string{"group of three", "leader exits first", "exec from a non-leader", "threaded init", "thread in a nested space", "CLONE_THREAD refused"} {
		t.Logf("%-26s %4d of %d scenarios", shape, counts[shape], n)
		if counts[shape] < n/50 {
			t.Errorf("%s: in only %d of %d scenarios", shape, counts[shape], n)
		}
	}
}

// countExited counts the tasks of l's group that exited.
func countExited(leader map[model.Handle]model.Handle, exited map[model.Handle]bool, l model.Handle) int {
	n := 0
	for h, lh := range leader {
		if lh == l && exited[h] {
			n++
		}
	}
	return n
}
