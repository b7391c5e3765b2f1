package oracle

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// TestRandomScenariosReachTheGroupRules: random scenarios reach every rule
// of process groups, sessions, reaping, subreapers, clone, entering a
// children space and the reads, each in a meaningful share of scenarios
// (at least 4%), judged by the spec alone (no kernel needed).
func TestRandomScenariosReachTheGroupRules(t *testing.T) {
	p := Params()
	const n = 400
	hits := map[string]int{}
	for seed := uint64(0); seed < n; seed++ {
		for r := range rulesReached(RandomScenario(seed, 40, p), p) {
			hits[r]++
		}
	}
	rules := []string{
		"setpgid ok", "setpgid EPERM", "setsid ok", "setsid EPERM", "group id invisible",
		"kill by group", "wait by group reaps", "group number held after its task",
		"child reaped at exit", "orphan to a subreaper", "clone newpid", "clone parent",
		"clone EINVAL", "setns_children ok", "first fork into a joined space",
		"read_last_pid", "nspid",
		"number reused", "fork after ns_last_pid meets a taken number",
	}
	var b strings.Builder
	for _, r := range slices.Sorted(maps.Keys(hits)) {
		fmt.Fprintf(&b, "  %-34s %3d of %d\n", r, hits[r], n)
	}
	t.Logf("scenarios reaching each rule:\n%s", b.String())
	for _, r := range rules {
		if hits[r] < n/25 {
			t.Errorf("rule %q reached in %d of %d scenarios, want at least %d", r, hits[r], n, n/25)
		}
	}
}

// rulesReached lists the rules a scenario reaches, by the spec.
func rulesReached(ops []model.Op, p model.Params) map[string]bool {
	st := spec.Linux(p, model.Cyclic).Init()
	got := map[string]bool{}
	ask := func(op model.Op) model.Result { r, _ := st.Expect(op); return r }
	var handles []model.Handle
	handles = append(handles, model.Root)
	parent := map[model.Handle]model.Handle{}
	subreapers := map[model.Handle]bool{}
	joined := map[model.Handle]bool{}
	rootNumber := func(h model.Handle) int {
		r := ask(model.Op{Kind: model.Translate, Task: model.Root, Target: h})
		if r.Err != model.OK {
			return 0
		}
		return r.N
	}
	given := map[int]bool{}           // every root number a task was given
	lastPid := map[model.Handle]int{} // the ns_last_pid the task wrote, just before
	for _, op := range ops {
		before := 0
		if op.Kind == model.Exit {
			before = rootNumber(op.Task)
		}
		r, next := st.Expect(op)
		st = next
		ok := r.Err == model.OK
		switch op.Kind {
		case model.SetPgid:
			got["setpgid "+r.Err.String()] = true
		case model.SetSid:
			got["setsid "+r.Err.String()] = true
		case model.GetPgid, model.GetSid:
			if ok && r.N == 0 {
				got["group id invisible"] = true
			}
		case model.Kill:
			if ok && op.Sig != 0 && (op.Pid == 0 || op.Pid < -1) {
				got["kill by group"] = true
			}
		case model.Wait:
			if ok && r.N > 0 && (op.Pid == 0 || op.Pid < -1) {
				got["wait by group reaps"] = true
			}
		case model.Exit:
			if before > 1 && ask(model.Op{Kind: model.Lookup, Task: model.Root, Pid: before}).Err == model.ESRCH {
				got["child reaped at exit"] = true
			}
		case model.Subreaper:
			if ok && op.N != 0 {
				subreapers[op.Task] = true
			}
		case model.Clone:
			switch {
			case !ok:
				got["clone "+r.Err.String()] = true
			case op.N&model.CloneNewPid != 0:
				got["clone newpid"] = true
			case op.N&model.CloneParent != 0:
				got["clone parent"] = true
			}
		case model.SetNsChildren:
			if ok {
				got["setns_children ok"] = true
				joined[op.Task] = true
			}
		case model.Fork, model.ForkWithTid:
			if ok && joined[op.Task] && r.NSpid[len(r.NSpid)-1] == 1 {
				got["first fork into a joined space"] = true
			}
		case model.GetLastPid, model.GetNSpid:
			if ok {
				got[op.Kind.String()] = true
			}
		case model.Unshare, model.SetNs:
			delete(joined, op.Task)
		}
		if op.Kind.Creates() && ok {
			handles = append(handles, op.Child)
			parent[op.Child] = op.Task
			n := rootNumber(op.Child)
			if given[n] {
				got["number reused"] = true
			}
			given[n] = true
			if last, wrote := lastPid[op.Task]; wrote && op.Kind == model.Fork {
				if tr := ask(model.Op{Kind: model.Translate, Task: op.Task, Target: op.Child}); tr.Err == model.OK && tr.N != last+1 {
					got["fork after ns_last_pid meets a taken number"] = true
				}
			}
		}
		clear(lastPid)
		if op.Kind == model.SetLastPid && ok {
			lastPid[op.Task] = op.N
		}
		// A live task whose parent is a subreaper that did not create it.
		for _, h := range handles {
			pp := ask(model.Op{Kind: model.GetPPid, Task: h})
			if pp.Err != model.OK || pp.N == 0 {
				continue
			}
			for s := range subreapers {
				if s == parent[h] {
					continue
				}
				if tr := ask(model.Op{Kind: model.Translate, Task: h, Target: s}); tr.Err == model.OK && tr.N == pp.N && s != model.Root {
					got["orphan to a subreaper"] = true
				}
			}
		}
		// A process group id whose own task is gone.
		for _, h := range handles {
			n := rootNumber(h)
			if n == 0 {
				continue
			}
			g := ask(model.Op{Kind: model.GetPgid, Task: model.Root, Pid: n})
			if g.Err == model.OK && g.N > 1 && ask(model.Op{Kind: model.Lookup, Task: model.Root, Pid: g.N}).Err == model.ESRCH {
				got["group number held after its task"] = true
			}
		}
	}
	return got
}
