package oracle

import (
	"math/rand/v2"

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
// set_tid collisions come up within a few dozen ops.
func RandomScenario(seed uint64, length int, p model.Params) []model.Op {
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), st: spec.Linux(p, model.Cyclic).Init(), p: p}
	g.handles = []model.Handle{model.Root}
	var ops []model.Op
	for len(ops) < length {
		op := g.next()
		_, g.st = g.st.Expect(op)
		ops = append(ops, op)
	}
	return ops
}

type gen struct {
	r       *rand.Rand
	st      spec.State
	p       model.Params
	handles []model.Handle // every handle used so far, in creation order
	nextH   model.Handle
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

func (g *gen) child() model.Handle {
	g.nextH++
	h := g.nextH
	g.handles = append(g.handles, h)
	return h
}

func (g *gen) oneOf(xs ...int) int { return xs[g.r.IntN(len(xs))] }

func (g *gen) next() model.Op {
	live := g.live()
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
		{model.Fork, forkW}, {model.ForkWithTid, forkW / 4}, {model.Exit, 8}, {model.Wait, 12},
		{model.Kill, 10}, {model.Unshare, 5}, {model.SetNs, 5}, {model.GetPid, 3},
		{model.GetPPid, 4}, {model.Translate, 5}, {model.Lookup, 5}, {model.SetPidMax, 4},
		{model.SetLastPid, 6},
		{model.Thread, forkW / 3}, {model.GetTid, 2}, {model.ExitThread, 6}, {model.Exec, 4},
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
		if g.r.IntN(5) < 2 {
			op.Pid = g.visible(actor)
		}
	case model.Kill:
		switch g.r.IntN(10) {
		case 0:
			op.Pid = -1
		case 1:
			op.Pid = 1
		case 2:
			op.Pid = 1 + g.r.IntN(20)
		default:
			op.Pid = g.visible(actor)
		}
		op.Sig = g.oneOf(0, 9, 9, 9, 15, 15)
	case model.SetNs, model.Translate:
		op.Target = g.pick(g.handles)
	case model.Lookup:
		op.Pid = g.visible(actor)
		if g.r.IntN(5) == 0 {
			op.Pid = 1 + g.r.IntN(12)
		}
	case model.SetPidMax:
		op.N = g.oneOf(301, 302, 304, 310, 320, 400, g.p.PidMax, 300, 0, g.p.PidMax+1, 1000)
	case model.SetLastPid:
		op.N = g.oneOf(0, 1, 5, 298, 299, 300, 301, 303, 305, 308, 309, 310, 315, 319, 399, g.p.PidMax-2, g.p.PidMax-1, g.p.PidMax, -1)
	}
	return op
}
