package oracle

import (
	"math/rand/v2"
	"slices"

	"github.com/pidcheck/pidcheck/model"
	"github.com/pidcheck/pidcheck/spec"
)

// maxLive bounds the live tasks of a random scenario, so one scenario
// never needs more than a few dozen processes.
const maxLive = 12

// RandomScenario returns a random sequential process-level scenario of
// length ops over every op the kernel oracle runs, the same for the same
// seed (math/rand/v2 PCG). It steers with spec.Linux(p, model.Cyclic):
// actors are mostly live tasks, kill, wait and lookup mostly name numbers
// that are visible to the actor, and pid_max / ns_last_pid values sit near
// the floor and the limits, so wrap-around, the 300 floor, init death and
// set_tid collisions come up within a few dozen ops. Whenever a number's
// standing changes (its task dies or is reaped, it stops being a process
// group's or session's), it is now and then probed: ns_last_pid is set
// just below it and the creator forks, so that when the kernel frees a
// number, and when it keeps one, is compared too, not only the numbers
// a scenario happens to reuse.
func RandomScenario(seed uint64, length int, p model.Params) []model.Op {
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), st: spec.Linux(p, model.Cyclic).Init(), p: p, prober: model.NoTask}
	g.handles = []model.Handle{model.Root}
	var ops []model.Op
	for len(ops) < length {
		op := g.next()
		var r model.Result
		r, g.st = g.st.Expect(op)
		g.noteBirth(op, r)
		g.noteReleases()
		ops = append(ops, op)
	}
	return ops
}

// birth is a task made by actor, and its number in actor's space, with
// what the last op left of it: whether its task is live, whether it is
// still there (live, or a zombie: translatable), whether the number is the
// process group or session of a task still there, and whether the spec
// says it is taken.
type birth struct {
	actor, child                model.Handle
	n                           int
	live, there, grouped, taken bool
}

// noteBirth remembers the number a successful fork, clone or thread gave
// its child in the creator's space, while it can still be translated.
func (g *gen) noteBirth(op model.Op, r model.Result) {
	if !op.Kind.Creates() || r.Err != model.OK {
		return
	}
	if tr, _ := g.st.Expect(model.Op{Kind: model.Translate, Task: op.Task, Target: op.Child}); tr.Err == model.OK && tr.N > 1 {
		g.births = append(g.births, birth{actor: op.Task, child: op.Child, n: tr.N, live: true, there: true, taken: true})
	}
}

// noteReleases lists in flips the numbers whose standing the last op
// changed: their task stopped being live or was reaped, they stopped (or
// started) being the process group or session of a task still there, or
// the spec now says otherwise of whether they are taken. A probe of one
// of them judges, against the kernel, the rule that just released the
// number or kept it; all but the last signal are independent of the
// spec's rules of release, so a wrong rule is probed too.
func (g *gen) noteReleases() {
	g.flips = g.flips[:0]
	live := g.live()
	groups := map[model.Handle]map[int]bool{} // per creator: the group and session numbers in its space
	var there []model.Handle                  // live and zombie tasks
	for _, h := range g.handles {
		if r, _ := g.st.Expect(model.Op{Kind: model.Translate, Task: model.Root, Target: h}); r.Err == model.OK && r.N > 0 {
			there = append(there, h)
		}
	}
	for i := range g.births {
		b := &g.births[i]
		if !slices.Contains(live, b.actor) {
			continue
		}
		alive := slices.Contains(live, b.child)
		if alive {
			continue
		}
		in, ok := groups[b.actor]
		if !ok {
			in = g.groupNumbers(b.actor, there)
			groups[b.actor] = in
		}
		next := birth{actor: b.actor, child: b.child, n: b.n, live: alive, there: slices.Contains(there, b.child),
			grouped: in[b.n], taken: g.taken(*b)}
		if next != *b {
			*b = next
			g.flips = append(g.flips, next)
		}
	}
}

// groupNumbers returns the process group and session numbers, in actor's
// space, of the tasks of there visible in it.
func (g *gen) groupNumbers(actor model.Handle, there []model.Handle) map[int]bool {
	in := map[int]bool{}
	for _, x := range there {
		tr, _ := g.st.Expect(model.Op{Kind: model.Translate, Task: actor, Target: x})
		if tr.Err != model.OK || tr.N <= 0 {
			continue
		}
		for _, k := range []model.Kind{model.GetPgid, model.GetSid} {
			if r, _ := g.st.Expect(model.Op{Kind: k, Task: actor, Pid: tr.N}); r.Err == model.OK && r.N > 0 {
				in[r.N] = true
			}
		}
	}
	return in
}

// taken reports whether, by the spec, b's number is in use in its
// creator's space: a fork right after ns_last_pid is set below it would
// not get it.
func (g *gen) taken(b birth) bool {
	_, st := g.st.Expect(model.Op{Kind: model.SetLastPid, Task: b.actor, N: b.n - 1})
	probe := g.nextH + 1
	if r, st2 := st.Expect(model.Op{Kind: model.Fork, Task: b.actor, Child: probe}); r.Err == model.OK {
		tr, _ := st2.Expect(model.Op{Kind: model.Translate, Task: b.actor, Target: probe})
		return tr.Err != model.OK || tr.N != b.n
	}
	return true // no fork to tell by
}

// probeable reports whether a fork by actor would not be the first task
// of a children space: a probe's fork then leaves a space without an init
// for setns_children to join as it was.
func (g *gen) probeable(actor model.Handle) bool {
	r, _ := g.st.Expect(model.Op{Kind: model.Fork, Task: actor, Child: g.nextH + 1})
	return r.Err != model.OK || r.NSpid[len(r.NSpid)-1] != 1
}

// probe returns a write of ns_last_pid that puts the cursor of a live
// creator's space just below the number it once gave a task that is no
// longer live (a zombie, reaped, its number perhaps held by a process
// group or session), for a fork by the creator to follow: whether that
// fork gets the number shows whether the kernel freed it, so the spec's
// every rule of when a number is released is judged against the
// kernel's (kernel/pid.c free_pid, kernel/exit.c release_task). ok is
// false when no such number exists.
func (g *gen) probe(live []model.Handle) (op model.Op, ok bool) {
	var cands []birth
	for _, b := range g.births {
		if slices.Contains(live, b.actor) && !slices.Contains(live, b.child) && g.probeable(b.actor) {
			cands = append(cands, b)
		}
	}
	if len(cands) == 0 {
		return model.Op{}, false
	}
	return g.startProbe(cands[g.r.IntN(len(cands))]), true
}

// startProbe returns the probe's write of ns_last_pid below b's number,
// and sets up the fork that follows it, the write that then restores the
// last pid it found, and that fork's child's exit.
func (g *gen) startProbe(b birth) model.Op {
	g.prober = b.actor
	if r, _ := g.st.Expect(model.Op{Kind: model.GetLastPid, Task: b.actor}); r.Err == model.OK && r.N >= 0 {
		g.after = append(g.after, model.Op{Kind: model.SetLastPid, Task: b.actor, N: r.N})
	}
	return model.Op{Kind: model.SetLastPid, Task: b.actor, N: b.n - 1}
}

type gen struct {
	r       *rand.Rand
	st      spec.State
	p       model.Params
	handles []model.Handle // every handle used so far, in creation order
	nextH   model.Handle
	joiner  model.Handle          // a task that just joined a children space: it forks next, half the time
	births  []birth               // every task's number in its creator's space, as it was created
	prober  model.Handle          // a task that just pointed ns_last_pid below a number it gave out: it forks next
	flips   []birth               // births whose number the last op released, or left held by a non-live task
	after   []model.Op            // after a probe's fork: the write that puts ns_last_pid back, its child's exit
	reapers map[model.Handle]bool // tasks this scenario made subreapers
}

func (g *gen) live() []model.Handle {
	var out []model.Handle
	for _, h := range g.handles {
		if r, _ := g.st.Expect(model.Op{Kind: model.GetPid, Task: h}); r.Err == model.OK {
			out = append(out, h)
		}
	}
	return out
}

func (g *gen) pick(hs []model.Handle) model.Handle { return hs[g.r.IntN(len(hs))] }

// number returns the number of a random task as seen from actor, 0 if it
// is invisible there.
func (g *gen) number(actor model.Handle) int {
	t := g.pick(g.handles)
	r, _ := g.st.Expect(model.Op{Kind: model.Translate, Task: actor, Target: t})
	if r.Err != model.OK {
		return 0
	}
	return r.N
}

func (g *gen) visible(actor model.Handle) int {
	for range 4 {
		if n := g.number(actor); n > 0 {
			return n
		}
	}
	return 1 + g.r.IntN(8)
}

// steer picks, for some kinds, an actor where the op does more: a wait
// by a task with a child to reap, an exit by a process-group leader other
// than t0 with children in its group (its number may stay held by the
// group), or by a child of a subreaper that has children, a subreaper by a
// grandparent (an exit of its child then orphans a grandchild to it).
func (g *gen) steer(kind model.Kind, live []model.Handle, actor model.Handle) model.Handle {
	if kind == model.Exit && g.r.IntN(2) == 0 {
		if m, ok := g.heldMember(live); ok {
			return m // on the way to freeing a held number
		}
	}
	for range 6 {
		x := g.pick(live)
		switch kind {
		case model.Wait:
			if r, _ := g.st.Expect(model.Op{Kind: model.Wait, Task: x, Pid: -1}); r.Err == model.OK && r.N > 0 {
				return x
			}
		case model.Exit:
			if p := g.parentOf(x); g.reapers[p] && p != model.Root && g.hasChild(live, x) {
				return x // orphans its children to a subreaper
			}
			pid, _ := g.st.Expect(model.Op{Kind: model.GetPid, Task: x})
			pg, _ := g.st.Expect(model.Op{Kind: model.GetPgid, Task: x})
			if x != model.Root && pid.Err == model.OK && pg.N == pid.N && g.hasChild(live, x) {
				return x // a group leader whose children are members
			}
		case model.Subreaper:
			if p := g.parentOf(x); p != model.NoTask {
				if gp := g.parentOf(p); gp != model.NoTask {
					return gp
				}
			}
		}
	}
	return actor
}

// release returns an op that moves a group's or session's number along
// its way to being freed: while its task is a zombie, a wait that may reap
// it (the number is then held); while it is held, the exit of a live
// member, else a wait (the members left are zombies). ok is false when no
// such number exists.
func (g *gen) release(live []model.Handle) (model.Op, bool) {
	zombie, held := false, false
	for _, b := range g.births {
		zombie = zombie || (b.there && !b.live && b.grouped)
		held = held || (!b.there && b.grouped)
	}
	if !zombie && !held {
		return model.Op{}, false
	}
	if m, ok := g.heldMember(live); ok && held {
		return model.Op{Kind: model.Exit, Task: m, Code: g.r.IntN(4)}, true
	}
	var reapers []model.Handle
	for _, x := range live {
		if r, _ := g.st.Expect(model.Op{Kind: model.Wait, Task: x, Pid: -1}); r.Err == model.OK && r.N > 0 {
			reapers = append(reapers, x)
		}
	}
	if len(reapers) == 0 {
		return model.Op{}, false
	}
	return model.Op{Kind: model.Wait, Task: g.pick(reapers), Pid: -1}, true
}

// heldMember returns a live task other than t0 whose process group or
// session is a number held after its own task was reaped: once the last
// such member is gone, the number is freed (kernel/pid.c free_pid after
// the last detach_pid), a rule a probe then judges.
func (g *gen) heldMember(live []model.Handle) (model.Handle, bool) {
	var out []model.Handle
	for _, b := range g.births {
		if b.there || !b.grouped || !slices.Contains(live, b.actor) {
			continue
		}
		for _, x := range live {
			if x == model.Root || slices.Contains(out, x) {
				continue
			}
			tr, _ := g.st.Expect(model.Op{Kind: model.Translate, Task: b.actor, Target: x})
			if tr.Err != model.OK || tr.N <= 0 {
				continue
			}
			for _, k := range []model.Kind{model.GetPgid, model.GetSid} {
				if r, _ := g.st.Expect(model.Op{Kind: k, Task: b.actor, Pid: tr.N}); r.Err == model.OK && r.N == b.n {
					out = append(out, x)
					break
				}
			}
		}
	}
	if len(out) == 0 {
		return model.NoTask, false
	}
	return out[g.r.IntN(len(out))], true
}

// hasChild reports whether some live task is h's child.
func (g *gen) hasChild(live []model.Handle, h model.Handle) bool {
	for _, y := range live {
		if y != h && g.parentOf(y) == h {
			return true
		}
	}
	return false
}

// parentOf is the live task that is h's parent, or NoTask.
func (g *gen) parentOf(h model.Handle) model.Handle {
	pp, _ := g.st.Expect(model.Op{Kind: model.GetPPid, Task: h})
	if pp.Err != model.OK || pp.N <= 0 {
		return model.NoTask
	}
	r, _ := g.st.Expect(model.Op{Kind: model.Lookup, Task: h, Pid: pp.N})
	if r.Err != model.OK {
		return model.NoTask
	}
	return r.Task
}

// group returns the number, in actor's space, of a random task's process
// group (the actor's own half the time); 1 when it is invisible.
func (g *gen) group(actor model.Handle) int {
	t := actor
	if g.r.IntN(2) == 0 {
		t = g.pick(g.handles)
	}
	n := 0
	if r, _ := g.st.Expect(model.Op{Kind: model.Translate, Task: actor, Target: t}); r.Err == model.OK && r.N > 0 {
		if r, _ := g.st.Expect(model.Op{Kind: model.GetPgid, Task: actor, Pid: r.N}); r.Err == model.OK {
			n = r.N
		}
	}
	if n <= 0 {
		return 1
	}
	return n
}

func (g *gen) child() model.Handle {
	g.nextH++
	h := g.nextH
	g.handles = append(g.handles, h)
	return h
}

func (g *gen) oneOf(xs ...int) int { return xs[g.r.IntN(len(xs))] }

func (g *gen) next() model.Op {
	live := g.live()
	if p := g.prober; p != model.NoTask {
		g.prober = model.NoTask
		c := g.child()
		// Then the cursor goes back where it was and the probe's child
		// exits: probes add no task to the scenario's live ones, and do
		// not keep a space from filling and wrapping.
		g.after = append(g.after, model.Op{Kind: model.Exit, Task: c})
		return model.Op{Kind: model.Fork, Task: p, Child: c}
	}
	if len(g.after) > 0 {
		op := g.after[0]
		g.after = g.after[1:]
		return op
	}
	if j := g.joiner; j != model.NoTask {
		g.joiner = model.NoTask
		if g.r.IntN(2) == 0 {
			// Its first child may be PID 1 of a space without an init.
			return model.Op{Kind: model.Fork, Task: j, Child: g.child()}
		}
	}
	if len(g.flips) > 0 && len(live) < maxLive && g.r.IntN(4) == 0 {
		// A number just changed standing: probe it (see probe).
		if b := g.flips[g.r.IntN(len(g.flips))]; g.probeable(b.actor) {
			return g.startProbe(b)
		}
	}
	if g.r.IntN(10) == 0 {
		if op, ok := g.release(live); ok {
			return op
		}
	}
	actor := model.Root
	switch {
	case len(live) > 0 && g.r.IntN(20) > 0:
		actor = g.pick(live)
	default:
		actor = g.pick(g.handles)
	}
	forkW := 28
	if len(live) >= maxLive {
		forkW = 0
	}
	weights := []struct {
		k model.Kind
		w int
	}{
		{model.Fork, forkW}, {model.ForkWithTid, forkW / 4}, {model.Exit, 10}, {model.Wait, 12},
		{model.Kill, 10}, {model.Unshare, 5}, {model.SetNs, 5}, {model.GetPid, 3},
		{model.GetPPid, 4}, {model.Translate, 5}, {model.Lookup, 5}, {model.SetPidMax, 4},
		{model.SetLastPid, 6},
		// groups, sessions, reaping rules, entering spaces, reads
		{model.SetPgid, 9}, {model.GetPgid, 3}, {model.SetSid, 4}, {model.GetSid, 3},
		{model.SigChld, 4}, {model.Subreaper, 8}, {model.Clone, forkW / 4}, {model.SetNsChildren, 4},
		{model.GetLastPid, 3}, {model.GetNSpid, 2},
		{model.Thread, forkW / 6}, {model.GetTid, 1}, {model.ExitThread, 2}, {model.Exec, 2},
	}
	total := 0
	for _, w := range weights {
		total += w.w
	}
	x := g.r.IntN(total)
	kind := model.Fork
	for _, w := range weights {
		if x < w.w {
			kind = w.k
			break
		}
		x -= w.w
	}
	if kind == model.Exit && actor == model.Root && g.r.IntN(10) > 0 {
		// The root init's exit ends the scenario: keep it rare.
		if len(live) > 1 {
			for actor == model.Root {
				actor = g.pick(live)
			}
		} else {
			kind = model.Fork
		}
	}
	if len(live) > 1 && g.r.IntN(4) > 0 {
		actor = g.steer(kind, live, actor)
	}
	if kind == model.Subreaper {
		if g.reapers == nil {
			g.reapers = map[model.Handle]bool{}
		}
		g.reapers[actor] = true
	}
	kind, actor = g.threadSteer(kind, actor, live)
	op := model.Op{Kind: kind, Task: actor}
	switch kind {
	case model.Fork, model.Thread:
		op.Child = g.child()
	case model.ForkWithTid:
		levels := 1
		if r, _ := g.st.Expect(model.Op{Kind: model.Fork, Task: actor, Child: g.nextH + 1}); r.Err == model.OK {
			levels = len(r.NSpid)
		}
		n := 1 + g.r.IntN(levels)
		for range n {
			var t int
			switch g.r.IntN(5) {
			case 0:
				t = 1
			case 1:
				t = g.visible(actor)
			case 2:
				t = 290 + g.r.IntN(30)
			default:
				t = 2 + g.r.IntN(11)
			}
			op.Tids = append(op.Tids, t)
		}
		op.Child = g.child()
	case model.Exit, model.ExitThread:
		op.Code = g.r.IntN(4)
	case model.Wait:
		op.Pid = -1
		switch g.r.IntN(10) {
		case 0, 1, 2, 3:
			op.Pid = g.visible(actor)
		case 4:
			op.Pid = 0 // the caller's process group
		case 5:
			op.Pid = -g.group(actor)
		}
	case model.Kill:
		switch g.r.IntN(12) {
		case 0:
			op.Pid = -1
		case 1:
			op.Pid = 1
		case 2:
			op.Pid = 1 + g.r.IntN(20)
		case 3:
			op.Pid = 0 // the caller's process group
		case 4:
			op.Pid = -g.group(actor)
		default:
			op.Pid = g.visible(actor)
		}
		op.Sig = g.oneOf(0, 9, 9, 9, 15, 15)
	case model.SetNs, model.Translate:
		op.Target = g.pick(g.handles)
	case model.SetNsChildren:
		// Mostly a task whose children space has no init yet (it
		// unshared and has not forked since).
		op.Target = g.pick(g.handles)
		for range 6 {
			t := g.pick(g.handles)
			if r, _ := g.st.Expect(model.Op{Kind: model.Fork, Task: t, Child: g.nextH + 1}); r.Err == model.OK && r.NSpid[len(r.NSpid)-1] == 1 {
				op.Target = t
				break
			}
		}
		if r, _ := g.st.Expect(op); r.Err == model.OK {
			g.joiner = actor
		}
	case model.SetPgid:
		// Often the caller into a group of its own (its later children
		// join it), else the caller or one of its children into a new
		// group or an existing one of the caller's session.
		if g.r.IntN(5) < 2 {
			break
		}
		if g.r.IntN(3) > 0 {
			op.Pid = g.visible(actor)
		}
		switch g.r.IntN(6) {
		case 0, 1:
		case 2, 3:
			op.N = g.group(actor)
		case 4:
			op.N = g.visible(actor)
		default:
			op.N = g.oneOf(-1, 1, 2+g.r.IntN(10))
		}
	case model.GetPgid, model.GetSid:
		if g.r.IntN(2) == 0 {
			op.Pid = g.visible(actor)
		}
	case model.SigChld:
		op.N = g.oneOf(model.SigChldIgnore, model.SigChldIgnore, model.SigChldNoCldWait, model.SigChldNoCldWait, model.SigChldDefault, model.SigChldDefault)
		if g.r.IntN(30) == 0 {
			op.N = 3 // not a disposition: EINVAL
		}
	case model.Subreaper:
		op.N = g.oneOf(1, 1, 0)
	case model.Clone:
		op.N = g.oneOf(model.CloneNewPid, model.CloneNewPid, model.CloneNewPid, model.CloneParent, model.CloneParent,
			model.CloneNewPid|model.CloneParent, 0, model.CloneNewPid|model.CloneThread, model.CloneParent|model.CloneThread, model.CloneThread)
		op.Child = g.child()
	case model.Lookup:
		op.Pid = g.visible(actor)
		if g.r.IntN(5) == 0 {
			op.Pid = 1 + g.r.IntN(12)
		}
	case model.SetPidMax:
		m := g.p.MinMax()
		op.N = g.oneOf(m, m+1, m+3, m+9, m+19, m+99, g.p.PidMax, m-1, 0, g.p.PidMax+1, m+699)
	case model.SetLastPid:
		if g.r.IntN(4) == 0 && len(live) < maxLive {
			if p, ok := g.probe(live); ok {
				return p
			}
		}
		op.N = g.oneOf(0, 1, 5, 298, 299, 300, 301, 303, 305, 308, 309, 310, 315, 319, 399, g.p.PidMax-2, g.p.PidMax-1, g.p.PidMax, -1)
	}
	return op
}
