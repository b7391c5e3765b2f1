package oracle

import (
	"github.com/pidcheck/pidcheck/model"
)

// Thread ops in random scenarios. The weights alone would rarely make a
// group of three, a leader that exits while its threads live, an exec by
// a non-leader, or a threaded namespace init; the actor of a thread op is
// therefore steered toward them (TestRandomScenariosReachThreadShapes
// measures how often each comes up).

// leaderOf is the handle of h's thread-group leader in the spec (h when h
// is no live task): the task holding the number getpid answers.
func (g *gen) leaderOf(h model.Handle) model.Handle {
	r, _ := g.st.Expect(model.Op{Kind: model.GetPid, Task: h})
	if r.Err != model.OK {
		return h
	}
	l, _ := g.st.Expect(model.Op{Kind: model.Lookup, Task: h, Pid: r.N})
	if l.Err != model.OK {
		return h
	}
	return l.Task
}

// groups maps every live task to its group's live tasks, in creation
// order.
func (g *gen) groups(live []model.Handle) map[model.Handle][]model.Handle {
	byLeader := map[model.Handle][]model.Handle{}
	for _, h := range live {
		l := g.leaderOf(h)
		byLeader[l] = append(byLeader[l], h)
	}
	out := map[model.Handle][]model.Handle{}
	for _, h := range live {
		out[h] = byLeader[g.leaderOf(h)]
	}
	return out
}

// rootGroup reports whether h is a task of the scenario root's init group
// (level 0, getpid 1): its exit_group, or the exit of its group's last
// thread, ends the scenario.
func (g *gen) rootGroup(h model.Handle) bool {
	r, _ := g.st.Expect(model.Op{Kind: model.GetPid, Task: h})
	if r.Err != model.OK || r.N != 1 {
		return false
	}
	ns, _ := g.st.Expect(model.Op{Kind: model.GetNSpid, Task: h})
	return len(ns.NSpid) == 1
}

// threadSteer adjusts the kind and actor of an op for the thread shapes.
func (g *gen) threadSteer(kind model.Kind, actor model.Handle, live []model.Handle) (model.Kind, model.Handle) {
	if len(live) == 0 {
		return kind, actor
	}
	members := g.groups(live)
	pick := func(ok func(h model.Handle) bool) (model.Handle, bool) {
		var c []model.Handle
		for _, h := range live {
			if ok(h) {
				c = append(c, h)
			}
		}
		if len(c) == 0 {
			return actor, false
		}
		return g.pick(c), true
	}
	leader := func(h model.Handle) bool { return g.leaderOf(h) == h }
	switch kind {
	case model.Thread:
		switch g.r.IntN(6) {
		case 0, 1:
			// A threaded namespace init: the init of a nested space.
			if h, ok := pick(func(h model.Handle) bool {
				r, _ := g.st.Expect(model.Op{Kind: model.GetPid, Task: h})
				return r.N == 1 && !g.rootGroup(h)
			}); ok {
				actor = h
			}
		case 2, 3:
			// Grow a group that has a thread already, up to three tasks.
			if h, ok := pick(func(h model.Handle) bool { return len(members[h]) == 2 }); ok {
				actor = h
			}
		}
	case model.ExitThread:
		if g.r.IntN(2) == 0 {
			// The leader exits first, its threads live on.
			if h, ok := pick(func(h model.Handle) bool { return leader(h) && len(members[h]) > 1 }); ok {
				actor = h
			}
		} else if h, ok := pick(func(h model.Handle) bool { return !leader(h) }); ok {
			actor = h
		}
	case model.Exec:
		if g.r.IntN(3) > 0 {
			if h, ok := pick(func(h model.Handle) bool { return !leader(h) }); ok {
				actor = h
			}
		}
	}
	// Ending the root init's group ends the scenario: keep it rare.
	ends := (kind == model.Exit || kind == model.ExitThread && len(members[actor]) == 1) && g.rootGroup(actor)
	if ends && g.r.IntN(10) > 0 {
		if h, ok := pick(func(h model.Handle) bool { return !g.rootGroup(h) }); ok {
			actor = h
		} else {
			kind = model.Fork
		}
	}
	return kind, actor
}
